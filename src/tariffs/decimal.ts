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
export const SECONDS_PER_HOUR: Dec = new Dec(3600);
export const MS_PER_HOUR = 3_600_000;

/** JSON numbers go through their shortest decimal form, so 0.1 stays 0.1 rather than 0.1000000000000000055. */
export function dec(value: number | string | Dec): Dec {
  return new Dec(value);
}

/**
 * Quantities arrive as JSON numbers in hours and kWh, which cannot represent most minute or
 * Wh counts exactly (10 min = 0.1666... h). Snapping to 1 ms and 1 mWh undoes that
 * representation error before step_size rounding, where 599.9999999 s vs 600 s would decide a
 * whole step, while never moving a real measurement by more than half a millisecond or mWh.
 */
export function hoursToSeconds(hours: number): Dec {
  return new Dec(hours).times(SECONDS_PER_HOUR).toDecimalPlaces(3, Decimal.ROUND_HALF_UP);
}

export function snapKwh(kwh: number | Dec): Dec {
  return new Dec(kwh).toDecimalPlaces(6, Decimal.ROUND_HALF_UP);
}

export function msToHours(ms: number): number {
  return new Dec(ms).div(MS_PER_HOUR).toNumber();
}

/** Rounds up to the smallest multiple of `step` that is >= value (an exact multiple stays). */
export function ceilToStep(value: Dec, step: Dec): Dec {
  if (value.lte(0)) return ZERO;
  return value.div(step).ceil().times(step);
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
