/** Charging periods generated from a meter timeline, and their agreement with price(). */
import { chargingPeriodsFromTimeline, price, PricingInputError, type MeterTimelineInput } from '../../src/tariffs/index.js';
import { ZONE, aTariff, local, pc } from './helpers.js';

const minutesAfter = (iso: string, min: number) => new Date(Date.parse(iso) + min * 60_000).toISOString();
const dim = (p: { dimensions: { type: string; volume: number }[] }, type: string) => p.dimensions.find((d) => d.type === type)?.volume;

const stepSizeTariff = aTariff(
  [
    { price_components: [pc('TIME', 1.2, undefined, 1800), pc('PARKING_TIME', 1, undefined, 900)], restrictions: { start_time: '00:00', end_time: '17:00' } },
    { price_components: [pc('TIME', 2.4, undefined, 900), pc('PARKING_TIME', 1, undefined, 900)], restrictions: { start_time: '17:00', end_time: '20:00' } },
    { price_components: [pc('TIME', 2.4, undefined, 900)], restrictions: { start_time: '20:00', end_time: '00:00' } },
  ],
  { id: '22' },
);

describe('charging periods from a meter timeline', () => {
  test('splits at a time-of-day boundary (17:00) and at charging -> parking, and prices as T18a (0.55)', () => {
    const start = local('2024-01-15T16:55');
    const timeline: MeterTimelineInput = {
      start,
      end: minutesAfter(start, 12),
      events: [
        { at: start, state: 'CHARGING', meter_kwh: 100 },
        { at: minutesAfter(start, 10), state: 'PARKING', meter_kwh: 101.5 },
      ],
    };
    const g = chargingPeriodsFromTimeline(timeline, stepSizeTariff, { timeZone: ZONE });
    expect(g.charging_periods.map((p) => p.start_date_time)).toEqual([start, local('2024-01-15T17:00'), minutesAfter(start, 10)].map((s) => new Date(s).toISOString()));
    expect(dim(g.charging_periods[0], 'TIME')).toBeCloseTo(5 / 60, 12);
    expect(dim(g.charging_periods[0], 'ENERGY')).toBe(0.75);
    expect(dim(g.charging_periods[2], 'PARKING_TIME')).toBeCloseTo(2 / 60, 12);
    expect(price(stepSizeTariff, g.charging_periods, g.context).total_cost.excl_vat).toBe(0.55);
  });

  test('does not split where nothing changes price (one tariff element all along)', () => {
    const t = aTariff([{ price_components: [pc('ENERGY', 0.3, 21)] }]);
    const start = local('2024-01-15T10:00');
    const g = chargingPeriodsFromTimeline(
      {
        start,
        end: minutesAfter(start, 240),
        events: [
          { at: start, meter_kwh: 0 },
          { at: minutesAfter(start, 120), meter_kwh: 20 },
          { at: minutesAfter(start, 240), meter_kwh: 30 },
        ],
      },
      t,
      { timeZone: ZONE },
    );
    expect(g.charging_periods).toHaveLength(1);
    expect(dim(g.charging_periods[0], 'ENERGY')).toBe(30);
  });

  test('splits at a kWh threshold, interpolating the crossing, with exactly min_kwh delivered before the new period', () => {
    const t = aTariff([{ price_components: [pc('ENERGY', 0.4)], restrictions: { max_kwh: 10 } }, { price_components: [pc('ENERGY', 0.3)] }]);
    const start = local('2024-01-15T10:00');
    // 22 kW for one hour: 10 kWh is reached after 27 min 16.36 s.
    const g = chargingPeriodsFromTimeline(
      {
        start,
        end: minutesAfter(start, 60),
        events: [
          { at: start, meter_kwh: 5 },
          { at: minutesAfter(start, 60), meter_kwh: 27 },
        ],
      },
      t,
      { timeZone: ZONE },
    );
    expect(g.charging_periods).toHaveLength(2);
    expect(dim(g.charging_periods[0], 'ENERGY')).toBe(10);
    expect(dim(g.charging_periods[1], 'ENERGY')).toBe(12);
    const crossing = Date.parse(g.charging_periods[1].start_date_time) - Date.parse(start);
    expect(crossing).toBe(Math.ceil((10 / 22) * 3_600_000));
    const r = price(t, g.charging_periods, g.context);
    expect(r.periods[1].energy_before_kwh).toBe(10);
    expect(r.total_cost.excl_vat).toBe(7.6);
  });

  test('parking after charging becomes its own period with PARKING_TIME, and energy after it stops', () => {
    const t = aTariff([{ price_components: [pc('ENERGY', 0.25, 10), pc('PARKING_TIME', 2, 20, 900)] }]);
    const start = local('2024-01-15T10:00');
    const g = chargingPeriodsFromTimeline(
      {
        start,
        end: minutesAfter(start, 160),
        events: [
          { at: start, state: 'CHARGING', meter_kwh: 0 },
          { at: minutesAfter(start, 120), state: 'PARKING', meter_kwh: 20 },
        ],
      },
      t,
      { timeZone: ZONE },
    );
    expect(g.charging_periods.map((p) => p.dimensions.map((d) => d.type))).toEqual([['ENERGY', 'TIME'], ['PARKING_TIME']]);
    const r = price(t, g.charging_periods, g.context);
    expect(r.total_cost).toEqual({ excl_vat: 6.5, incl_vat: 7.3 });
    expect(r.total_time).toBeCloseTo(160 / 60, 12);
    expect(r.total_parking_time).toBeCloseTo(40 / 60, 12);
  });

  test('power samples switch max_power elements on and off (T16 from a timeline: 20.30 excl)', () => {
    const t = aTariff([
      { price_components: [pc('ENERGY', 0.2, 20)], restrictions: { max_power: 16 } },
      { price_components: [pc('ENERGY', 0.35, 20)], restrictions: { max_power: 32 } },
      { price_components: [pc('ENERGY', 0.5, 20)] },
    ]);
    const s = local('2024-01-15T10:00');
    const g = chargingPeriodsFromTimeline(
      {
        start: s,
        end: minutesAfter(s, 67.5),
        events: [
          { at: s, meter_kwh: 0, power_kw: 6 },
          { at: minutesAfter(s, 10), meter_kwh: 1, power_kw: 48 },
          { at: minutesAfter(s, 60), meter_kwh: 41, power_kw: 4 },
          { at: minutesAfter(s, 67.5), meter_kwh: 41.5 },
        ],
      },
      t,
      { timeZone: ZONE },
    );
    expect(g.charging_periods.map((p) => [dim(p, 'ENERGY'), dim(p, 'MAX_POWER')])).toEqual([
      [1, 6],
      [40, 48],
      [0.5, 4],
    ]);
    expect(price(t, g.charging_periods, g.context).total_cost.excl_vat).toBe(20.3);
  });

  test('a duration threshold cuts a period (T17 from a timeline: 0.30 excl)', () => {
    const t = aTariff([
      { price_components: [pc('ENERGY', 0, 20)], restrictions: { max_duration: 1800 } },
      { price_components: [pc('ENERGY', 0.25, 20)], restrictions: { max_duration: 3600 } },
      { price_components: [pc('ENERGY', 0.4, 20)] },
    ]);
    const s = local('2024-01-15T10:00');
    const g = chargingPeriodsFromTimeline(
      {
        start: s,
        end: minutesAfter(s, 40),
        events: [
          { at: s, meter_kwh: 0 },
          { at: minutesAfter(s, 30), meter_kwh: 5 },
          { at: minutesAfter(s, 40), meter_kwh: 6.2 },
        ],
      },
      t,
      { timeZone: ZONE },
    );
    expect(g.charging_periods.map((p) => p.start_date_time)).toEqual([s, minutesAfter(s, 30)].map((x) => new Date(x).toISOString()));
    expect(price(t, g.charging_periods, g.context).total_cost.excl_vat).toBe(0.3);
  });

  test('a reservation followed by charging yields RESERVATION_TIME then the session (T13 from a timeline: 8.75 / 10.00)', () => {
    const t = aTariff([
      { price_components: [pc('FLAT', 2, 20), pc('TIME', 5, 20, 300)], restrictions: { reservation: 'RESERVATION' } },
      { price_components: [pc('FLAT', 0.5, 20), pc('ENERGY', 0.25, 10)] },
    ]);
    const s = local('2024-01-15T10:00');
    const g = chargingPeriodsFromTimeline(
      {
        start: s,
        end: minutesAfter(s, 133),
        events: [
          { at: s, state: 'RESERVATION' },
          { at: minutesAfter(s, 13), state: 'CHARGING', meter_kwh: 0 },
          { at: minutesAfter(s, 133), meter_kwh: 20 },
        ],
      },
      t,
      { timeZone: ZONE },
    );
    expect(g.charging_periods[0].dimensions).toEqual([{ type: 'RESERVATION_TIME', volume: 13 / 60 }]);
    expect(g.context.sessionStart).toBe(new Date(minutesAfter(s, 13)).toISOString());
    expect(price(t, g.charging_periods, g.context).total_cost).toEqual({ excl_vat: 8.75, incl_vat: 10 });
  });

  test('cuts at the wall-clock boundary on a DST spring-forward night (02:30 does not exist; the element starts at 03:00 CEST)', () => {
    const t = aTariff([{ price_components: [pc('ENERGY', 0.1)], restrictions: { start_time: '02:30', end_time: '06:00' } }, { price_components: [pc('ENERGY', 0.3)] }]);
    const s = '2024-03-31T00:00:00.000Z'; // 01:00 CET
    const g = chargingPeriodsFromTimeline(
      {
        start: s,
        end: minutesAfter(s, 120),
        events: [
          { at: s, meter_kwh: 0 },
          { at: minutesAfter(s, 120), meter_kwh: 20 },
        ],
      },
      t,
      { timeZone: ZONE },
    );
    // Wall clock jumps 02:00 CET -> 03:00 CEST at 01:00Z, the first instant at or after 02:30 local.
    expect(g.charging_periods.map((p) => p.start_date_time)).toEqual(['2024-03-31T00:00:00.000Z', '2024-03-31T01:00:00.000Z']);
    expect(price(t, g.charging_periods, g.context).total_cost.excl_vat).toBe(4);
  });

  test('cuts twice on a DST fall-back night, when the wall clock passes 02:30 two times', () => {
    const t = aTariff([{ price_components: [pc('TIME', 6)], restrictions: { start_time: '02:30', end_time: '03:00' } }, { price_components: [pc('TIME', 0)] }]);
    const s = '2024-10-27T00:00:00.000Z'; // 02:00 CEST
    const g = chargingPeriodsFromTimeline({ start: s, end: minutesAfter(s, 120), events: [{ at: s, meter_kwh: 0 }] }, t, { timeZone: ZONE });
    // 02:30 CEST (00:30Z) -> 02:00 CET (01:00Z) -> 02:30 CET (01:30Z) -> 03:00 CET (02:00Z)
    expect(g.charging_periods.map((p) => p.start_date_time.slice(11, 16))).toEqual(['00:00', '00:30', '01:00', '01:30']);
    // Two half hours at 6.00/h are in force: 00:30-01:00Z and 01:30-02:00Z.
    expect(price(t, g.charging_periods, g.context).total_cost.excl_vat).toBe(6);
  });

  test('rejects a timeline whose energy register goes down, naming the event', () => {
    const s = local('2024-01-15T10:00');
    const bad = {
      start: s,
      end: minutesAfter(s, 10),
      events: [
        { at: s, meter_kwh: 5 },
        { at: minutesAfter(s, 5), meter_kwh: 4 },
      ],
    };
    expect(() => chargingPeriodsFromTimeline(bad, stepSizeTariff, { timeZone: ZONE })).toThrow(PricingInputError);
    try {
      chargingPeriodsFromTimeline(bad, stepSizeTariff, { timeZone: ZONE });
    } catch (e) {
      expect((e as PricingInputError).field).toBe('timeline.events[1].meter_kwh');
    }
  });
});

test('cuts at local midnight for a window given only by end_time (it starts at 00:00 implicitly)', () => {
  const t = aTariff([{ price_components: [pc('FLAT', 1)], restrictions: { end_time: '00:30' } }, { price_components: [pc('ENERGY', 0.2)] }]);
  const s = local('2024-10-26T22:53');
  const g = chargingPeriodsFromTimeline({ start: s, end: minutesAfter(s, 83), events: [{ at: s, meter_kwh: 0 }] }, t, { timeZone: ZONE });
  expect(g.charging_periods.map((p) => p.start_date_time)).toEqual([s, local('2024-10-27T00:00')].map((x) => new Date(x).toISOString()));
  expect(price(t, g.charging_periods, g.context).total_fixed_cost.excl_vat).toBe(1);
});
