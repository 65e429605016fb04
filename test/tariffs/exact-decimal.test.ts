/**
 * The fast engine's exact decimals against decimal.js with the reference engine's settings
 * (precision 40, ROUND_HALF_UP): every operation, chained as the pricer chains them, must give
 * the same digits, the same wire number and the same text.
 */
import fc from 'fast-check';
import { Dec, toWire } from '../../src/tariffs/decimal.js';
import { type Exact, add, compare, div, exactFromNumber, exactFromString, mul, toDecimalString, toWireNumber } from '../../src/tariffs/fast/exact-decimal.js';

type Pair = { dec: InstanceType<typeof Dec>; exact: Exact };

const arbNumber = fc.oneof(
  fc.integer({ min: 0, max: 10_000_000 }),
  fc.integer({ min: -100_000, max: 100_000 }).map((n) => n / 1000),
  fc.integer({ min: 0, max: 9_007_199_254_740_991 }),
  fc.double({ min: 1e-35, max: 1e35, noNaN: true }),
  fc.constantFrom(0, 1, 36, 3_600_000, 1_000_000, 1.21, 0.5, 0.1 + 0.2, 5e-31, 1e30, 2.5),
);

const leaf = arbNumber.map((n): Pair => ({ dec: new Dec(n), exact: exactFromNumber(n) }));

/** Up to four chained operations, as a price is built: quantity x price / units x VAT, sums. */
const arbValue: fc.Arbitrary<Pair> = fc.letrec<{ value: Pair }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('value'), tie('value'), fc.constantFrom('plus', 'times', 'div')).map(([a, b, op]): Pair => {
      if (op === 'plus') return { dec: a.dec.plus(b.dec), exact: add(a.exact, b.exact) };
      if (op === 'times') return { dec: a.dec.times(b.dec), exact: mul(a.exact, b.exact) };
      if (b.dec.isZero()) return a;
      return { dec: a.dec.div(b.dec), exact: div(a.exact, b.exact) };
    }),
  ),
})).value;

describe('exact decimals = decimal.js (precision 40, half-up)', () => {
  test('chained operations give the same text, wire number and order', () => {
    fc.assert(
      fc.property(arbValue, arbValue, fc.integer({ min: 0, max: 10 }), (a, b, decimals) => {
        expect(toDecimalString(a.exact)).toBe(a.dec.toString());
        expect(Object.is(toWireNumber(a.exact, decimals), toWire(a.dec, decimals))).toBe(true);
        expect(compare(a.exact, b.exact)).toBe(a.dec.comparedTo(b.dec));
      }),
      { numRuns: 3000 },
    );
  });

  test('a price component cost: integer quantity x price / units, x (1 + VAT / 100)', () => {
    const units = [1, 1_000_000, 3_600_000];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 53 - 1 }), arbNumber, fc.constantFrom(...units), fc.constantFrom(0, 5.5, 7.7, 19, 21, 100), (q, price, unit, vat) => {
        const factor = new Dec(1).plus(new Dec(vat).div(100));
        const dec = new Dec(q).times(Math.abs(price)).div(unit);
        const exact = div(mul(exactFromNumber(q), exactFromNumber(Math.abs(price))), exactFromNumber(unit));
        expect(toDecimalString(exact)).toBe(dec.toString());
        expect(toDecimalString(mul(exact, exactFromString(factor.toString())))).toBe(dec.times(factor).toString());
      }),
      { numRuns: 2000 },
    );
  });

  test('a sum just under a power of ten whose exponents lie far apart keeps all 40 digits', () => {
    // The coefficient of this sum has 113 digits and its nearest double reads as 10^113 exactly:
    // the digit count must be corrected from powers of ten beyond the precomputed table.
    const big = '9.999999999999976000000011286644447219288e+34';
    const tiny = '1.69959920384925065171551453416088079973e-39';
    const sum = toDecimalString(add(exactFromString(tiny), exactFromString(big)));
    expect(sum).toBe(new Dec(tiny).plus(big).toString());
    expect(sum).toBe(big);
  });

  test('ties round away from zero at the 40th digit and at the wire decimals', () => {
    const tie = `0.${'3'.repeat(39)}25`;
    expect(toDecimalString(add(exactFromString(tie), exactFromString('0')))).toBe(new Dec(tie).plus(0).toString());
    expect(toWireNumber(exactFromString('0.00005'), 4)).toBe(0.0001);
    expect(toWireNumber(exactFromString('-0.00005'), 4)).toBe(-0.0001);
    expect(toWireNumber(exactFromString('-0.00004'), 4)).toBe(0);
  });
});
