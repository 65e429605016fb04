/**
 * The fast engine (the platform's price()) against the reference engine (referencePrice()):
 * for random tariffs and sessions the full PriceResult is the same, every field and digit and
 * even the key order; hostile input gets the same error; explain() tells the same story.
 * The generated valid sessions must be priced by the fast path itself (fastPathPrice), not by
 * its fallback to the reference, or the comparison would prove nothing.
 */
import fc from 'fast-check';
import type { TariffInput } from '../../src/model/tariff.js';
import { fastPathPrice } from '../../src/tariffs/fast/fast-price.js';
import { chargingPeriodsFromTimeline, explain, fastEngineStats, price, referencePrice, resetFastEngineStats, type PriceResult } from '../../src/tariffs/index.js';
import { arbTariff, arbTimeline } from './arbitraries.js';
import { arbEngineTariff, arbSession, type SessionCase } from './engine-arbitraries.js';
import { ZONE } from './helpers.js';

type Outcome = { result: unknown } | { error: { name: string; message: string; field?: unknown; issues?: unknown } };

function outcome(run: () => unknown): Outcome {
  try {
    return { result: run() };
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    const { field, issues } = e as Error & { field?: unknown; issues?: unknown };
    return { error: { name: e.name, message: e.message, field, issues } };
  }
}

function expectSame(fast: PriceResult | null, reference: PriceResult): void {
  expect(fast).not.toBeNull();
  expect(fast).toStrictEqual(reference);
  // toStrictEqual ignores key order; a JSON consumer does not.
  expect(JSON.stringify(fast)).toBe(JSON.stringify(reference));
}

const arbCase = fc.tuple(arbEngineTariff('EQ'), arbEngineTariff('EQ-2'), fc.boolean()).chain(([first, second, two]) => {
  const tariffs = two ? [first, second] : [first];
  return arbSession(tariffs.map((t) => t.id)).map((session) => ({ tariffs, ...session }));
});

describe('fast engine = reference engine', () => {
  test('every generated session is priced by the fast path exactly as by the reference', () => {
    fc.assert(
      fc.property(arbCase, ({ tariffs, periods, context }) => {
        const reference = referencePrice(tariffs, periods, context);
        expectSame(fastPathPrice(tariffs, periods, context), reference);
      }),
      { numRuns: 1000 },
    );
  });

  test('periods cut from meter timelines (how the platform builds its own CDRs) price alike', () => {
    const year = { from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 11, 31), reservation: true };
    fc.assert(
      fc.property(arbTariff(), arbTimeline(year), (tariff, timeline) => {
        const g = chargingPeriodsFromTimeline(timeline, tariff, { timeZone: ZONE });
        expectSame(fastPathPrice(tariff, g.charging_periods, g.context), referencePrice(tariff, g.charging_periods, g.context));
      }),
      { numRuns: 250 },
    );
  });

  test('explain() reads the same from both results', () => {
    fc.assert(
      fc.property(arbCase, ({ tariffs, periods, context }) => {
        const fast = fastPathPrice(tariffs, periods, context);
        expect(fast).not.toBeNull();
        expect(explain(fast as PriceResult)).toStrictEqual(explain(referencePrice(tariffs, periods, context)));
      }),
      { numRuns: 60 },
    );
  });

  test('price() takes the fast path for ordinary input and counts it', () => {
    const [{ tariffs, periods, context }] = fc.sample(arbCase, { numRuns: 1, seed: 7 });
    resetFastEngineStats();
    price(tariffs, periods, context);
    expect(fastEngineStats()).toEqual({ fast: 1, reference: 0, reasons: {} });
  });
});

/** One change that makes the input unusual or invalid; price() must then do what the reference does. */
type Mutation = (c: { tariffs: TariffInput[] } & SessionCase, n: number) => { tariffs: unknown; periods: unknown; context: unknown };

const MUTATIONS: Record<string, Mutation> = {
  'periods out of order': (c, n) => {
    const p = [...c.periods];
    if (p.length > 1) [p[0], p[p.length - 1]] = [{ ...p[p.length - 1] }, { ...p[0], start_date_time: new Date(Date.parse(p[0].start_date_time) + n + 1).toISOString() }];
    return { ...c, periods: p };
  },
  'a dimension twice': (c, n) => withPeriod(c, n, (p) => ({ ...p, dimensions: [...p.dimensions, p.dimensions[0]] })),
  'negative time': (c, n) => withPeriod(c, n, (p) => ({ ...p, dimensions: [{ type: 'TIME', volume: -0.5 }] })),
  'unknown tariff_id': (c, n) => withPeriod(c, n, (p) => ({ ...p, tariff_id: 'NOPE' })),
  'impossible date': (c, n) => withPeriod(c, n, (p) => ({ ...p, start_date_time: '2024-02-30T10:00:00Z' })),
  'offset date': (c, n) => withPeriod(c, n, (p) => ({ ...p, start_date_time: p.start_date_time.replace(/Z?$/, '+01:00') })),
  'period is not an object': (c, n) => withPeriod(c, n, () => 'period' as never),
  'volume not a number': (c, n) => withPeriod(c, n, (p) => ({ ...p, dimensions: [{ type: 'ENERGY', volume: '5' as never }] })),
  'volume infinite': (c, n) => withPeriod(c, n, (p) => ({ ...p, dimensions: [{ type: 'ENERGY', volume: Number.POSITIVE_INFINITY }] })),
  'unknown dimension': (c, n) => withPeriod(c, n, (p) => ({ ...p, dimensions: [{ type: 'WATTS' as never, volume: 1 }] })),
  'no dimensions': (c, n) => withPeriod(c, n, (p) => ({ ...p, dimensions: [] })),
  'tariff_id too long': (c, n) => withPeriod(c, n, (p) => ({ ...p, tariff_id: 'X'.repeat(37) })),
  'huge energy': (c, n) => withPeriod(c, n, (p) => ({ ...p, dimensions: [{ type: 'ENERGY', volume: 1e13 }] })),
  'power with many decimals': (c, n) =>
    withPeriod(c, n, (p) => ({ ...p, dimensions: [...p.dimensions.filter((d) => d.type !== 'POWER'), { type: 'POWER', volume: 22.123456789012 }] })),
  'negative zero figure': (c, n) => withPeriod(c, n, (p) => ({ ...p, dimensions: [...p.dimensions.filter((d) => d.type !== 'CURRENT'), { type: 'CURRENT', volume: -0 }] })),
  'far-away year': (c, n) => withPeriod(c, n, (p) => ({ ...p, start_date_time: '0999-12-31T23:00:00Z' })),
  'no periods': (c) => ({ ...c, periods: [] }),
  'periods not a list': (c) => ({ ...c, periods: null }),
  'unknown time zone': (c) => ({ ...c, context: { ...c.context, timeZone: 'Mars/Olympus' } }),
  'money decimals out of range': (c) => ({ ...c, context: { ...c.context, moneyDecimals: 11 } }),
  'session end before the last start': (c) => ({ ...c, context: { ...c.context, sessionEnd: '2000-01-01T00:00:00Z' } }),
  'session start not a date': (c) => ({ ...c, context: { ...c.context, sessionStart: 'yesterday' } }),
  'no context': (c) => ({ ...c, context: null }),
  'bound with many decimals': (c) => ({
    ...c,
    tariffs: c.tariffs.map((t) => ({
      ...t,
      elements: [{ price_components: [{ type: 'ENERGY', price: 1, step_size: 1 }], restrictions: { min_power: 1.0000000001 } }, ...t.elements],
    })),
  }),
  'two tariffs of one id': (c) => ({ ...c, tariffs: [c.tariffs[0], { ...c.tariffs[0], elements: [{ price_components: [{ type: 'FLAT', price: 9, step_size: 1 }] }] }] }),
  'invalid tariff': (c) => ({ ...c, tariffs: [{ ...c.tariffs[0], currency: 'euro' }] }),
  'mixed currencies': (c) => ({ ...c, tariffs: [c.tariffs[0], { ...c.tariffs[0], id: 'USD', currency: 'USD' }] }),
};

function withPeriod(c: { tariffs: TariffInput[] } & SessionCase, n: number, change: (p: SessionCase['periods'][number]) => SessionCase['periods'][number]) {
  const i = n % c.periods.length;
  return { ...c, periods: c.periods.map((p, j) => (j === i ? change(p) : p)) };
}

describe('fast engine = reference engine on unusual and invalid input', () => {
  test('price() gives the reference result or throws the reference error', () => {
    fc.assert(
      fc.property(arbCase, fc.constantFrom(...Object.keys(MUTATIONS)), fc.nat(), (c, name, n) => {
        const { tariffs, periods, context } = MUTATIONS[name](c, n);
        const call = (engine: typeof price) => outcome(() => engine(tariffs, periods as unknown[], context as never));
        const fast = call(price);
        const reference = call(referencePrice);
        expect(fast).toStrictEqual(reference);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(reference));
      }),
      { numRuns: 500 },
    );
  });
});
