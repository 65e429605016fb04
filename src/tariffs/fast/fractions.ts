/**
 * Power and current figures as exact fractions of safe integers, so the fast pricer compares
 * them with restriction thresholds without decimal.js and still decides every comparison as
 * the reference engine does (see average() in period-reader.ts for why its 40-digit rounding
 * can never tip a comparison the other way).
 */
export interface Fraction {
  /** A safe integer. */
  readonly n: number;
  /** A positive safe integer. */
  readonly d: number;
}

const MAX_DECIMALS = 9;
/** Below 2^50 two numbers of the same decimals are never the same double (see decimalScale). */
const MAX_SCALED = 2 ** 50;

/**
 * The exact decimal value decimal.js reads from a JSON number (its shortest round-trip form) is
 * Math.round(value * 10^k) / 10^k; this returns that 10^k, or 0 when the number has more than 9
 * decimals or too many digits. The first k whose scaled integer round-trips is the shortest
 * form's: a shorter form would round-trip at a smaller k, and below 2^50 no two k-decimal values
 * share a double. -0 is refused (decimal.js keeps its sign, a fraction cannot).
 */
export function decimalScale(value: number): number {
  if (!Number.isFinite(value) || Object.is(value, -0)) return 0;
  let scale = 1;
  for (let k = 0; k <= MAX_DECIMALS; k++) {
    const n = Math.round(value * scale);
    if (Math.abs(n) >= MAX_SCALED) return 0;
    if (n / scale === value) return scale;
    scale *= 10;
  }
  return 0;
}

/** Sign of n/d - b, exact. */
export function compareFraction(n: number, d: number, b: Fraction): number {
  // Correct rounding is monotone, so unequal quotients already decide; equal ones need the
  // cross products, exact in doubles while they stay below 2^53.
  const x = n / d;
  const y = b.n / b.d;
  if (x < y) return -1;
  if (x > y) return 1;
  const p = n * b.d;
  const q = b.n * d;
  if (Math.abs(p) <= Number.MAX_SAFE_INTEGER && Math.abs(q) <= Number.MAX_SAFE_INTEGER) return p < q ? -1 : p > q ? 1 : 0;
  const bp = BigInt(n) * BigInt(b.d);
  const bq = BigInt(b.n) * BigInt(d);
  return bp < bq ? -1 : bp > bq ? 1 : 0;
}

/** min inclusive, max exclusive, as restrictionsHold's inRange. */
export function fractionInRange(n: number, d: number, min: Fraction | null, max: Fraction | null): boolean {
  if (min !== null && compareFraction(n, d, min) < 0) return false;
  if (max !== null && compareFraction(n, d, max) >= 0) return false;
  return true;
}
