/**
 * A CompiledTariff prepared once more for the fast pricer: restrictions as plain numbers (local
 * time windows in ms, dates as day numbers, weekdays as a bit mask, power and current bounds as
 * exact fractions), prices and VAT factors as exact decimals, and per dimension the same ordered
 * candidate lists as the reference's lookup. Kept in a WeakMap keyed by the CompiledTariff, so
 * a tariff compiled once is prepared once.
 */
import { DAY_MS, type CompiledComponent, type CompiledElement, type CompiledRestrictions, type CompiledTariff, type CostCategory } from '../compiled-tariff.js';
import type { Dec } from '../decimal.js';
import { type Exact, EXACT_ONE, div, exactFromString, mul } from './exact-decimal.js';
import type { Fraction } from './fractions.js';

export interface FastComponent {
  readonly compiled: CompiledComponent;
  readonly tariffId: string;
  readonly elementIndex: number;
  readonly componentIndex: number;
  readonly category: CostCategory;
  readonly stepUnits: number;
  readonly unitPrice: number;
  readonly vat: number | null;
  readonly price: Exact;
  readonly vatFactor: Exact;
  /** Quantity units per priced unit: mWh per kWh, ms per hour, 1 for FLAT. */
  readonly units: Exact;
  /** The cost of one unit (a FLAT fee), computed as money.ts's costOf() does. */
  readonly unitCost: { readonly excl: Exact; readonly incl: Exact };
}

export const WINDOW_NONE = 0;
export const WINDOW_INSIDE = 1;
export const WINDOW_WRAPS = 2;

export interface FastRestrictions {
  readonly window: number;
  readonly windowStart: number;
  readonly windowEnd: number;
  /** Local epoch day numbers; -Infinity / Infinity when unbounded. */
  readonly startDay: number;
  readonly endDay: number;
  /** Bit (1 << ISO weekday) set for every allowed day. */
  readonly dayMask: number;
  readonly minMwh: number;
  readonly maxMwh: number;
  readonly minDurationMs: number;
  readonly maxDurationMs: number;
  readonly power: boolean;
  readonly minPower: Fraction | null;
  readonly maxPower: Fraction | null;
  readonly current: boolean;
  readonly minCurrent: Fraction | null;
  readonly maxCurrent: Fraction | null;
}

export interface Candidate {
  readonly restrictions: FastRestrictions | null;
  readonly component: FastComponent;
}

export interface FastTariff {
  readonly compiled: CompiledTariff;
  readonly id: string;
  /** False when a bound cannot be compared exactly in integers: such a tariff is priced by the reference. */
  readonly usable: boolean;
  /** Some element reads the local clock (time window, date or weekday). */
  readonly readsClock: boolean;
  readonly session: {
    readonly FLAT: readonly Candidate[];
    readonly ENERGY: readonly Candidate[];
    readonly TIME: readonly Candidate[];
    readonly PARKING_TIME: readonly Candidate[];
  };
  readonly reservation: { readonly FLAT: readonly Candidate[]; readonly TIME: readonly Candidate[] };
  readonly reservationExpired: { readonly FLAT: readonly Candidate[]; readonly TIME: readonly Candidate[] };
  readonly minPrice: { readonly excl: Exact; readonly incl: Exact | null } | null;
  readonly maxPrice: { readonly excl: Exact; readonly incl: Exact | null } | null;
  readonly uniformVatFactor: Exact | null;
}

const ALL_DAYS = 0b1111_1110;
const MS_PER_HOUR_EXACT: Exact = { c: 36n, e: 5 };
const MWH_PER_KWH_EXACT: Exact = { c: 1n, e: 6 };
const MAX_BOUND_DECIMALS = 9;
const MAX_BOUND_SCALED = 2 ** 50;

/** A Dec's toString() shows every digit it holds, so this is its exact value. */
function exactOf(d: Dec): Exact {
  return exactFromString(d.toString());
}

function dayNumber(isoDate: string): number {
  return Date.UTC(Number(isoDate.slice(0, 4)), Number(isoDate.slice(5, 7)) - 1, Number(isoDate.slice(8, 10))) / DAY_MS;
}

class NotExact extends Error {}

/** A power/current bound as n / 10^k; bounds with more than 9 decimals are left to the reference engine. */
function fractionOf(d: Dec | null): Fraction | null {
  if (d === null) return null;
  const { c, e } = exactOf(d);
  if (e < -MAX_BOUND_DECIMALS) throw new NotExact();
  const n = Number(e >= 0 ? c * 10n ** BigInt(e) : c);
  if (!(Math.abs(n) < MAX_BOUND_SCALED)) throw new NotExact();
  return { n, d: e >= 0 ? 1 : 10 ** -e };
}

function prepareRestrictions(r: CompiledRestrictions): FastRestrictions {
  let window = WINDOW_NONE;
  const start = r.startTimeMs ?? 0;
  const end = r.endTimeMs ?? DAY_MS;
  // The same reading as timeWindowHolds: no bound or equal bounds is the whole day.
  if ((r.startTimeMs !== null || r.endTimeMs !== null) && start !== end) window = start < end ? WINDOW_INSIDE : WINDOW_WRAPS;
  let dayMask = ALL_DAYS;
  if (r.days !== null) {
    dayMask = 0;
    for (const d of r.days) dayMask |= 1 << d;
  }
  return {
    window,
    windowStart: start,
    windowEnd: end,
    startDay: r.startDate !== null ? dayNumber(r.startDate) : -Infinity,
    endDay: r.endDate !== null ? dayNumber(r.endDate) : Infinity,
    dayMask,
    minMwh: r.minMwh ?? -Infinity,
    maxMwh: r.maxMwh ?? Infinity,
    minDurationMs: r.minDurationMs ?? -Infinity,
    maxDurationMs: r.maxDurationMs ?? Infinity,
    power: r.minPower !== null || r.maxPower !== null,
    minPower: fractionOf(r.minPower),
    maxPower: fractionOf(r.maxPower),
    current: r.minCurrent !== null || r.maxCurrent !== null,
    minCurrent: fractionOf(r.minCurrent),
    maxCurrent: fractionOf(r.maxCurrent),
  };
}

function prepareComponent(c: CompiledComponent): FastComponent {
  const price = exactOf(c.price);
  const vatFactor = exactOf(c.vatFactor);
  const units = c.type === 'ENERGY' ? MWH_PER_KWH_EXACT : c.type === 'FLAT' ? EXACT_ONE : MS_PER_HOUR_EXACT;
  const unitExcl = div(mul(EXACT_ONE, price), units);
  return {
    compiled: c,
    tariffId: c.tariffId,
    elementIndex: c.elementIndex,
    componentIndex: c.componentIndex,
    category: c.category,
    stepUnits: c.stepUnits,
    unitPrice: c.source.price,
    vat: c.source.vat ?? null,
    price,
    vatFactor,
    units,
    unitCost: { excl: unitExcl, incl: mul(unitExcl, vatFactor) },
  };
}

function bound(b: CompiledTariff['minPrice']): FastTariff['minPrice'] {
  return b === null ? null : { excl: exactOf(b.excl), incl: b.incl === null ? null : exactOf(b.incl) };
}

function readsClock(r: CompiledRestrictions | null): boolean {
  return r !== null && (r.startTimeMs !== null || r.endTimeMs !== null || r.startDate !== null || r.endDate !== null || r.days !== null);
}

function prepare(t: CompiledTariff): FastTariff {
  const restrictions = new Map<CompiledElement, FastRestrictions | null>();
  const components = new Map<CompiledComponent, FastComponent>();
  let usable = true;
  for (const el of t.elements) {
    let r: FastRestrictions | null = null;
    if (el.restrictions !== null) {
      try {
        r = prepareRestrictions(el.restrictions);
      } catch (e) {
        if (!(e instanceof NotExact)) throw e;
        usable = false;
      }
    }
    restrictions.set(el, r);
    for (const c of Object.values(el.components)) if (c) components.set(c, prepareComponent(c));
  }
  const list = (elements: readonly CompiledElement[], dim: 'FLAT' | 'ENERGY' | 'TIME' | 'PARKING_TIME'): Candidate[] =>
    elements.map((el) => {
      const c = el.components[dim];
      const fc = c && components.get(c);
      if (!fc) throw new Error('a lookup element lacks the component it was listed for');
      return { restrictions: restrictions.get(el) ?? null, component: fc };
    });
  return {
    compiled: t,
    id: t.id,
    usable,
    readsClock: t.elements.some((el) => readsClock(el.restrictions)),
    session: {
      FLAT: list(t.lookup.session.FLAT, 'FLAT'),
      ENERGY: list(t.lookup.session.ENERGY, 'ENERGY'),
      TIME: list(t.lookup.session.TIME, 'TIME'),
      PARKING_TIME: list(t.lookup.session.PARKING_TIME, 'PARKING_TIME'),
    },
    reservation: { FLAT: list(t.lookup.reservation.FLAT, 'FLAT'), TIME: list(t.lookup.reservation.TIME, 'TIME') },
    reservationExpired: { FLAT: list(t.lookup.reservationExpired.FLAT, 'FLAT'), TIME: list(t.lookup.reservationExpired.TIME, 'TIME') },
    minPrice: bound(t.minPrice),
    maxPrice: bound(t.maxPrice),
    uniformVatFactor: t.uniformVatFactor ? exactOf(t.uniformVatFactor) : null,
  };
}

const prepared = new WeakMap<CompiledTariff, FastTariff>();

export function fastTariffOf(t: CompiledTariff): FastTariff {
  let f = prepared.get(t);
  if (!f) {
    f = prepare(t);
    prepared.set(t, f);
  }
  return f;
}
