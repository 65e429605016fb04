/** Property tests: invariants of the pricing rules over random tariffs and sessions. */
import Decimal from 'decimal.js';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { chargingPeriodsFromTimeline, price, type PriceResult } from '../../src/tariffs/index.js';
import { type ChargingPeriodInput } from '../../src/model/cdr.js';
import { arbTariff, arbTimeline, arbVat, arbPrice } from './arbitraries.js';
import { ZONE, aTariff, cut, local, pc } from './helpers.js';

const RUNS = { numRuns: 150 };
const YEAR_2024 = { from: Date.UTC(2024, 0, 1), to: Date.UTC(2024, 11, 31), reservation: true };

/** Everything money-related, at full precision. */
function fingerprint(r: PriceResult) {
  return { exact: r.exact, billed: [r.billed_energy, r.billed_time, r.billed_parking_time], flats: r.flat_fees.map((f) => f.element_index) };
}

/** Splits period `i` at `frac` of its span, sharing every quantity in exact decimals. */
function split(periods: ChargingPeriodInput[], end: string, i: number, frac: number): ChargingPeriodInput[] | null {
  const p = periods[i];
  const a = Date.parse(p.start_date_time);
  const b = Date.parse(i + 1 < periods.length ? periods[i + 1].start_date_time : end);
  const cutMs = Math.floor((b - a) * frac);
  if (cutMs < 1 || cutMs >= b - a) return null;
  const first: ChargingPeriodInput['dimensions'] = [];
  const second: ChargingPeriodInput['dimensions'] = [];
  for (const d of p.dimensions) {
    if (d.type === 'TIME' || d.type === 'PARKING_TIME' || d.type === 'RESERVATION_TIME') {
      const ms = new Decimal(d.volume).times(3_600_000).toDecimalPlaces(0);
      const part = Decimal.min(ms, cutMs);
      first.push({ type: d.type, volume: part.div(3_600_000).toNumber() });
      second.push({ type: d.type, volume: ms.minus(part).div(3_600_000).toNumber() });
    } else if (d.type === 'ENERGY') {
      // Strictly less than the whole, so the second half never starts on a kWh threshold the
      // original period only reached at its end.
      const e = new Decimal(d.volume);
      const part = e.times(frac).toDecimalPlaces(6, Decimal.ROUND_DOWN);
      first.push({ type: d.type, volume: part.toNumber() });
      second.push({ type: d.type, volume: e.minus(part).toNumber() });
    } else {
      first.push(d);
      second.push(d);
    }
  }
  return [...periods.slice(0, i), { ...p, dimensions: first }, { ...p, start_date_time: new Date(a + cutMs).toISOString(), dimensions: second }, ...periods.slice(i + 1)];
}

describe('pricing properties', () => {
  test('splitting a period into two with the same totals never changes the price (random tariffs, generated periods)', () => {
    fc.assert(
      fc.property(arbTariff(), arbTimeline(YEAR_2024), fc.nat(), fc.double({ min: 0.05, max: 0.95, noNaN: true }), (tariff, timeline, which, frac) => {
        const g = chargingPeriodsFromTimeline(timeline, tariff, { timeZone: ZONE });
        const periods = g.charging_periods as ChargingPeriodInput[];
        const splitted = split(periods, g.context.sessionEnd as string, which % periods.length, frac);
        fc.pre(splitted !== null);
        expect(fingerprint(price(tariff, splitted!, g.context))).toEqual(fingerprint(price(tariff, periods, g.context)));
      }),
      RUNS,
    );
  });

  test('the generator cuts exactly where needed: re-splitting generated periods anywhere, repeatedly, is still neutral', () => {
    fc.assert(
      fc.property(
        arbTariff({ maxElements: 3 }),
        arbTimeline(YEAR_2024),
        fc.array(fc.tuple(fc.nat(), fc.double({ min: 0.1, max: 0.9, noNaN: true })), { minLength: 1, maxLength: 4 }),
        (tariff, timeline, cuts) => {
          const g = chargingPeriodsFromTimeline(timeline, tariff, { timeZone: ZONE });
          const base = price(tariff, g.charging_periods, g.context);
          let periods = g.charging_periods as ChargingPeriodInput[];
          for (const [which, frac] of cuts) periods = split(periods, g.context.sessionEnd as string, which % periods.length, frac) ?? periods;
          expect(fingerprint(price(tariff, periods, g.context))).toEqual(fingerprint(base));
        },
      ),
      { numRuns: 100 },
    );
  });

  test('a single-element energy tariff is monotone in energy', () => {
    fc.assert(
      fc.property(
        arbPrice,
        arbVat,
        fc.constantFrom(1, 25, 100, 500, 1000),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        (p, vat, step, wh1, wh2) => {
          const t = aTariff([{ price_components: [pc('ENERGY', p, vat, step)] }]);
          const at = (wh: number) => {
            const { periods, end } = cut(local('2024-05-01T10:00'), [{ minutes: 60, state: 'charging', kwh: wh / 1000 }]);
            return price(t, periods, { timeZone: ZONE, sessionEnd: end }).exact.total_cost;
          };
          const [lo, hi] = wh1 <= wh2 ? [wh1, wh2] : [wh2, wh1];
          expect(new Decimal(at(lo).excl_vat).lte(at(hi).excl_vat)).toBe(true);
          expect(new Decimal(at(lo).incl_vat).lte(at(hi).incl_vat)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  test('for any energy-only tariff, more energy in the last (already billed) period never lowers the price', () => {
    fc.assert(
      fc.property(
        arbTariff({ types: ['ENERGY'] }),
        arbTimeline({ ...YEAR_2024, parking: false, reservation: false }),
        fc.integer({ min: 1, max: 50_000 }),
        (tariff, timeline, moreWh) => {
          const g = chargingPeriodsFromTimeline(timeline, tariff, { timeZone: ZONE });
          const base = price(tariff, g.charging_periods, g.context);
          const last = g.charging_periods.length - 1;
          const lastCharge = base.periods[last].charges.find((c) => c.dimension === 'ENERGY');
          fc.pre(lastCharge !== undefined);
          const more = g.charging_periods.map((p, i) =>
            i !== last ? p : { ...p, dimensions: p.dimensions.map((d) => (d.type === 'ENERGY' ? { ...d, volume: new Decimal(d.volume).plus(moreWh / 1000).toNumber() } : d)) },
          );
          const r = price(tariff, more, g.context);
          expect(new Decimal(base.exact.total_cost.excl_vat).lte(r.exact.total_cost.excl_vat)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  test('S3 makes multi-element energy prices non-monotone: the rounding extra follows the last component (documented, spec-conform)', () => {
    const t = aTariff([{ price_components: [pc('ENERGY', 0.1, undefined, 10_000)], restrictions: { max_kwh: 5 } }, { price_components: [pc('ENERGY', 0.1, undefined, 1)] }]);
    const at = (segments: { kwh: number }[]) => {
      const { periods, end } = cut(
        local('2024-05-01T10:00'),
        segments.map((s) => ({ minutes: 30, state: 'charging' as const, kwh: s.kwh })),
      );
      return price(t, periods, { timeZone: ZONE, sessionEnd: end }).total_cost.excl_vat;
    };
    expect(at([{ kwh: 4.9 }])).toBe(1); // 4.9 kWh rounded up to 10 kWh at the first element
    expect(at([{ kwh: 5 }, { kwh: 0.1 }])).toBe(0.51); // 5.1 kWh, the last component has a 1 Wh step
  });

  test('results do not depend on the date when no restriction reads the clock (DST days included)', () => {
    const shape = fc.tuple(arbTariff({ restrictions: { kwh: true, power: true, duration: true } }), arbTimeline({ from: 0, to: 0 }));
    const dstNights = [Date.UTC(2024, 2, 31, 0, 30), Date.UTC(2024, 9, 27, 0, 30), Date.UTC(2024, 6, 1, 0, 30)];
    fc.assert(
      fc.property(shape, fc.integer({ min: 0, max: 180 }), ([tariff, timeline], offsetMin) => {
        const results = dstNights.map((night) => {
          const shift = night + offsetMin * 60_000 - Date.parse(timeline.start);
          const moved = {
            start: new Date(Date.parse(timeline.start) + shift).toISOString(),
            end: new Date(Date.parse(timeline.end) + shift).toISOString(),
            events: timeline.events.map((e) => ({ ...e, at: new Date(Date.parse(e.at) + shift).toISOString() })),
          };
          const g = chargingPeriodsFromTimeline(moved, tariff, { timeZone: ZONE });
          return fingerprint(price(tariff, g.charging_periods, g.context));
        });
        expect(results[1]).toEqual(results[0]);
        expect(results[2]).toEqual(results[0]);
      }),
      { numRuns: 100 },
    );
  });

  test('with clock restrictions, what counts is local wall-clock time: a DST Sunday prices like a normal Sunday away from the switch hour', () => {
    fc.assert(
      fc.property(
        arbTariff({ restrictions: { wallClock: true, kwh: true, power: true, duration: true } }),
        arbTimeline({ from: 0, to: 0 }),
        fc.integer({ min: 6 * 60, max: 14 * 60 }),
        (tariff, timeline, localMinute) => {
          const span = Date.parse(timeline.end) - Date.parse(timeline.start);
          fc.pre(span <= 8 * 3_600_000);
          const onDay = (isoDate: string) => {
            // Wall-clock construction: plus({ minutes }) would add elapsed time and land an hour later
            // on the DST day.
            const startMs = DateTime.fromISO(isoDate, { zone: ZONE })
              .set({ hour: Math.floor(localMinute / 60), minute: localMinute % 60 })
              .toMillis();
            const shift = startMs - Date.parse(timeline.start);
            const moved = {
              start: new Date(startMs).toISOString(),
              end: new Date(Date.parse(timeline.end) + shift).toISOString(),
              events: timeline.events.map((e) => ({ ...e, at: new Date(Date.parse(e.at) + shift).toISOString() })),
            };
            const g = chargingPeriodsFromTimeline(moved, tariff, { timeZone: ZONE });
            return fingerprint(price(tariff, g.charging_periods, g.context));
          };
          // 2024-03-31 (clocks go forward at 02:00) and 2024-03-24 are both Sundays.
          expect(onDay('2024-03-31')).toEqual(onDay('2024-03-24'));
        },
      ),
      { numRuns: 100 },
    );
  });

  test('min_price and max_price bound the total, excl and incl VAT independently, and leave totals in range alone', () => {
    const bounds = fc
      .tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 100, max: 125 }))
      .map(([a, b, vatPct]) => {
        const [lo, hi] = a <= b ? [a / 100, b / 100] : [b / 100, a / 100];
        return { min_price: { excl_vat: lo, incl_vat: Math.round(lo * vatPct) / 100 }, max_price: { excl_vat: hi, incl_vat: Math.round(hi * vatPct) / 100 } };
      })
      .filter((b) => b.min_price.incl_vat <= b.max_price.incl_vat);
    fc.assert(
      fc.property(arbTariff(), bounds, arbTimeline(YEAR_2024), (tariff, b, timeline) => {
        const g = chargingPeriodsFromTimeline(timeline, tariff, { timeZone: ZONE });
        const raw = price(tariff, g.charging_periods, g.context).exact.total_cost;
        const r = price({ ...tariff, ...b }, g.charging_periods, g.context).exact.total_cost;
        for (const f of ['excl_vat', 'incl_vat'] as const) {
          const lo = new Decimal(b.min_price[f]);
          const hi = new Decimal(b.max_price[f]);
          const total = new Decimal(r[f]);
          expect(total.gte(lo) && total.lte(hi)).toBe(true);
          const inRange = new Decimal(raw[f]).gte(lo) && new Decimal(raw[f]).lte(hi);
          if (inRange) expect(r[f]).toBe(raw[f]);
        }
      }),
      RUNS,
    );
  });
});
