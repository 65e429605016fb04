/**
 * The fast pricer: the same PriceResult as the reference engine (../price.ts), field for
 * field and digit for digit, an order of magnitude faster. Quantities stay integers (mWh, ms)
 * throughout, each DateTime is parsed once, restrictions are prepared once per tariff
 * (fast-tariff.ts), power and current are exact fractions, no zod runs on data built here, and
 * money is computed once per component at the end with exact decimals (money.ts).
 *
 * What it cannot do exactly (input the reference refuses, a bound with more than 9 decimals,
 * quantities beyond 2^53, tariffs sharing an id, dates outside the years 1000-9999) it hands
 * to the reference engine, so a result never differs; fastEngineStats() counts how often.
 */
import { formatDateTime, parseDateTime } from '../../model/primitives.js';
import type { CompiledTariff } from '../compiled-tariff.js';
import { ceilToStep, msToHours, mwhToKwh } from '../decimal.js';
import { LocalClock, isValidTimeZone } from '../local-time.js';
import { compileAll, referencePrice, type TariffLike } from '../price.js';
import type { ComponentInfo, PeriodBreakdown, PriceResult, PricingContext, StepRounding, UsageDimension } from '../price-types.js';
import { STEP_RULES } from '../step-size.js';
import type { FastComponent } from './fast-tariff.js';
import { applyLimits, categoryTotals, costOf, exactText, sessionTotal, wire } from './money.js';
import { type GroupTally, type LocalInstant, type Phases, type Run, addToLedger, localInstant, pricePeriod, shown } from './period-pricing.js';
import { canonicalInstant, inFastRange } from './date-time.js';
import { readPeriods } from './period-reader.js';
import { tariffSet } from './tariff-set.js';

const DEFAULT_MONEY_DECIMALS = 4;

/** How often the fast path priced a session and how often (and why) it handed one to the reference. */
export interface FastEngineStats {
  fast: number;
  reference: number;
  reasons: Record<string, number>;
}

const stats: FastEngineStats = { fast: 0, reference: 0, reasons: {} };

export function fastEngineStats(): FastEngineStats {
  return { fast: stats.fast, reference: stats.reference, reasons: { ...stats.reasons } };
}

export function resetFastEngineStats(): void {
  stats.fast = 0;
  stats.reference = 0;
  stats.reasons = {};
}

const clocks = new Map<string, LocalClock>();

/** A LocalClock per zone: it holds nothing but the zone and its shared offset cache. */
function clockOf(timeZone: string): LocalClock {
  let clock = clocks.get(timeZone);
  if (!clock) {
    clock = new LocalClock(timeZone);
    // Zone names are validated, so there are few; the cap only guards against a flood of them.
    if (clocks.size > 1000) clocks.clear();
    clocks.set(timeZone, clock);
  }
  return clock;
}

/** parseInstant() of price.ts without the throw: NaN for what it refuses. */
function instantMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value !== 'string') return Number.NaN;
  const ms = canonicalInstant(value);
  return Number.isNaN(ms) ? (parseDateTime(value)?.getTime() ?? Number.NaN) : ms;
}

/** formatDateTime() of an instant, reusing a text that is already its normal form. */
function isoOf(ms: number, text: unknown): string {
  return typeof text === 'string' && canonicalInstant(text) === ms ? text : formatDateTime(new Date(ms));
}

interface StepExtra {
  readonly group: UsageDimension;
  readonly rule: string;
  readonly component: FastComponent;
  readonly periodIndex: number;
  readonly measured: number;
  readonly billed: number;
  readonly extra: number;
}

/** stepRoundings() of step-size.ts on the tallies. */
function stepExtras(groups: Run['groups']): StepExtra[] {
  const out: StepExtra[] = [];
  const round = (group: UsageDimension, rule: string) => {
    const g = groups[group];
    if (g.last === null) return;
    const billed = ceilToStep(g.total, g.last.stepUnits);
    out.push({ group, rule, component: g.last, periodIndex: g.lastPeriod, measured: g.total, billed, extra: billed - g.total });
  };
  round('ENERGY', STEP_RULES.energy);
  if (groups.PARKING_TIME.total > 0) round('PARKING_TIME', STEP_RULES.parking);
  else round('TIME', STEP_RULES.time);
  round('RESERVATION_TIME', STEP_RULES.reservation);
  return out;
}

function componentInfo(c: FastComponent): ComponentInfo {
  return {
    tariff_id: c.tariffId,
    element_index: c.elementIndex,
    component_index: c.componentIndex,
    type: c.compiled.type,
    price: c.unitPrice,
    vat: c.vat,
    step_size: c.compiled.stepSize,
    category: c.category,
  };
}

const emptyTally = (): GroupTally => ({ total: 0, last: null, lastPeriod: 0 });

type Attempt = PriceResult | string;

/** The fast path; a string names why the input goes to the reference engine instead. */
function attempt(compiled: readonly CompiledTariff[], chargingPeriods: unknown, context: PricingContext): Attempt {
  if (!context || typeof context.timeZone !== 'string' || !isValidTimeZone(context.timeZone)) return 'context';
  const decimals = context.moneyDecimals ?? DEFAULT_MONEY_DECIMALS;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 10) return 'context';
  const endMs = instantMs(context.sessionEnd);
  if (!inFastRange(endMs)) return 'context';
  const endIso = isoOf(endMs, context.sessionEnd);
  const set = tariffSet(compiled);
  if (set.unusable !== null) return set.unusable;
  const { needsPower, needsCurrent, byId } = set;
  const read = readPeriods(chargingPeriods, { endMs, endIso, needsPower, needsCurrent, first: set.tariffs[0], byId });
  if (read === null) return 'periods';
  const periods = read.periods;
  const warnings = set.warnings.length === 0 ? read.warnings : [...set.warnings, ...read.warnings];

  const firstSession = periods.find((p) => p.hasSessionPart);
  const firstReservation = periods.find((p) => p.hasReservationPart);
  let sessionStartMs: number | null = firstSession?.startMs ?? null;
  let sessionStartIso = firstSession?.startIso ?? null;
  if (context.sessionStart != null) {
    sessionStartMs = instantMs(context.sessionStart);
    if (!inFastRange(sessionStartMs)) return 'context';
    sessionStartIso = isoOf(sessionStartMs, context.sessionStart);
  }
  const phases: Phases = {
    session: sessionStartMs,
    reservation: firstReservation?.startMs ?? null,
    expired: context.reservationExpired ?? (firstReservation !== undefined && firstSession === undefined),
  };

  const clock = set.readsClock ? clockOf(context.timeZone) : null;
  const run: Run = {
    decimals,
    inForce: [],
    ledger: [],
    quantities: [],
    flats: [],
    flatFees: [],
    unknown: { power: false, current: false },
    groups: { ENERGY: emptyTally(), TIME: emptyTally(), PARKING_TIME: emptyTally(), RESERVATION_TIME: emptyTally() },
  };
  // Without a clock-reading element these stay as they are and every clock check passes.
  const at: LocalInstant = { msOfDay: 0, day: 0, weekdayBit: 0b1111_1110 };
  const breakdown: PeriodBreakdown[] = new Array(periods.length);
  let energyMwh = 0;
  let timeMs = 0;
  let parkingMs = 0;
  let reservationMs = 0;
  for (let i = 0; i < periods.length; i++) {
    const p = periods[i];
    localInstant(clock, p.startMs, at);
    breakdown[i] = pricePeriod(run, p, at, energyMwh, phases);
    energyMwh += p.energyMwh;
    timeMs += p.chargingMs + p.parkingMs;
    parkingMs += p.parkingMs;
    reservationMs += p.reservationMs;
  }

  const extras = stepExtras(run.groups);
  const stepRows: StepRounding[] = [];
  for (const e of extras) {
    if (!Number.isSafeInteger(e.extra)) return 'quantity';
    if (e.extra > 0) addToLedger(run, e.component, e.extra);
    stepRows.push({
      tariff_id: e.component.tariffId,
      element_index: e.component.elementIndex,
      component_index: e.component.componentIndex,
      group: e.group,
      rule: e.rule,
      step_size: e.component.compiled.stepSize,
      unit: e.group === 'ENERGY' ? 'kWh' : 'h',
      measured: shown(e.group, e.measured),
      billed: shown(e.group, e.billed),
      extra: shown(e.group, e.extra),
      period_index: e.periodIndex,
      cost: wire(costOf(e.component, e.extra), decimals),
    });
  }
  if (run.unknown.power) warnings.push('a power restriction could not be evaluated for some period (no power figure); that element was treated as not applying');
  if (run.unknown.current) warnings.push('a current restriction could not be evaluated for some period (no current figure); that element was treated as not applying');

  const cat = categoryTotals(run.ledger, run.quantities);
  if (cat === null) return 'quantity';
  const { total, limits } = applyLimits(sessionTotal(cat), periods[0].tariff, decimals);
  const billed = (group: UsageDimension) => {
    let sum = run.groups[group].total;
    for (const e of extras) if (e.group === group) sum += e.extra;
    return sum;
  };
  const tariffIds = new Set<string>();
  for (const p of periods) if (p.tariff.id) tariffIds.add(p.tariff.id);
  return {
    currency: compiled[0].currency,
    tariff_ids: [...tariffIds],
    time_zone: context.timeZone,
    session_start: sessionStartIso,
    session_end: endIso,
    total_cost: wire(total, decimals),
    total_fixed_cost: wire(cat.fixed, decimals),
    total_energy_cost: wire(cat.energy, decimals),
    total_time_cost: wire(cat.time, decimals),
    total_parking_cost: wire(cat.parking, decimals),
    total_reservation_cost: wire(cat.reservation, decimals),
    total_energy: mwhToKwh(energyMwh),
    total_time: msToHours(timeMs),
    total_parking_time: msToHours(parkingMs),
    total_reservation_time: msToHours(reservationMs),
    billed_energy: mwhToKwh(billed('ENERGY')),
    billed_time: msToHours(billed('TIME')),
    billed_parking_time: msToHours(billed('PARKING_TIME')),
    billed_reservation_time: msToHours(billed('RESERVATION_TIME')),
    exact: {
      total_cost: exactText(total),
      total_fixed_cost: exactText(cat.fixed),
      total_energy_cost: exactText(cat.energy),
      total_time_cost: exactText(cat.time),
      total_parking_cost: exactText(cat.parking),
      total_reservation_cost: exactText(cat.reservation),
    },
    periods: breakdown,
    components_used: run.inForce.sort(set.componentOrder).map(componentInfo),
    flat_fees: run.flatFees,
    step_rounding: stepRows,
    price_limits: limits,
    warnings,
  };
}

/**
 * Prices a session exactly as referencePrice() does (same result, same errors), on the fast
 * path whenever it can. The tariffs are validated and compiled first, as by the reference.
 */
export function fastPrice(tariffs: TariffLike | readonly TariffLike[], chargingPeriods: readonly unknown[], context: PricingContext): PriceResult {
  const compiled = compileAll(tariffs);
  const result = attempt(compiled, chargingPeriods, context);
  if (typeof result !== 'string') {
    stats.fast++;
    return result;
  }
  stats.reference++;
  stats.reasons[result] = (stats.reasons[result] ?? 0) + 1;
  return referencePrice(compiled, chargingPeriods, context);
}

/**
 * The fast path alone: the result, or null where fastPrice() would hand the input to the
 * reference engine. For the equality tests and the benchmark, which must see the fast path work.
 */
export function fastPathPrice(tariffs: TariffLike | readonly TariffLike[], chargingPeriods: readonly unknown[], context: PricingContext): PriceResult | null {
  const result = attempt(compileAll(tariffs), chargingPeriods, context);
  return typeof result === 'string' ? null : result;
}
