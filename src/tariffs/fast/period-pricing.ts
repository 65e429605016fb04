/**
 * One charging period on the fast path: the components in force for each dimension (the
 * reference's element selection and restriction checks, on prepared numbers and in the same
 * order), the quantities they bill and the period's breakdown, exactly as pricePeriod() of
 * ../price.ts builds them.
 */
import { DAY_MS } from '../compiled-tariff.js';
import { msToHours, mwhToKwh } from '../decimal.js';
import type { LocalClock } from '../local-time.js';
import type { ComponentRef, FlatFee, PeriodBreakdown, UsageDimension } from '../price-types.js';
import type { UnknownQuantities } from '../restrictions.js';
import { fractionInRange } from './fractions.js';
import { type Candidate, type FastComponent, type FastRestrictions, WINDOW_INSIDE, WINDOW_WRAPS } from './fast-tariff.js';
import { costOf, wire } from './money.js';
import type { FastPeriod } from './period-reader.js';

export interface GroupTally {
  /** Sum of the billable quantities (under a component, above 0), in period order. */
  total: number;
  last: FastComponent | null;
  lastPeriod: number;
}

export interface Run {
  readonly decimals: number;
  // Short arrays searched linearly: a session meets a handful of components, and creating a
  // Map or Set per session costs more than all the searches.
  /** Every component in force at some point, in no particular order. */
  readonly inForce: FastComponent[];
  /** The ledger: components in the order they were first billed, and their quantities. */
  readonly ledger: FastComponent[];
  readonly quantities: number[];
  /** FLAT components billed, and their fees, in the order they came into force. */
  readonly flats: FastComponent[];
  readonly flatFees: FlatFee[];
  readonly unknown: UnknownQuantities;
  readonly groups: Record<UsageDimension, GroupTally>;
}

/** The local wall clock at a period start, as LocalClock.view() gives it, in numbers. */
export interface LocalInstant {
  msOfDay: number;
  day: number;
  weekdayBit: number;
}

function ref(c: FastComponent): ComponentRef {
  return { tariff_id: c.tariffId, element_index: c.elementIndex, component_index: c.componentIndex };
}

export function shown(dimension: UsageDimension, quantity: number): number {
  return dimension === 'ENERGY' ? mwhToKwh(quantity) : msToHours(quantity);
}

/** The power and current a restriction compares with (a FastPeriod, or zero during a reservation). */
type Figures = Pick<FastPeriod, 'powerN' | 'powerD' | 'powerKw' | 'currentN' | 'currentD' | 'currentA'>;

/** A reservation draws nothing: the reference compares its restrictions with 0 kW and 0 A. */
const RESERVATION_FIGURES: Figures = { powerN: 0, powerD: 1, powerKw: 0, currentN: 0, currentD: 1, currentA: 0 };

/** restrictionsHold() of restrictions.ts, on prepared numbers, checks in the same order. */
function holds(r: FastRestrictions, at: LocalInstant, energyMwh: number, durationMs: number, f: Figures, unknown: UnknownQuantities): boolean {
  if (r.window === WINDOW_INSIDE) {
    if (at.msOfDay < r.windowStart || at.msOfDay >= r.windowEnd) return false;
  } else if (r.window === WINDOW_WRAPS && at.msOfDay < r.windowStart && at.msOfDay >= r.windowEnd) return false;
  if (at.day < r.startDay || at.day >= r.endDay || (r.dayMask & at.weekdayBit) === 0) return false;
  if (energyMwh < r.minMwh || energyMwh >= r.maxMwh) return false;
  if (durationMs < r.minDurationMs || durationMs >= r.maxDurationMs) return false;
  if (r.power) {
    if (f.powerKw === null) {
      unknown.power = true;
      return false;
    }
    if (!fractionInRange(f.powerN, f.powerD, r.minPower, r.maxPower)) return false;
  }
  if (r.current) {
    if (f.currentA === null) {
      unknown.current = true;
      return false;
    }
    if (!fractionInRange(f.currentN, f.currentD, r.minCurrent, r.maxCurrent)) return false;
  }
  return true;
}

/** The first candidate whose restrictions hold (element-selection.ts). */
function pick(list: readonly Candidate[], at: LocalInstant, energyMwh: number, durationMs: number, f: Figures, unknown: UnknownQuantities): FastComponent | null {
  for (const c of list) {
    if (c.restrictions === null || holds(c.restrictions, at, energyMwh, durationMs, f, unknown)) return c.component;
  }
  return null;
}

export function addToLedger(run: Run, c: FastComponent, quantity: number): void {
  const i = run.ledger.indexOf(c);
  if (i < 0) {
    run.ledger.push(c);
    run.quantities.push(quantity);
  } else run.quantities[i] += quantity;
}

function charge(run: Run, period: PeriodBreakdown, dimension: UsageDimension, quantity: number, c: FastComponent | null): void {
  const unit = dimension === 'ENERGY' ? 'kWh' : 'h';
  if (c === null) {
    if (quantity > 0) period.unpriced.push({ dimension, quantity: shown(dimension, quantity), unit });
    return;
  }
  if (quantity <= 0) return;
  const g = run.groups[dimension];
  g.total += quantity;
  g.last = c;
  g.lastPeriod = period.index;
  addToLedger(run, c, quantity);
  period.charges.push({
    tariff_id: c.tariffId,
    element_index: c.elementIndex,
    component_index: c.componentIndex,
    dimension,
    quantity: shown(dimension, quantity),
    unit,
    unit_price: c.unitPrice,
    vat: c.vat,
  });
}

function activateFlat(run: Run, c: FastComponent | null, periodIndex: number): void {
  if (c === null || run.flats.includes(c)) return;
  addToLedger(run, c, 1);
  run.flats.push(c);
  run.flatFees.push({
    tariff_id: c.tariffId,
    element_index: c.elementIndex,
    component_index: c.componentIndex,
    period_index: periodIndex,
    category: c.category,
    vat: c.vat,
    cost: wire(costOf(c, 1), run.decimals),
  });
}

function track(run: Run, c: FastComponent | null): ComponentRef | null {
  if (c === null) return null;
  if (!run.inForce.includes(c)) run.inForce.push(c);
  return ref(c);
}

export function localInstant(clock: LocalClock | null, instant: number, out: LocalInstant): void {
  if (clock === null) return;
  const wall = instant + clock.offsetMs(instant);
  out.msOfDay = ((wall % DAY_MS) + DAY_MS) % DAY_MS;
  out.day = Math.floor(wall / DAY_MS);
  // Day 0 (1970-01-01) was a Thursday, ISO weekday 4.
  out.weekdayBit = 1 << ((((out.day % 7) + 10) % 7) + 1);
}

export interface Phases {
  readonly session: number | null;
  readonly reservation: number | null;
  readonly expired: boolean;
}

/** pricePeriod() of price.ts. */
export function pricePeriod(run: Run, p: FastPeriod, at: LocalInstant, energyBeforeMwh: number, phases: Phases): PeriodBreakdown {
  const t = p.tariff;
  const period: PeriodBreakdown = {
    index: p.index,
    start_date_time: p.startIso,
    end_date_time: p.endIso,
    phase: p.hasReservationPart ? (p.hasSessionPart ? 'MIXED' : 'RESERVATION') : 'SESSION',
    tariff_id: t.id,
    energy_before_kwh: mwhToKwh(energyBeforeMwh),
    power_kw: p.powerKw,
    current_a: p.currentA,
    in_force: {},
    charges: [],
    unpriced: [],
  };
  if (p.hasReservationPart) {
    const duration = p.startMs - (phases.reservation ?? p.startMs);
    const table = phases.expired ? t.reservationExpired : t.reservation;
    const flat = pick(table.FLAT, at, 0, duration, RESERVATION_FIGURES, run.unknown);
    const time = pick(table.TIME, at, 0, duration, RESERVATION_FIGURES, run.unknown);
    const flatRef = track(run, flat);
    period.in_force.RESERVATION_TIME = track(run, time);
    if (!p.hasSessionPart) period.in_force.FLAT = flatRef;
    activateFlat(run, flat, p.index);
    charge(run, period, 'RESERVATION_TIME', p.reservationMs, time);
  }
  if (p.hasSessionPart) {
    const duration = Math.max(0, p.startMs - (phases.session ?? p.startMs));
    const u = run.unknown;
    const flat = pick(t.session.FLAT, at, energyBeforeMwh, duration, p, u);
    const energy = pick(t.session.ENERGY, at, energyBeforeMwh, duration, p, u);
    const time = pick(t.session.TIME, at, energyBeforeMwh, duration, p, u);
    const parking = pick(t.session.PARKING_TIME, at, energyBeforeMwh, duration, p, u);
    period.in_force.FLAT = track(run, flat);
    period.in_force.ENERGY = track(run, energy);
    period.in_force.TIME = track(run, time);
    period.in_force.PARKING_TIME = track(run, parking);
    activateFlat(run, flat, p.index);
    charge(run, period, 'ENERGY', Math.max(0, p.energyMwh), energy);
    charge(run, period, 'TIME', p.chargingMs, time);
    charge(run, period, 'PARKING_TIME', p.parkingMs, parking);
  }
  return period;
}
