/**
 * referencePrice(): the cost of a session under its tariff(s), as OCPI 2.2.1 defines it.
 *
 * Each charging period is priced with the components in force at its start (the CPO cuts a
 * new period whenever that could change). Reservation time is priced only by reservation
 * elements and the charging session only by the others. step_size is applied once per session,
 * FLAT fees once per component, VAT per component, min/max price last.
 */
import { formatDateTime, parseDateTime, type Price } from '../model/primitives.js';
import { compileTariff, type CompiledComponent, type CompiledTariff } from './compiled-tariff.js';
import { QuantityLedger, applyPriceLimits, componentCost, type Money } from './cost-totals.js';
import { ZERO, msToHours, mwhToKwh, toWire } from './decimal.js';
import { selectForReservation, selectForSession } from './element-selection.js';
import { PricingInputError } from './errors.js';
import { LocalClock, isValidTimeZone } from './local-time.js';
import { normalizePeriods, parsePeriods, type NormalizedPeriod } from './period-input.js';
import type { ComponentInfo, ComponentRef, ExactPrice, FlatFee, PeriodBreakdown, PriceResult, PricingContext, StepRounding, UsageDimension } from './price-types.js';
import type { UnknownQuantities } from './restrictions.js';
import { billableTotal, stepRoundings, type StepExtra, type Usage } from './step-size.js';

/** A Tariff as received (validated on use) or as prepared once by compileTariff(). */
export type TariffLike = unknown;

const DEFAULT_MONEY_DECIMALS = 4;

export function parseInstant(value: string | Date, field: string): number {
  const ms = value instanceof Date ? value.getTime() : parseDateTime(value)?.getTime();
  if (ms === undefined || Number.isNaN(ms)) {
    throw new PricingInputError([{ field, message: 'must be an OCPI DateTime (UTC, e.g. 2024-01-31T13:00:00Z) or a Date' }]);
  }
  return ms;
}

export function compileAll(tariffs: TariffLike | readonly TariffLike[]): CompiledTariff[] {
  const list = Array.isArray(tariffs) ? tariffs.map((t) => compileTariff(t)) : [compileTariff(tariffs)];
  if (list.length === 0) throw new PricingInputError([{ field: 'tariffs', message: 'at least one tariff is needed' }]);
  const other = list.find((t) => t.currency !== list[0].currency);
  if (other) {
    throw new PricingInputError([{ field: 'tariffs', message: `mixes currencies ${list[0].currency} and ${other.currency}` }]);
  }
  return list;
}

function ref(c: CompiledComponent): ComponentRef {
  return { tariff_id: c.tariffId, element_index: c.elementIndex, component_index: c.componentIndex };
}

function wirePrice(m: Money, decimals: number): Required<Price> {
  return { excl_vat: toWire(m.excl, decimals), incl_vat: toWire(m.incl, decimals) };
}

function exactPrice(m: Money): ExactPrice {
  return { excl_vat: m.excl.toString(), incl_vat: m.incl.toString() };
}

/** Integer quantity to the unit shown and priced: kWh for ENERGY, hours for time. */
function shown(dimension: UsageDimension, quantity: number): number {
  return dimension === 'ENERGY' ? mwhToKwh(quantity) : msToHours(quantity);
}

interface PricingRun {
  readonly decimals: number;
  readonly inForce: Map<string, CompiledComponent>;
  readonly ledger: QuantityLedger;
  readonly usages: Usage[];
  readonly flats: Map<string, FlatFee>;
  readonly unknown: UnknownQuantities;
}

function charge(run: PricingRun, period: PeriodBreakdown, dimension: UsageDimension, quantity: number, c: CompiledComponent | null): void {
  const unit = dimension === 'ENERGY' ? 'kWh' : 'h';
  run.usages.push({ periodIndex: period.index, group: dimension, quantity, component: c });
  if (c === null) {
    if (quantity > 0) period.unpriced.push({ dimension, quantity: shown(dimension, quantity), unit });
    return;
  }
  if (quantity <= 0) return;
  run.ledger.add(c, quantity);
  // Fields spelled out: an object spread here costs more than pricing the period.
  period.charges.push({
    tariff_id: c.tariffId,
    element_index: c.elementIndex,
    component_index: c.componentIndex,
    dimension,
    quantity: shown(dimension, quantity),
    unit,
    unit_price: c.source.price,
    vat: c.source.vat ?? null,
  });
}

function track(run: PricingRun, ...components: (CompiledComponent | null)[]): void {
  for (const c of components) if (c) run.inForce.set(c.key, c);
}

function componentInfo(c: CompiledComponent): ComponentInfo {
  return {
    tariff_id: c.tariffId,
    element_index: c.elementIndex,
    component_index: c.componentIndex,
    type: c.type,
    price: c.source.price,
    vat: c.source.vat ?? null,
    step_size: c.stepSize,
    category: c.category,
  };
}

function activateFlat(run: PricingRun, c: CompiledComponent | null, periodIndex: number): void {
  // Each distinct FLAT component is billed once, when it first comes into force.
  if (c === null || run.flats.has(c.key)) return;
  run.ledger.add(c, 1);
  run.flats.set(c.key, {
    ...ref(c),
    period_index: periodIndex,
    category: c.category,
    vat: c.source.vat ?? null,
    cost: wirePrice(componentCost(c, 1), run.decimals),
  });
}

function pricePeriod(
  run: PricingRun,
  clock: LocalClock,
  p: NormalizedPeriod,
  energyBeforeMwh: number,
  phaseStarts: { session: number | null; reservation: number | null },
  expired: boolean,
): PeriodBreakdown {
  const period: PeriodBreakdown = {
    index: p.index,
    start_date_time: p.startIso,
    end_date_time: p.endIso,
    phase: p.hasReservationPart ? (p.hasSessionPart ? 'MIXED' : 'RESERVATION') : 'SESSION',
    tariff_id: p.tariff?.id ?? null,
    energy_before_kwh: mwhToKwh(energyBeforeMwh),
    power_kw: p.powerKw?.toNumber() ?? null,
    current_a: p.currentA?.toNumber() ?? null,
    in_force: {},
    charges: [],
    unpriced: [],
  };
  const local = clock.view(p.startMs);
  const t = p.tariff;
  if (p.hasReservationPart) {
    // Nothing flows during a reservation, and its duration counts from the reservation start.
    const state = { local, energyMwh: 0, durationMs: p.startMs - (phaseStarts.reservation ?? p.startMs), powerKw: ZERO, currentA: ZERO };
    const sel = t ? selectForReservation(t, state, expired, run.unknown) : { FLAT: null, TIME: null };
    track(run, sel.FLAT, sel.TIME);
    period.in_force.RESERVATION_TIME = sel.TIME && ref(sel.TIME);
    if (!p.hasSessionPart) period.in_force.FLAT = sel.FLAT && ref(sel.FLAT);
    activateFlat(run, sel.FLAT, p.index);
    charge(run, period, 'RESERVATION_TIME', p.reservationMs, sel.TIME);
  }
  if (p.hasSessionPart) {
    const durationMs = Math.max(0, p.startMs - (phaseStarts.session ?? p.startMs));
    const state = { local, energyMwh: energyBeforeMwh, durationMs, powerKw: p.powerKw, currentA: p.currentA };
    const sel = t ? selectForSession(t, state, run.unknown) : { FLAT: null, ENERGY: null, TIME: null, PARKING_TIME: null };
    track(run, sel.FLAT, sel.ENERGY, sel.TIME, sel.PARKING_TIME);
    period.in_force.FLAT = sel.FLAT && ref(sel.FLAT);
    period.in_force.ENERGY = sel.ENERGY && ref(sel.ENERGY);
    period.in_force.TIME = sel.TIME && ref(sel.TIME);
    period.in_force.PARKING_TIME = sel.PARKING_TIME && ref(sel.PARKING_TIME);
    activateFlat(run, sel.FLAT, p.index);
    // Feed-in is not priced by OCPI 2.2.1 tariffs: a negative period bills nothing.
    charge(run, period, 'ENERGY', Math.max(0, p.energyMwh), sel.ENERGY);
    charge(run, period, 'TIME', p.chargingMs, sel.TIME);
    charge(run, period, 'PARKING_TIME', p.parkingMs, sel.PARKING_TIME);
  }
  return period;
}

function sumBilled(usages: readonly Usage[], group: UsageDimension, extras: readonly StepExtra[]): number {
  let total = billableTotal(usages, group);
  for (const e of extras) if (e.group === group) total += e.extra;
  return total;
}

/**
 * Prices a session: the reference engine, decimal.js throughout, written to read like the
 * rules. `tariffs` is one tariff or several (a period's tariff_id chooses; a period without
 * one uses the first). Throws TariffValidationError for a bad tariff and PricingInputError for
 * bad periods or context, never returns a guessed price. The platform prices with the fast
 * engine (fast/fast-price.ts), which returns the same result; this one stays as its yardstick
 * and as its fallback for the rare input the fast path cannot price exactly.
 */
export function referencePrice(tariffs: TariffLike | readonly TariffLike[], chargingPeriods: readonly unknown[], context: PricingContext): PriceResult {
  const compiled = compileAll(tariffs);
  if (!context || typeof context.timeZone !== 'string' || !isValidTimeZone(context.timeZone)) {
    throw new PricingInputError([{ field: 'context.timeZone', message: 'must be an IANA time zone name such as Europe/Amsterdam' }]);
  }
  const decimals = context.moneyDecimals ?? DEFAULT_MONEY_DECIMALS;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 10) {
    throw new PricingInputError([{ field: 'context.moneyDecimals', message: 'must be a whole number from 0 to 10' }]);
  }
  const endMs = parseInstant(context.sessionEnd, 'context.sessionEnd');
  const endIso = formatDateTime(new Date(endMs));
  const warnings = compiled.flatMap((t) => t.warnings.map((w) => `tariff ${t.id}: ${w}`));
  const needs = {
    power: compiled.some((t) => t.thresholds.powerKw.length > 0),
    current: compiled.some((t) => t.thresholds.currentA.length > 0),
  };
  const periods = normalizePeriods(parsePeriods(chargingPeriods), compiled, { endMs, endIso }, needs, warnings);

  const firstSession = periods.find((p) => p.hasSessionPart);
  const firstReservation = periods.find((p) => p.hasReservationPart);
  const sessionStartMs = context.sessionStart != null ? parseInstant(context.sessionStart, 'context.sessionStart') : (firstSession?.startMs ?? null);
  const expired = context.reservationExpired ?? (firstReservation !== undefined && firstSession === undefined);
  const phaseStarts = { session: sessionStartMs, reservation: firstReservation?.startMs ?? null };

  const clock = new LocalClock(context.timeZone);
  const run: PricingRun = { decimals, inForce: new Map(), ledger: new QuantityLedger(), usages: [], flats: new Map(), unknown: { power: false, current: false } };
  const breakdown: PeriodBreakdown[] = [];
  let energyMwh = 0;
  for (const p of periods) {
    breakdown.push(pricePeriod(run, clock, p, energyMwh, phaseStarts, expired));
    energyMwh += p.energyMwh;
  }

  const extras = stepRoundings(run.usages);
  const stepRows: StepRounding[] = extras.map((e) => {
    if (e.extra > 0) run.ledger.add(e.component, e.extra);
    return {
      ...ref(e.component),
      group: e.group,
      rule: e.rule,
      step_size: e.component.stepSize,
      unit: e.group === 'ENERGY' ? 'kWh' : 'h',
      measured: shown(e.group, e.measured),
      billed: shown(e.group, e.billed),
      extra: shown(e.group, e.extra),
      period_index: e.periodIndex,
      cost: wirePrice(componentCost(e.component, e.extra), decimals),
    };
  });
  if (run.unknown.power) warnings.push('a power restriction could not be evaluated for some period (no power figure); that element was treated as not applying');
  if (run.unknown.current) warnings.push('a current restriction could not be evaluated for some period (no current figure); that element was treated as not applying');

  const cat = run.ledger.totals();
  const raw: Money = {
    excl: cat.fixed.excl.plus(cat.energy.excl).plus(cat.time.excl).plus(cat.parking.excl).plus(cat.reservation.excl),
    incl: cat.fixed.incl.plus(cat.energy.incl).plus(cat.time.incl).plus(cat.parking.incl).plus(cat.reservation.incl),
  };
  // min/max come from the tariff in force when the session (or its reservation) began.
  const limitTariff = periods.find((p) => p.tariff)?.tariff ?? compiled[0];
  const { total, limits } = applyPriceLimits(raw, limitTariff, decimals);

  const sum = (pick: (p: NormalizedPeriod) => number) => periods.reduce((acc, p) => acc + pick(p), 0);
  return {
    currency: compiled[0].currency,
    tariff_ids: [...new Set(periods.map((p) => p.tariff?.id).filter((id): id is string => !!id))],
    time_zone: context.timeZone,
    session_start: sessionStartMs === null ? null : formatDateTime(new Date(sessionStartMs)),
    session_end: endIso,
    total_cost: wirePrice(total, decimals),
    total_fixed_cost: wirePrice(cat.fixed, decimals),
    total_energy_cost: wirePrice(cat.energy, decimals),
    total_time_cost: wirePrice(cat.time, decimals),
    total_parking_cost: wirePrice(cat.parking, decimals),
    total_reservation_cost: wirePrice(cat.reservation, decimals),
    total_energy: mwhToKwh(energyMwh),
    total_time: msToHours(sum((p) => p.chargingMs + p.parkingMs)),
    total_parking_time: msToHours(sum((p) => p.parkingMs)),
    total_reservation_time: msToHours(sum((p) => p.reservationMs)),
    billed_energy: mwhToKwh(sumBilled(run.usages, 'ENERGY', extras)),
    billed_time: msToHours(sumBilled(run.usages, 'TIME', extras)),
    billed_parking_time: msToHours(sumBilled(run.usages, 'PARKING_TIME', extras)),
    billed_reservation_time: msToHours(sumBilled(run.usages, 'RESERVATION_TIME', extras)),
    exact: {
      total_cost: exactPrice(total),
      total_fixed_cost: exactPrice(cat.fixed),
      total_energy_cost: exactPrice(cat.energy),
      total_time_cost: exactPrice(cat.time),
      total_parking_cost: exactPrice(cat.parking),
      total_reservation_cost: exactPrice(cat.reservation),
    },
    periods: breakdown,
    components_used: [...run.inForce.values()]
      .sort(
        (a, b) =>
          compiled.findIndex((t) => t.id === a.tariffId) - compiled.findIndex((t) => t.id === b.tariffId) || a.elementIndex - b.elementIndex || a.componentIndex - b.componentIndex,
      )
      .map(componentInfo),
    flat_fees: [...run.flats.values()],
    step_rounding: stepRows,
    price_limits: limits,
    warnings,
  };
}
