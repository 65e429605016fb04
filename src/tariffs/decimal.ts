/**
 * Decimal arithmetic for money and quantities. A private clone of decimal.js so that our
 * precision and rounding settings cannot leak into (or be changed by) other modules.
 */
import Decimal from 'decimal.js';

// 40 significant digits: far more than any tariff needs, so the only inexact step (a division
// by 3600 for hour prices) is wrong in a digit no currency will ever show.
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -30, toExpPos: 30 });
export type Dec = Decimal;

export const ZERO: Dec = new Dec(0);
export const ONE: Dec = new Dec(1);
export const MS_PER_HOUR = 3_600_000;

/** JSON numbers go through their shortest decimal form, so 0.1 stays 0.1 rather than 0.1000000000000000055. */
export function dec(value: number | string | Dec): Dec {
  return new Dec(value);
}

/**
 * Quantities arrive as JSON numbers in hours and kWh, which cannot represent most minute or
 * Wh counts exactly (10 min = 0.1666... h). They are snapped to whole milliseconds and whole
 * milliwatt-hours, read from the number's decimal form: that undoes the representation error
 * before step_size rounding (599.9999999 s vs 600 s would decide a whole step) and never moves
 * a real measurement by more than half a millisecond or mWh. From then on every quantity is an
 * integer, so sums and step rounding are exact in plain JS numbers.
 */
export const MWH_PER_KWH = 1_000_000;

/**
 * round-half-up(decimal form of `value` x factor). The float product is within a few ulps of
 * the exact one (far below 0.01 for any realistic quantity), so when it is not close to a
 * rounding tie it rounds the same way and the decimal computation can be skipped.
 */
function scaleToInteger(value: number, factor: number): number {
  const x = value * factor;
  const r = Math.round(x);
  if (Math.abs(x - r) < 0.49 && Number.isSafeInteger(r)) return r;
  return new Dec(value).times(factor).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}

export function hoursToMs(hours: number): number {
  return scaleToInteger(hours, MS_PER_HOUR);
}

export function kwhToMwh(kwh: number | Dec): number {
  return typeof kwh === 'number' ? scaleToInteger(kwh, MWH_PER_KWH) : kwh.times(MWH_PER_KWH).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}

/** kWh snapped to the same 1 mWh grid, kept as a decimal (meter timelines). */
export function snapKwh(kwh: number | Dec): Dec {
  return new Dec(kwh).toDecimalPlaces(6, Decimal.ROUND_HALF_UP);
}

export function msToHours(ms: number): number {
  return ms / MS_PER_HOUR;
}

export function mwhToKwh(mwh: number): number {
  return mwh / MWH_PER_KWH;
}

/** Smallest multiple of `step` that is >= value, in exact integer arithmetic (an exact multiple stays). */
export function ceilToStep(value: number, step: number): number {
  if (value <= 0) return 0;
  const rest = value % step;
  return rest === 0 ? value : value - rest + step;
}

/**
 * Money on the wire: OCPI numbers default to 4 decimals. Half-up, because that is what the
 * spec's own worked examples do (0.6666... -> 0.6667).
 */
export function toWire(value: Dec, decimals: number): number {
  const n = value.toDecimalPlaces(decimals, Decimal.ROUND_HALF_UP).toNumber();
  return Object.is(n, -0) ? 0 : n;
}

export function maxDec(a: Dec, b: Dec): Dec {
  return a.gte(b) ? a : b;
}

export function minDec(a: Dec, b: Dec): Dec {
  return a.lte(b) ? a : b;
}
