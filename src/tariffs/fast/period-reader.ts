/**
 * Reads charging periods for the fast pricer in one pass: the checks of the ChargingPeriod
 * schema and of normalizePeriods written out by hand (no zod), each DateTime parsed once, and
 * the same integer quantities and power/current figures as the reference.
 *
 * Anything the reference would refuse or treat specially (a schema error, periods out of
 * order, a duplicate dimension, an unknown tariff_id, figures too large or too precise for the
 * integer path) makes read() return null: the caller then hands the whole input to the
 * reference engine, which gives the exact error or result. This reader only has to be right
 * for what it accepts.
 */
import { ciKey, formatDateTime, parseDateTime } from '../../model/primitives.js';
import { hoursToMs, kwhToMwh } from '../decimal.js';
import { type DateMemo, canonicalInstant, inFastRange } from './date-time.js';
import { decimalScale } from './fractions.js';
import type { FastTariff } from './fast-tariff.js';

export interface FastPeriod {
  readonly index: number;
  readonly startMs: number;
  readonly startIso: string;
  endIso: string;
  readonly tariff: FastTariff;
  readonly energyMwh: number;
  readonly chargingMs: number;
  readonly parkingMs: number;
  readonly reservationMs: number;
  readonly hasSessionPart: boolean;
  readonly hasReservationPart: boolean;
  /**
   * Power as the exact fraction powerN / powerD restrictions compare with, and powerKw the
   * number the result shows; powerKw is null when the figure is unknown or not needed.
   */
  powerN: number;
  powerD: number;
  powerKw: number | null;
  currentN: number;
  currentD: number;
  currentA: number | null;
}

export interface ReadPeriods {
  readonly periods: FastPeriod[];
  /** The reference's period warnings, in its order. */
  readonly warnings: string[];
}

const PRINTABLE_ASCII = /^[\u0020-\u007e]*$/;

// One bit per CdrDimensionType, to spot a type given twice.
const ENERGY = 1;
const TIME = 2;
const PARKING_TIME = 4;
const RESERVATION_TIME = 8;
const ENERGY_IMPORT = 16;
const ENERGY_EXPORT = 32;
const POWER = 64;
const MIN_POWER = 128;
const MAX_POWER = 256;
const CURRENT = 512;
const MIN_CURRENT = 1024;
const MAX_CURRENT = 2048;
const STATE_OF_CHARGE = 4096;

/** The bit of a CdrDimensionType, or 0 for anything else. */
function dimensionBit(type: unknown): number {
  switch (type) {
    case 'ENERGY':
      return ENERGY;
    case 'TIME':
      return TIME;
    case 'PARKING_TIME':
      return PARKING_TIME;
    case 'RESERVATION_TIME':
      return RESERVATION_TIME;
    case 'ENERGY_IMPORT':
      return ENERGY_IMPORT;
    case 'ENERGY_EXPORT':
      return ENERGY_EXPORT;
    case 'POWER':
      return POWER;
    case 'MIN_POWER':
      return MIN_POWER;
    case 'MAX_POWER':
      return MAX_POWER;
    case 'CURRENT':
      return CURRENT;
    case 'MIN_CURRENT':
      return MIN_CURRENT;
    case 'MAX_CURRENT':
      return MAX_CURRENT;
    case 'STATE_OF_CHARGE':
      return STATE_OF_CHARGE;
    default:
      return 0;
  }
}

/** A power or current figure being worked out; written into the period when known. */
interface Figure {
  n: number;
  d: number;
  shown: number;
}

const KNOWN = 0;
const UNKNOWN = 1;
/** Not exact in integers: the input goes to the reference. */
const UNEXACT = 2;
/** energy over the period's span: known once the next period's start is read. */
const AWAITS_SPAN = 3;

/** dec(volume): the volume's shortest decimal form, shown as the volume itself. */
function explicit(volume: number, out: Figure): number {
  const d = decimalScale(volume);
  if (d === 0) return UNEXACT;
  out.n = Math.round(volume * d);
  out.d = d;
  out.shown = volume;
  return KNOWN;
}

function zero(out: Figure): number {
  out.n = 0;
  out.d = 1;
  out.shown = 0;
  return KNOWN;
}

/** midpoint() of period-input.ts, exact: both are k-decimal integers over 10^k, the half is over 2 x 10^k. */
function midpoint(min: number | undefined, max: number | undefined, out: Figure): number {
  if (min !== undefined && max !== undefined) {
    const da = decimalScale(min);
    const db = decimalScale(max);
    if (da === 0 || db === 0) return UNEXACT;
    const d = Math.max(da, db);
    const n = Math.round(min * da) * (d / da) + Math.round(max * db) * (d / db);
    if (!Number.isSafeInteger(n)) return UNEXACT;
    // A zero sum is +0 in decimal.js too.
    if (n === 0) return zero(out);
    out.n = n;
    out.d = 2 * d;
    out.shown = n / (2 * d);
    return KNOWN;
  }
  const one = min ?? max;
  return one === undefined ? UNKNOWN : explicit(one, out);
}

/**
 * energy / time in kW as 36 E / (10 ms). The reference computes it to 40 digits; with both
 * integers below 2^53 that rounding can neither move the double it shows nor tip a comparison
 * with a bound of at most 9 decimals: unless equal to them, the exact quotient is more than
 * 1e-32 (relative) away from any such bound and from any midpoint between two doubles.
 */
function average(energyMwh: number, ms: number, out: Figure): number {
  const n = energyMwh * 36;
  const d = ms * 10;
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(d)) return UNEXACT;
  out.n = n;
  out.d = d;
  // n / d keeps the sign of a -0 energy, as decimal.js does.
  out.shown = n / d;
  return KNOWN;
}

/** powerOf() of period-input.ts, up to the span (AWAITS_SPAN). */
function power(given: number | undefined, min: number | undefined, max: number | undefined, energyMwh: number, chargingMs: number, timeOrParking: boolean, out: Figure): number {
  const status = given !== undefined ? explicit(given, out) : midpoint(min, max, out);
  if (status !== UNKNOWN) return status;
  if (chargingMs > 0) return average(energyMwh, chargingMs, out);
  if (timeOrParking || energyMwh === 0) return zero(out);
  return AWAITS_SPAN;
}

/** currentOf() of period-input.ts. */
function current(given: number | undefined, min: number | undefined, max: number | undefined, energyMwh: number, chargingMs: number, timeOrParking: boolean, out: Figure): number {
  const status = given !== undefined ? explicit(given, out) : midpoint(min, max, out);
  if (status !== UNKNOWN || chargingMs > 0) return status;
  return timeOrParking || energyMwh === 0 ? zero(out) : UNKNOWN;
}

export interface ReadOptions {
  readonly endMs: number;
  readonly endIso: string;
  readonly needsPower: boolean;
  readonly needsCurrent: boolean;
  /** The session's tariff, for periods without tariff_id. */
  readonly first: FastTariff;
  /** ciKey(tariff id) -> the first tariff with that id, as the reference's find() picks. */
  readonly byId: ReadonlyMap<string, FastTariff>;
}

/** The last tariff_id read and its tariff: periods of one session nearly always repeat it. */
interface TariffMemo {
  id: unknown;
  tariff: FastTariff | null;
}

/** The period's tariff as resolveTariff() finds it, null when the schema or the lookup fails. */
function tariffOf(id: unknown, o: ReadOptions, memo: TariffMemo): FastTariff | null {
  // An absent tariff_id is the session's tariff (resolveTariff in period-input.ts).
  if (id == null) return o.first;
  if (id === memo.id) return memo.tariff;
  if (typeof id !== 'string' || id.length > 36 || !PRINTABLE_ASCII.test(id)) return null;
  memo.id = id;
  memo.tariff = o.byId.get(ciKey(id)) ?? null;
  return memo.tariff;
}

const figure: Figure = { n: 0, d: 1, shown: 0 };

/** Pass one: the schema's checks and the quantities of one period; null hands the input over. */
function readPeriod(raw: unknown, index: number, o: ReadOptions, memo: TariffMemo, dates: DateMemo): FastPeriod | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const r = raw as { start_date_time?: unknown; dimensions?: unknown; tariff_id?: unknown };
  const text = r.start_date_time;
  if (typeof text !== 'string') return null;
  let startMs = canonicalInstant(text, dates);
  let startIso = text;
  if (Number.isNaN(startMs)) {
    const d = parseDateTime(text);
    if (d === null) return null;
    startMs = d.getTime();
    startIso = formatDateTime(d);
  }
  if (!inFastRange(startMs)) return null;
  const tariff = tariffOf(r.tariff_id, o, memo);
  if (tariff === null) return null;
  const dims = r.dimensions;
  if (!Array.isArray(dims) || dims.length === 0) return null;
  let seen = 0;
  let energy: number | undefined;
  let imported: number | undefined;
  let exported: number | undefined;
  let time: number | undefined;
  let parking: number | undefined;
  let reservation: number | undefined;
  let powerGiven: number | undefined;
  let minPower: number | undefined;
  let maxPower: number | undefined;
  let currentGiven: number | undefined;
  let minCurrent: number | undefined;
  let maxCurrent: number | undefined;
  for (const d of dims) {
    if (typeof d !== 'object' || d === null || Array.isArray(d)) return null;
    const { type, volume } = d as { type?: unknown; volume?: unknown };
    const bit = dimensionBit(type);
    if (bit === 0 || typeof volume !== 'number' || !Number.isFinite(volume) || (seen & bit) !== 0) return null;
    seen |= bit;
    if (bit === ENERGY) energy = volume;
    else if (bit === TIME) time = volume;
    else if (bit === PARKING_TIME) parking = volume;
    else if (bit === RESERVATION_TIME) reservation = volume;
    else if (bit === ENERGY_IMPORT) imported = volume;
    else if (bit === ENERGY_EXPORT) exported = volume;
    else if (bit === POWER) powerGiven = volume;
    else if (bit === MIN_POWER) minPower = volume;
    else if (bit === MAX_POWER) maxPower = volume;
    else if (bit === CURRENT) currentGiven = volume;
    else if (bit === MIN_CURRENT) minCurrent = volume;
    else if (bit === MAX_CURRENT) maxCurrent = volume;
  }
  if ((time !== undefined && time < 0) || (parking !== undefined && parking < 0) || (reservation !== undefined && reservation < 0)) return null;
  const chargingMs = time !== undefined ? hoursToMs(time) : 0;
  const parkingMs = parking !== undefined ? hoursToMs(parking) : 0;
  const reservationMs = reservation !== undefined ? hoursToMs(reservation) : 0;
  const energyMwh = energy !== undefined ? kwhToMwh(energy) : imported !== undefined ? kwhToMwh(imported) - (exported !== undefined ? kwhToMwh(exported) : 0) : 0;
  if (!Number.isSafeInteger(chargingMs) || !Number.isSafeInteger(parkingMs) || !Number.isSafeInteger(reservationMs) || !Number.isSafeInteger(energyMwh)) return null;
  const timeOrParking = time !== undefined || parking !== undefined;
  const hasReservationPart = reservation !== undefined;
  const period: FastPeriod = {
    index,
    startMs,
    startIso,
    endIso: '',
    tariff,
    energyMwh,
    chargingMs,
    parkingMs,
    reservationMs,
    hasSessionPart: !hasReservationPart || energy !== undefined || imported !== undefined || timeOrParking,
    hasReservationPart,
    powerN: 0,
    powerD: 1,
    powerKw: null,
    currentN: 0,
    currentD: 1,
    currentA: null,
  };
  if (o.needsPower) {
    const status = power(powerGiven, minPower, maxPower, energyMwh, chargingMs, timeOrParking, figure);
    if (status === UNEXACT) return null;
    if (status === KNOWN) {
      period.powerN = figure.n;
      period.powerD = figure.d;
      period.powerKw = figure.shown;
    } else if (status === AWAITS_SPAN) period.powerD = 0;
  }
  if (o.needsCurrent) {
    const status = current(currentGiven, minCurrent, maxCurrent, energyMwh, chargingMs, timeOrParking, figure);
    if (status === UNEXACT) return null;
    if (status === KNOWN) {
      period.currentN = figure.n;
      period.currentD = figure.d;
      period.currentA = figure.shown;
    }
  }
  return period;
}

/**
 * The periods as normalizePeriods() sees them, with its warnings, or null when the reference
 * must take the input (see the file comment).
 */
export function readPeriods(input: unknown, o: ReadOptions): ReadPeriods | null {
  if (!Array.isArray(input) || input.length === 0) return null;
  const periods: FastPeriod[] = new Array(input.length);
  const memo: TariffMemo = { id: undefined, tariff: null };
  // No text starts with a quote: the first period parses its date in full.
  const dates: DateMemo = { prefix: '"', midnightMs: 0 };
  let previous = -Infinity;
  for (let i = 0; i < input.length; i++) {
    const p = readPeriod(input[i], i, o, memo, dates);
    if (p === null || p.startMs < previous) return null;
    previous = p.startMs;
    periods[i] = p;
  }
  const warnings: string[] = [];
  const last = periods.length - 1;
  for (let i = 0; i <= last; i++) {
    const p = periods[i];
    const endMs = i === last ? o.endMs : periods[i + 1].startMs;
    if (endMs < p.startMs) return null;
    p.endIso = i === last ? o.endIso : periods[i + 1].startIso;
    if (p.chargingMs + p.parkingMs + p.reservationMs > endMs - p.startMs + 1000) {
      warnings.push(`charging_periods[${i}]: its time dimensions add up to more than the period lasts (${(endMs - p.startMs) / 1000} s); volumes are in hours`);
    }
    if (p.energyMwh < 0) warnings.push(`charging_periods[${i}]: net energy is negative (feed-in); OCPI 2.2.1 tariffs price no export, so it is billed as 0 kWh`);
    // A period reporting energy only: its power is the energy over the whole period, if it lasted.
    if (p.powerD === 0) {
      p.powerD = 1;
      if (endMs > p.startMs) {
        if (average(p.energyMwh, endMs - p.startMs, figure) === UNEXACT) return null;
        p.powerN = figure.n;
        p.powerD = figure.d;
        p.powerKw = figure.shown;
      }
    }
  }
  return { periods, warnings };
}
