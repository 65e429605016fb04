/**
 * Validation plus a one-off "compilation" of a Tariff into the shape the pricer needs:
 * decimals instead of JSON numbers, restrictions in milliseconds, and per dimension the
 * ordered list of elements that can supply it. Pricing a 300-period session then never
 * re-reads the raw JSON.
 */
import { TariffValidationError, zodIssues } from './errors.js';
import { Dec, MS_PER_HOUR, MWH_PER_KWH, ONE, dec } from './decimal.js';
import { type DayOfWeek, type PriceComponent, type ReservationRestrictionType, Tariff, type TariffDimensionType, type TariffRestrictions } from '../model/tariff.js';

export type CostCategory = 'fixed' | 'energy' | 'time' | 'parking' | 'reservation';

export interface CompiledComponent {
  /** Unique per tariff, element and component: a FLAT fee is billed once per key. */
  readonly key: string;
  readonly tariffId: string;
  readonly elementIndex: number;
  readonly componentIndex: number;
  readonly type: TariffDimensionType;
  readonly price: Dec;
  readonly vat: Dec | null;
  /** 1 + vat/100, or exactly 1 when no VAT applies. */
  readonly vatFactor: Dec;
  readonly stepSize: number;
  /** step_size in the integer unit quantities are kept in: mWh for ENERGY, ms for time. */
  readonly stepUnits: number;
  /** Integer quantity units per priced unit: mWh per kWh, ms per hour, 1 for FLAT. */
  readonly unitsPerPricedUnit: Dec;
  readonly category: CostCategory;
  readonly source: PriceComponent;
}

export interface CompiledRestrictions {
  readonly startTimeMs: number | null;
  readonly endTimeMs: number | null;
  readonly startDate: string | null;
  readonly endDate: string | null;
  /** ISO weekdays, 1 = Monday ... 7 = Sunday. */
  readonly days: ReadonlySet<number> | null;
  /** Energy bounds in mWh, the unit session energy is counted in. */
  readonly minMwh: number | null;
  readonly maxMwh: number | null;
  readonly minCurrent: Dec | null;
  readonly maxCurrent: Dec | null;
  readonly minPower: Dec | null;
  readonly maxPower: Dec | null;
  readonly minDurationMs: number | null;
  readonly maxDurationMs: number | null;
  readonly reservation: ReservationRestrictionType | null;
}

export interface CompiledElement {
  readonly index: number;
  readonly restrictions: CompiledRestrictions | null;
  readonly components: Readonly<Partial<Record<TariffDimensionType, CompiledComponent>>>;
}

export type ReservationDimension = 'FLAT' | 'TIME';

export interface ElementLookup {
  /** Charging-session phase: elements without a reservation restriction, in tariff order. */
  readonly session: Readonly<Record<TariffDimensionType, readonly CompiledElement[]>>;
  /** Reservation that led to a session (or was cancelled): RESERVATION elements only. */
  readonly reservation: Readonly<Record<ReservationDimension, readonly CompiledElement[]>>;
  /** Expired reservation: both kinds; for TIME the RESERVATION_EXPIRES ones come first. */
  readonly reservationExpired: Readonly<Record<ReservationDimension, readonly CompiledElement[]>>;
}

export interface RestrictionThresholds {
  /** Local wall-clock times (ms after midnight) at which some element switches. */
  readonly wallTimesMs: readonly number[];
  /** True when local midnight is a boundary (dates, weekdays, or a time window). */
  readonly calendar: boolean;
  readonly kwh: readonly Dec[];
  readonly durationMs: readonly number[];
  readonly powerKw: readonly Dec[];
  readonly currentA: readonly Dec[];
}

export interface CompiledTariff {
  readonly compiled: true;
  readonly tariff: Tariff;
  readonly id: string;
  readonly currency: string;
  readonly elements: readonly CompiledElement[];
  readonly lookup: ElementLookup;
  readonly thresholds: RestrictionThresholds;
  readonly minPrice: { readonly excl: Dec; readonly incl: Dec | null } | null;
  readonly maxPrice: { readonly excl: Dec; readonly incl: Dec | null } | null;
  /** The VAT factor when every component carries the same VAT, used to derive a missing incl_vat bound. */
  readonly uniformVatFactor: Dec | null;
  readonly warnings: readonly string[];
}

const DAY_NUMBER: Record<DayOfWeek, number> = {
  MONDAY: 1,
  TUESDAY: 2,
  WEDNESDAY: 3,
  THURSDAY: 4,
  FRIDAY: 5,
  SATURDAY: 6,
  SUNDAY: 7,
};

export const DAY_MS = 86_400_000;

/** Parses and checks a tariff; throws TariffValidationError naming every offending field. */
export function validateTariff(input: unknown): Tariff {
  const parsed = Tariff.safeParse(input);
  if (!parsed.success) throw new TariffValidationError(zodIssues(parsed.error));
  return parsed.data;
}

export function isCompiledTariff(value: unknown): value is CompiledTariff {
  return typeof value === 'object' && value !== null && (value as { compiled?: unknown }).compiled === true;
}

/** Validates (unless already compiled) and prepares a tariff for pricing. */
export function compileTariff(input: unknown): CompiledTariff {
  if (isCompiledTariff(input)) return input;
  const tariff = validateTariff(input);
  const warnings: string[] = [];
  const elements = tariff.elements.map((el, index) => compileElement(tariff.id, el.price_components, el.restrictions ?? null, index, warnings));
  return {
    compiled: true,
    tariff,
    id: tariff.id,
    currency: tariff.currency,
    elements,
    lookup: buildLookup(elements),
    thresholds: collectThresholds(elements),
    minPrice: tariff.min_price ? { excl: dec(tariff.min_price.excl_vat), incl: nullableDec(tariff.min_price.incl_vat) } : null,
    maxPrice: tariff.max_price ? { excl: dec(tariff.max_price.excl_vat), incl: nullableDec(tariff.max_price.incl_vat) } : null,
    uniformVatFactor: uniformVat(elements),
    warnings,
  };
}

function nullableDec(n: number | null | undefined): Dec | null {
  return n == null ? null : dec(n);
}

function timeToMs(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h * 60 + m) * 60_000;
}

function compileRestrictions(r: TariffRestrictions): CompiledRestrictions {
  const days = r.day_of_week && r.day_of_week.length > 0 ? new Set(r.day_of_week.map((d) => DAY_NUMBER[d])) : null;
  return {
    startTimeMs: r.start_time != null ? timeToMs(r.start_time) : null,
    // 00:00 as an end can only mean "until midnight": a window ending at the start of the day is empty.
    endTimeMs: r.end_time != null ? timeToMs(r.end_time) || DAY_MS : null,
    startDate: r.start_date ?? null,
    endDate: r.end_date ?? null,
    days,
    minMwh: r.min_kwh != null ? dec(r.min_kwh).times(MWH_PER_KWH).toNumber() : null,
    maxMwh: r.max_kwh != null ? dec(r.max_kwh).times(MWH_PER_KWH).toNumber() : null,
    minCurrent: nullableDec(r.min_current),
    maxCurrent: nullableDec(r.max_current),
    minPower: nullableDec(r.min_power),
    maxPower: nullableDec(r.max_power),
    minDurationMs: r.min_duration != null ? r.min_duration * 1000 : null,
    maxDurationMs: r.max_duration != null ? r.max_duration * 1000 : null,
    reservation: r.reservation ?? null,
  };
}

function isEmptyRestriction(r: CompiledRestrictions): boolean {
  return Object.values(r).every((v) => v === null);
}

function flatCategory(components: readonly PriceComponent[], reservation: boolean): CostCategory {
  if (reservation) return 'reservation';
  const others = components.filter((c) => c.type !== 'FLAT');
  // A FLAT next to nothing but a PARKING_TIME price is a parking fee (CDR total_parking_cost
  // "includes fixed parking components"); everywhere else it is a start/transaction fee.
  return others.length > 0 && others.every((c) => c.type === 'PARKING_TIME') ? 'parking' : 'fixed';
}

function compileElement(tariffId: string, pcs: readonly PriceComponent[], raw: TariffRestrictions | null, index: number, warnings: string[]): CompiledElement {
  const compiled = raw ? compileRestrictions(raw) : null;
  const restrictions = compiled && !isEmptyRestriction(compiled) ? compiled : null;
  const reservation = restrictions?.reservation != null;
  const components: Partial<Record<TariffDimensionType, CompiledComponent>> = {};
  pcs.forEach((pc, componentIndex) => {
    if (reservation && pc.type !== 'FLAT' && pc.type !== 'TIME') {
      // The spec allows only FLAT and TIME in reservation elements; such a component can never
      // be selected, so it is reported rather than refused (the rest of the tariff is usable).
      warnings.push(`elements[${index}].price_components[${componentIndex}]: ${pc.type} is ignored in a reservation element (only FLAT and TIME apply)`);
      return;
    }
    const vat = nullableDec(pc.vat);
    let category: CostCategory;
    if (pc.type === 'FLAT') category = flatCategory(pcs, reservation);
    else if (reservation) category = 'reservation';
    else category = pc.type === 'ENERGY' ? 'energy' : pc.type === 'TIME' ? 'time' : 'parking';
    components[pc.type] = {
      key: `${tariffId}#${index}.${componentIndex}`,
      tariffId,
      elementIndex: index,
      componentIndex,
      type: pc.type,
      price: dec(pc.price),
      vat,
      vatFactor: vat ? ONE.plus(vat.div(100)) : ONE,
      stepSize: pc.step_size,
      stepUnits: pc.type === 'FLAT' ? 0 : pc.step_size * 1000,
      unitsPerPricedUnit: dec(pc.type === 'ENERGY' ? MWH_PER_KWH : pc.type === 'FLAT' ? 1 : MS_PER_HOUR),
      category,
      source: pc,
    };
  });
  return { index, restrictions, components };
}

function buildLookup(elements: readonly CompiledElement[]): ElementLookup {
  const having = (dim: TariffDimensionType, pred: (e: CompiledElement) => boolean) => elements.filter((e) => e.components[dim] !== undefined && pred(e));
  const kind = (e: CompiledElement) => e.restrictions?.reservation ?? null;
  const session = {
    ENERGY: having('ENERGY', (e) => kind(e) === null),
    FLAT: having('FLAT', (e) => kind(e) === null),
    TIME: having('TIME', (e) => kind(e) === null),
    PARKING_TIME: having('PARKING_TIME', (e) => kind(e) === null),
  };
  const reservation = {
    FLAT: having('FLAT', (e) => kind(e) === 'RESERVATION'),
    TIME: having('TIME', (e) => kind(e) === 'RESERVATION'),
  };
  const reservationExpired = {
    FLAT: having('FLAT', (e) => kind(e) !== null),
    // The spec gives RESERVATION_EXPIRES precedence for the time of an expired reservation,
    // whatever the element order; FLAT keeps plain first-match order.
    TIME: [...having('TIME', (e) => kind(e) === 'RESERVATION_EXPIRES'), ...having('TIME', (e) => kind(e) === 'RESERVATION')],
  };
  return { session, reservation, reservationExpired };
}

function uniqueSorted<T>(values: T[], compare: (a: T, b: T) => number, same: (a: T, b: T) => boolean): T[] {
  const sorted = [...values].sort(compare);
  return sorted.filter((v, i) => i === 0 || !same(v, sorted[i - 1]));
}

function collectThresholds(elements: readonly CompiledElement[]): RestrictionThresholds {
  const wall: number[] = [];
  const kwh: Dec[] = [];
  const duration: number[] = [];
  const power: Dec[] = [];
  const current: Dec[] = [];
  let calendar = false;
  for (const { restrictions: r } of elements) {
    if (!r) continue;
    if (r.startTimeMs !== null) wall.push(r.startTimeMs);
    if (r.endTimeMs !== null) wall.push(r.endTimeMs % DAY_MS);
    // A window with one bound open starts or ends at local midnight, so midnight switches it too;
    // so do dates and weekdays.
    if (r.startTimeMs !== null || r.endTimeMs !== null || r.startDate !== null || r.endDate !== null || r.days !== null) calendar = true;
    for (const v of [r.minMwh, r.maxMwh]) if (v !== null) kwh.push(dec(v).div(MWH_PER_KWH));
    for (const v of [r.minPower, r.maxPower]) if (v) power.push(v);
    for (const v of [r.minCurrent, r.maxCurrent]) if (v) current.push(v);
    for (const v of [r.minDurationMs, r.maxDurationMs]) if (v !== null) duration.push(v);
  }
  if (calendar) wall.push(0);
  const decCmp = (a: Dec, b: Dec) => a.comparedTo(b);
  const decEq = (a: Dec, b: Dec) => a.eq(b);
  const numCmp = (a: number, b: number) => a - b;
  const numEq = (a: number, b: number) => a === b;
  return {
    wallTimesMs: uniqueSorted(wall, numCmp, numEq),
    calendar,
    kwh: uniqueSorted(kwh, decCmp, decEq),
    durationMs: uniqueSorted(duration, numCmp, numEq),
    powerKw: uniqueSorted(power, decCmp, decEq),
    currentA: uniqueSorted(current, decCmp, decEq),
  };
}

function uniformVat(elements: readonly CompiledElement[]): Dec | null {
  let factor: Dec | null = null;
  for (const el of elements) {
    for (const c of Object.values(el.components)) {
      if (!c) continue;
      if (factor === null) factor = c.vatFactor;
      else if (!factor.eq(c.vatFactor)) return null;
    }
  }
  return factor;
}
