/** Builders for tariff-engine tests: tariffs in the digest's compact notation and hand-cut periods. */
import { DateTime } from 'luxon';
import type { ChargingPeriodInput } from '../../src/model/cdr.js';
import type { TariffInput } from '../../src/model/tariff.js';
import { fastPathPrice } from '../../src/tariffs/fast/fast-price.js';
import { referencePrice } from '../../src/tariffs/index.js';

export const ZONE = 'Europe/Amsterdam';

type Dim = 'ENERGY' | 'FLAT' | 'TIME' | 'PARKING_TIME';

export function pc(type: Dim, price: number, vat?: number | null, step_size = 1) {
  return { type, price, ...(vat === undefined ? {} : { vat }), step_size };
}

export function aTariff(elements: TariffInput['elements'], extra: Partial<TariffInput> = {}): TariffInput {
  return {
    country_code: 'DE',
    party_id: 'ALL',
    id: extra.id ?? 'T',
    currency: 'EUR',
    elements,
    last_updated: '2018-12-18T17:07:11Z',
    ...extra,
  };
}

/** Local wall-clock time in ZONE to a UTC OCPI DateTime. */
export function local(isoLocal: string, zone = ZONE): string {
  return DateTime.fromISO(isoLocal, { zone }).toUTC().toISO()!;
}

export interface Segment {
  minutes: number;
  state: 'charging' | 'parking' | 'reservation';
  kwh?: number;
  extra?: { type: ChargingPeriodInput['dimensions'][number]['type']; volume: number }[];
  tariff_id?: string;
}

/** One charging period per segment, back to back from `start`; returns periods and the end. */
export function cut(start: string, segments: Segment[]): { periods: ChargingPeriodInput[]; end: string } {
  let t = Date.parse(start);
  const periods: ChargingPeriodInput[] = segments.map((s) => {
    const dims: ChargingPeriodInput['dimensions'] = [];
    const h = s.minutes / 60;
    if (s.state === 'charging') dims.push({ type: 'TIME', volume: h });
    if (s.state === 'parking') dims.push({ type: 'PARKING_TIME', volume: h });
    if (s.state === 'reservation') dims.push({ type: 'RESERVATION_TIME', volume: h });
    if (s.kwh !== undefined) dims.push({ type: 'ENERGY', volume: s.kwh });
    dims.push(...(s.extra ?? []));
    const period: ChargingPeriodInput = { start_date_time: new Date(t).toISOString(), dimensions: dims, ...(s.tariff_id ? { tariff_id: s.tariff_id } : {}) };
    t += s.minutes * 60_000;
    return period;
  });
  return { periods, end: new Date(t).toISOString() };
}

type PriceFn = typeof referencePrice;

/** The fast path alone: fails the test where it would hand the input to the reference engine. */
export const strictFastPrice: PriceFn = (tariffs, periods, context) => {
  const result = fastPathPrice(tariffs, periods, context);
  if (result === null) throw new Error('the fast engine handed this input to the reference engine');
  return result;
};

/** Both engines, for tests that must hold for each (`describe.each(ENGINES)`). */
export const ENGINES: [string, PriceFn][] = [
  ['fast engine', strictFastPrice],
  ['reference engine', referencePrice],
];
