/** fast-check generators of valid tariffs and meter timelines for the property tests. */
import fc from 'fast-check';
import type { MeterTimelineInput } from '../../src/tariffs/index.js';
import type { TariffInput } from '../../src/model/tariff.js';

type Dim = 'ENERGY' | 'FLAT' | 'TIME' | 'PARKING_TIME';
const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;

export const arbPrice = fc.integer({ min: 0, max: 500 }).map((c) => c / 100);
export const arbVat = fc.option(fc.constantFrom(0, 5.2, 10, 20, 21), { nil: undefined });
const arbStep = (type: Dim) => (type === 'FLAT' ? fc.constant(1) : fc.constantFrom(1, 1, 60, 100, 300, 500, 900, 1800));
const arbHhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45)).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);

export function arbComponent(types: readonly Dim[]) {
  return fc.constantFrom(...types).chain((type) => fc.record({ type: fc.constant(type), price: arbPrice, vat: arbVat, step_size: arbStep(type) }));
}

/** A min/max pair with min < max, of which either side may be left out. */
function arbRange(lo: number, hi: number, integer: boolean) {
  const n = integer ? fc.integer({ min: lo, max: hi }) : fc.integer({ min: lo * 10, max: hi * 10 }).map((x) => x / 10);
  return fc
    .tuple(n, n, fc.constantFrom('min', 'max', 'both'))
    .filter(([a, b]) => a !== b)
    .map(([a, b, which]) => {
      const [min, max] = a < b ? [a, b] : [b, a];
      return { min: which === 'max' ? undefined : min, max: which === 'min' ? undefined : max };
    });
}

export interface RestrictionOptions {
  wallClock?: boolean;
  kwh?: boolean;
  power?: boolean;
  current?: boolean;
  duration?: boolean;
  reservation?: boolean;
}

const ALL: RestrictionOptions = { wallClock: true, kwh: true, power: true, current: true, duration: true, reservation: true };

export function arbRestrictions(o: RestrictionOptions = ALL) {
  const none = fc.constant(undefined);
  return fc
    .record({
      time: o.wallClock ? fc.option(fc.tuple(fc.option(arbHhmm, { nil: undefined }), fc.option(arbHhmm, { nil: undefined })), { nil: undefined }) : none,
      days: o.wallClock ? fc.option(fc.subarray([...DAYS], { minLength: 1 }), { nil: undefined }) : none,
      kwh: o.kwh ? fc.option(arbRange(0, 60, false), { nil: undefined }) : none,
      power: o.power ? fc.option(arbRange(0, 150, false), { nil: undefined }) : none,
      current: o.current ? fc.option(arbRange(0, 200, false), { nil: undefined }) : none,
      reservation: o.reservation ? fc.option(fc.constantFrom('RESERVATION' as const, 'RESERVATION_EXPIRES' as const), { nil: undefined, freq: 4 }) : none,
      duration: o.duration ? fc.option(arbRange(0, 4 * 3600, true), { nil: undefined }) : none,
    })
    .map((r) => ({
      ...(r.time?.[0] ? { start_time: r.time[0] } : {}),
      ...(r.time?.[1] ? { end_time: r.time[1] } : {}),
      ...(r.days ? { day_of_week: r.days } : {}),
      ...(r.kwh ? { min_kwh: r.kwh.min, max_kwh: r.kwh.max } : {}),
      ...(r.power ? { min_power: r.power.min, max_power: r.power.max } : {}),
      ...(r.current ? { min_current: r.current.min, max_current: r.current.max } : {}),
      ...(r.duration ? { min_duration: r.duration.min, max_duration: r.duration.max } : {}),
      ...(r.reservation ? { reservation: r.reservation } : {}),
    }));
}

export function arbTariff(opts: { types?: readonly Dim[]; restrictions?: RestrictionOptions; maxElements?: number } = {}) {
  const types = opts.types ?? ['ENERGY', 'FLAT', 'TIME', 'PARKING_TIME'];
  const element = fc.record({
    price_components: fc.uniqueArray(arbComponent(types), { selector: (c) => c.type, minLength: 1, maxLength: types.length }),
    restrictions: fc.option(arbRestrictions(opts.restrictions), { nil: undefined }),
  });
  return fc
    .array(element, { minLength: 1, maxLength: opts.maxElements ?? 5 })
    .map((elements): TariffInput => ({ country_code: 'NL', party_id: 'TST', id: 'PROP', currency: 'EUR', elements, last_updated: '2024-01-01T00:00:00Z' }));
}

export interface TimelineOptions {
  /** Earliest and latest start, epoch ms. */
  from: number;
  to: number;
  parking?: boolean;
  reservation?: boolean;
}

/** Charging/parking segments with a cumulative register and power samples. */
export function arbTimeline(o: TimelineOptions) {
  const segment = fc.record({
    minutes: fc.integer({ min: 1, max: 150 }),
    parking: o.parking === false ? fc.constant(false) : fc.boolean(),
    powerKw: fc.integer({ min: 0, max: 1500 }).map((x) => x / 10),
    // Sometimes no current sample at all, so "current unknown" is exercised too.
    currentA: fc.option(
      fc.integer({ min: 0, max: 2000 }).map((x) => x / 10),
      { nil: undefined, freq: 3 },
    ),
  });
  const reservation = o.reservation ? fc.option(fc.integer({ min: 1, max: 90 }), { nil: undefined }) : fc.constant(undefined);
  return fc
    .tuple(
      fc.integer({ min: o.from, max: o.to }).map((ms) => ms - (ms % 60_000)),
      reservation,
      fc.array(segment, { minLength: 1, maxLength: 6 }),
    )
    .map(([startMs, reservedMin, segments]): MeterTimelineInput => {
      let t = startMs;
      let register = 1000;
      const events: MeterTimelineInput['events'] = [];
      if (reservedMin !== undefined) {
        events.push({ at: new Date(t).toISOString(), state: 'RESERVATION' });
        t += reservedMin * 60_000;
      }
      for (const s of segments) {
        events.push({
          at: new Date(t).toISOString(),
          state: s.parking ? 'PARKING' : 'CHARGING',
          meter_kwh: register,
          power_kw: s.parking ? 0 : s.powerKw,
          ...(s.currentA !== undefined ? { current_a: s.currentA } : {}),
        });
        if (!s.parking) register = Math.round((register + (s.powerKw * s.minutes) / 60) * 1000) / 1000;
        t += s.minutes * 60_000;
      }
      events.push({ at: new Date(t).toISOString(), meter_kwh: register });
      return { start: new Date(startMs).toISOString(), end: new Date(t).toISOString(), events };
    });
}
