/**
 * fast-check generators for the engine-equality tests: valid tariffs using every dimension,
 * restriction kind, VAT form and price bound, and sessions of hand-cut charging periods with
 * every CDR dimension, around DST nights and midnight, in several time zones. Values are chosen
 * to hit the fast engine's edges: whole and odd milliseconds, kWh with many decimals, decimal
 * power and current figures, prices that are long decimals, empty and zero-length periods.
 */
import fc from 'fast-check';
import type { CdrDimensionType, ChargingPeriodInput } from '../../src/model/cdr.js';
import type { TariffInput } from '../../src/model/tariff.js';
import type { PricingContext } from '../../src/tariffs/index.js';

type Dim = 'ENERGY' | 'FLAT' | 'TIME' | 'PARKING_TIME';
const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;

/** A decimal with up to `decimals` places between 0 and max. */
const decimal = (max: number, decimals: number) =>
  fc.tuple(fc.integer({ min: 0, max: max * 10 ** decimals }), fc.integer({ min: 0, max: decimals })).map(([n, k]) => Math.round(n / 10 ** (decimals - k)) / 10 ** k);

/** Round figures that bounds and measurements share, so a measurement often sits exactly on a bound. */
const LANDMARKS = [0, 1, 2.5, 5, 7.4, 10, 11, 16, 20, 22, 32, 50];
const landmark = fc.constantFrom(...LANDMARKS);
const orLandmark = (a: fc.Arbitrary<number>) => fc.oneof(a, landmark);

const arbPrice = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 900 }).map((c) => c / 100) },
  { weight: 2, arbitrary: decimal(5, 5) },
  // Long and odd decimal forms: float noise, exponent notation, many digits.
  { weight: 1, arbitrary: fc.constantFrom(0.1 + 0.2, 1e-7, 1 / 3, 123456.789, 2.5e-5, 99999.99) },
);
const arbVat = fc.constantFrom(undefined, null, 0, 0.5, 5.5, 7.7, 19, 20, 21, 100);
const arbStep = (type: Dim) => (type === 'FLAT' ? fc.constantFrom(0, 1) : fc.constantFrom(1, 1, 15, 60, 100, 300, 900, 1000, 3600, 5000));

const arbComponent = fc
  .constantFrom<Dim>('ENERGY', 'FLAT', 'TIME', 'PARKING_TIME')
  .chain((type) => fc.record({ type: fc.constant(type), price: arbPrice, vat: arbVat, step_size: arbStep(type) }))
  .map((c) => (c.vat === undefined ? { type: c.type, price: c.price, step_size: c.step_size } : c));

const arbHhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.oneof(fc.constantFrom(0, 30), fc.integer({ min: 0, max: 59 })))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);

/** Dates around the 2024 DST changes (EU and US) and a year end. */
const DATES = [
  '2023-12-31',
  '2024-01-01',
  '2024-03-09',
  '2024-03-10',
  '2024-03-30',
  '2024-03-31',
  '2024-04-01',
  '2024-06-15',
  '2024-10-26',
  '2024-10-27',
  '2024-10-28',
  '2024-11-03',
  '2025-01-01',
];

/** min < max (either may be left out). */
function arbRange(values: fc.Arbitrary<number>) {
  return fc
    .tuple(values, values, fc.constantFrom('min', 'max', 'both'))
    .filter(([a, b]) => a !== b)
    .map(([a, b, which]) => {
      const [min, max] = a < b ? [a, b] : [b, a];
      return { min: which === 'max' ? undefined : min, max: which === 'min' ? undefined : max };
    });
}

/** `a` or undefined; undefined `absentWeight` times as often. */
const optional = <T>(a: fc.Arbitrary<T>, absentWeight = 1) => fc.oneof({ weight: absentWeight, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: a });

const arbRestrictions = fc
  .record({
    start_time: optional(arbHhmm, 3),
    end_time: optional(fc.oneof(arbHhmm, fc.constant('00:00')), 3),
    dates: optional(fc.uniqueArray(fc.constantFrom(...DATES), { minLength: 1, maxLength: 2 }), 5),
    day_of_week: optional(fc.subarray([...DAYS], { minLength: 1 }), 4),
    kwh: optional(arbRange(fc.oneof(decimal(80, 3), decimal(5, 7), landmark)), 4),
    power: optional(arbRange(fc.oneof(decimal(350, 2), decimal(50, 6), landmark)), 4),
    current: optional(arbRange(orLandmark(decimal(500, 2))), 4),
    duration: optional(arbRange(fc.oneof(fc.integer({ min: 0, max: 6 * 3600 }), fc.constantFrom(0, 900, 1800, 3600, 7200))), 4),
    reservation: optional(fc.constantFrom('RESERVATION' as const, 'RESERVATION_EXPIRES' as const), 3),
  })
  .map((r) => {
    const dates = r.dates ? [...r.dates].sort() : [];
    const [start_date, end_date] = dates.length === 2 ? dates : [dates[0], undefined];
    const out: Record<string, unknown> = {
      start_time: r.start_time,
      end_time: r.end_time,
      start_date,
      end_date,
      day_of_week: r.day_of_week,
      min_kwh: r.kwh?.min,
      max_kwh: r.kwh?.max,
      min_power: r.power?.min,
      max_power: r.power?.max,
      min_current: r.current?.min,
      max_current: r.current?.max,
      min_duration: r.duration?.min,
      max_duration: r.duration?.max,
      reservation: r.reservation,
    };
    return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
  });

const arbBound = fc.record({ excl: fc.integer({ min: 0, max: 5000 }), incl: optional(fc.integer({ min: 0, max: 6000 })) });

export function arbEngineTariff(id: string) {
  const element = fc.record({
    price_components: fc.uniqueArray(arbComponent, { selector: (c) => c.type, minLength: 1, maxLength: 4 }),
    restrictions: optional(arbRestrictions),
  });
  return fc
    .record({ elements: fc.array(element, { minLength: 1, maxLength: 6 }), min: optional(arbBound, 2), max: optional(arbBound, 2) })
    .map(({ elements, min, max }): TariffInput => {
      const t: TariffInput = { country_code: 'NL', party_id: 'TST', id, currency: 'EUR', elements, last_updated: '2024-01-01T00:00:00Z' };
      const bound = (b: { excl: number; incl?: number }) => (b.incl === undefined ? { excl_vat: b.excl / 100 } : { excl_vat: b.excl / 100, incl_vat: b.incl / 100 });
      if (min && max) {
        // min_price must not exceed max_price.
        const [lo, hi] = min.excl <= max.excl ? [min, max] : [max, min];
        const incl = lo.incl !== undefined && hi.incl !== undefined && lo.incl > hi.incl ? { lo: { ...lo, incl: hi.incl }, hi: { ...hi, incl: lo.incl } } : { lo, hi };
        return { ...t, min_price: bound(incl.lo), max_price: bound(incl.hi) };
      }
      if (min) return { ...t, min_price: bound(min) };
      if (max) return { ...t, max_price: bound(max) };
      return t;
    });
}

type Kind = 'charging' | 'parking' | 'parking+energy' | 'reservation' | 'mixed' | 'energy-only' | 'import/export';

const arbDuration = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 180 }).map((m) => m * 60_000) },
  { weight: 2, arbitrary: fc.constantFrom(15, 30, 60, 120).map((m) => m * 60_000) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 7200 }).map((s) => s * 1000) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 * 3_600_000 }) },
  { weight: 1, arbitrary: fc.constant(0) },
);

const arbKwh = fc.oneof(
  { weight: 3, arbitrary: decimal(40, 3) },
  { weight: 2, arbitrary: landmark },
  { weight: 2, arbitrary: decimal(15, 7) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, -1.5, -0.000001, 0.1 + 0.2) },
);

interface FigureVolumes {
  power?: number;
  minPower?: number;
  maxPower?: number;
  current?: number;
  minCurrent?: number;
  maxCurrent?: number;
  soc?: number;
}

const arbFigures: fc.Arbitrary<FigureVolumes> = fc.record({
  power: optional(orLandmark(decimal(350, 3)), 4),
  minPower: optional(orLandmark(decimal(150, 2)), 3),
  maxPower: optional(orLandmark(decimal(350, 2)), 3),
  current: optional(orLandmark(decimal(500, 1)), 4),
  minCurrent: optional(orLandmark(decimal(100, 1)), 2),
  maxCurrent: optional(orLandmark(decimal(200, 1)), 2),
  soc: optional(fc.integer({ min: 0, max: 100 }), 6),
});

const arbSegment = fc.record({
  ms: arbDuration,
  kind: fc.constantFrom<Kind>('charging', 'charging', 'charging', 'parking', 'parking+energy', 'reservation', 'mixed', 'energy-only', 'import/export'),
  kwh: arbKwh,
  exportKwh: decimal(5, 3),
  // Time volumes as a CDR states them: exact, rounded to a few decimals of an hour, or off.
  timeForm: fc.constantFrom('exact', 'exact', 'exact', 'rounded', 'short', 'long'),
  figures: arbFigures,
  tariff: fc.constantFrom('absent', 'absent', 'null', 'first', 'first-lower', 'second'),
  reverse: fc.boolean(),
});

/** Instants near which sessions start: DST nights (EU, US, Lord Howe), midnights, plus anywhere in 2024. */
const ANCHORS = [
  Date.UTC(2024, 2, 31, 0, 0),
  Date.UTC(2024, 9, 27, 0, 0),
  Date.UTC(2024, 2, 10, 6, 0),
  Date.UTC(2024, 10, 3, 5, 0),
  Date.UTC(2024, 3, 6, 14, 0),
  Date.UTC(2023, 11, 31, 22, 0),
  Date.UTC(2024, 0, 15, 8, 0),
];

export const ZONES = ['Europe/Amsterdam', 'Europe/Amsterdam', 'Europe/Amsterdam', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'] as const;

export interface SessionCase {
  periods: ChargingPeriodInput[];
  context: PricingContext;
}

function timeVolume(ms: number, form: string): number {
  const h = ms / 3_600_000;
  if (form === 'rounded') return Math.round(h * 1000) / 1000;
  if (form === 'short') return h / 2;
  if (form === 'long') return h * 1.5;
  return h;
}

function dimensionsOf(s: { ms: number; kind: Kind; kwh: number; exportKwh: number; timeForm: string; figures: FigureVolumes }) {
  const dims: { type: CdrDimensionType; volume: number }[] = [];
  const time = timeVolume(s.ms, s.timeForm);
  const charging = s.kind === 'charging' || s.kind === 'mixed';
  if (s.kind === 'reservation' || s.kind === 'mixed') dims.push({ type: 'RESERVATION_TIME', volume: s.kind === 'mixed' ? time / 2 : time });
  if (charging) dims.push({ type: 'TIME', volume: s.kind === 'mixed' ? time / 2 : time });
  if (s.kind === 'parking' || s.kind === 'parking+energy') dims.push({ type: 'PARKING_TIME', volume: time });
  if (charging || s.kind === 'parking+energy' || s.kind === 'energy-only') dims.push({ type: 'ENERGY', volume: s.kwh });
  if (s.kind === 'import/export') dims.push({ type: 'ENERGY_IMPORT', volume: Math.abs(s.kwh) }, { type: 'ENERGY_EXPORT', volume: s.exportKwh });
  const f = s.figures;
  if (f.power !== undefined) dims.push({ type: 'POWER', volume: f.power });
  if (f.minPower !== undefined) dims.push({ type: 'MIN_POWER', volume: f.minPower });
  if (f.maxPower !== undefined) dims.push({ type: 'MAX_POWER', volume: f.maxPower });
  if (f.current !== undefined) dims.push({ type: 'CURRENT', volume: f.current });
  if (f.minCurrent !== undefined) dims.push({ type: 'MIN_CURRENT', volume: f.minCurrent });
  if (f.maxCurrent !== undefined) dims.push({ type: 'MAX_CURRENT', volume: f.maxCurrent });
  if (f.soc !== undefined) dims.push({ type: 'STATE_OF_CHARGE', volume: f.soc });
  // A period must report something; an empty one reports its own time.
  if (dims.length === 0) dims.push({ type: 'TIME', volume: time });
  return dims;
}

/** DateTime texts in the forms the schema accepts: normal, without milliseconds, without Z, nanoseconds. */
function written(ms: number, form: number): string {
  const iso = new Date(ms).toISOString();
  if (form === 1 && ms % 1000 === 0) return `${iso.slice(0, 19)}Z`;
  if (form === 2) return iso.slice(0, -1);
  if (form === 3) return `${iso.slice(0, -1)}456789Z`;
  return iso;
}

/** A session of charging periods for tariffs `ids` (the first is the session's). */
export function arbSession(ids: readonly string[]) {
  return fc
    .record({
      zone: fc.constantFrom(...ZONES),
      anchor: fc.oneof(fc.constantFrom(...ANCHORS), fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2024, 11, 31) })),
      offset: fc.oneof(
        fc.integer({ min: -6 * 60, max: 6 * 60 }).map((m) => m * 60_000),
        fc.integer({ min: -6 * 3_600_000, max: 6 * 3_600_000 }),
      ),
      segments: fc.array(arbSegment, { minLength: 1, maxLength: 14 }),
      dateForm: fc.constantFrom(0, 0, 0, 0, 1, 2, 3),
      endExtra: fc.constantFrom(0, 0, 0, 1000, 600_000),
      endAsDate: fc.boolean(),
      sessionStart: fc.constantFrom('none', 'none', 'null', 'first', 'later'),
      reservationExpired: fc.constantFrom(undefined, undefined, null, true, false),
      moneyDecimals: fc.constantFrom(undefined, undefined, undefined, 0, 2, 4, 6, 10),
    })
    .map((s): SessionCase => {
      let t = s.anchor + s.offset;
      const periods = s.segments.map((seg): ChargingPeriodInput => {
        const dims = dimensionsOf(seg);
        const tariff_id = seg.tariff === 'first' ? ids[0] : seg.tariff === 'first-lower' ? ids[0].toLowerCase() : seg.tariff === 'second' ? ids[ids.length - 1] : undefined;
        const period: ChargingPeriodInput = { start_date_time: written(t, s.dateForm), dimensions: seg.reverse ? dims.reverse() : dims };
        if (tariff_id !== undefined) period.tariff_id = tariff_id;
        else if (seg.tariff === 'null') period.tariff_id = null;
        t += seg.ms;
        return period;
      });
      const endMs = t + s.endExtra;
      const first = Date.parse(new Date(s.anchor + s.offset).toISOString());
      const context: PricingContext = { timeZone: s.zone, sessionEnd: s.endAsDate ? new Date(endMs) : written(endMs, s.dateForm) };
      if (s.sessionStart === 'null') context.sessionStart = null;
      if (s.sessionStart === 'first') context.sessionStart = new Date(first).toISOString();
      if (s.sessionStart === 'later') context.sessionStart = new Date(first + 5 * 60_000).toISOString();
      if (s.reservationExpired !== undefined) context.reservationExpired = s.reservationExpired;
      if (s.moneyDecimals !== undefined) context.moneyDecimals = s.moneyDecimals;
      return { periods, context };
    });
}
