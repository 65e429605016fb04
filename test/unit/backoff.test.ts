/** The delay before the next delivery attempt (nextDelayMs in src/delivery/retry-policy.ts). */
import fc from 'fast-check';
import { nextDelayMs } from '../../src/delivery/retry-policy.js';

const settings = { baseMs: 1000, maxMs: 60_000 };
const lowest = () => 0;
const highest = () => 1 - Number.EPSILON;

test('the delay doubles with each attempt, from the base, between half and all of the step', () => {
  expect([1, 2, 3, 4, 5].map((a) => nextDelayMs(a, settings, undefined, highest))).toEqual([1000, 2000, 4000, 8000, 16000]);
  expect([1, 2, 3, 4, 5].map((a) => nextDelayMs(a, settings, undefined, lowest))).toEqual([500, 1000, 2000, 4000, 8000]);
});

test('attempt 0 and below count as the first attempt', () => {
  expect(nextDelayMs(0, settings, undefined, highest)).toBe(1000);
  expect(nextDelayMs(-3, settings, undefined, highest)).toBe(1000);
});

test('the step stops growing at maxMs, however many attempts', () => {
  expect(nextDelayMs(7, settings, undefined, highest)).toBe(60_000);
  expect(nextDelayMs(1000, settings, undefined, highest)).toBe(60_000);
  expect(nextDelayMs(1000, settings, undefined, lowest)).toBe(30_000);
});

test('property: without Retry-After the delay lies within [step/2, step], step = min(max, base * 2^(attempt-1))', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 200 }),
      fc.integer({ min: 1, max: 10_000 }),
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (attempt, baseMs, spread, r) => {
        const s = { baseMs, maxMs: baseMs + spread };
        const step = Math.min(s.maxMs, baseMs * 2 ** (attempt - 1));
        const delay = nextDelayMs(attempt, s, undefined, () => r);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(step / 2));
        expect(delay).toBeLessThanOrEqual(Math.ceil(step));
        expect(Number.isInteger(delay)).toBe(true);
      },
    ),
  );
});

test('property: a later attempt never has a shorter step (the jitter range moves up or stays at the cap)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
      expect(nextDelayMs(attempt + 1, settings, undefined, () => r)).toBeGreaterThanOrEqual(nextDelayMs(attempt, settings, undefined, () => r));
    }),
  );
});

test('Retry-After is the delay when the peer asks for longer than our backoff, however long', () => {
  expect(nextDelayMs(1, settings, 5000, highest)).toBe(5000);
  expect(nextDelayMs(1, settings, 3_600_000, highest)).toBe(3_600_000);
});

test('a Retry-After shorter than the backoff is honoured, but never below a quarter of the jittered backoff', () => {
  expect(nextDelayMs(5, settings, 6000, highest)).toBe(6000);
  expect(nextDelayMs(5, settings, 1000, highest)).toBe(4000);
  expect(nextDelayMs(5, settings, 0, lowest)).toBe(2000);
});

test('property: with Retry-After the delay is max(Retry-After, jittered backoff / 4)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 600_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, retryAfter, r) => {
      const jittered = nextDelayMs(attempt, settings, undefined, () => r);
      const delay = nextDelayMs(attempt, settings, retryAfter, () => r);
      expect(delay).toBeGreaterThanOrEqual(retryAfter);
      expect(Math.abs(delay - Math.max(retryAfter, jittered / 4))).toBeLessThanOrEqual(1);
    }),
  );
});
