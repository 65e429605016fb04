/**
 * The worked examples of the OCPI 2.2.1 Tariffs module (digest 03-tariffs.md §6, T1-T18,
 * with the corrected numbers) and the step_size worked examples of §5.
 */
import type { PriceResult } from '../../src/tariffs/index.js';
import { ENGINES, ZONE, aTariff, cut, local, pc, type Segment } from './helpers.js';

const MON_0930 = local('2024-01-15T09:30');

// Every vector against the fast engine (its fast path, no fallback) and the reference engine.
describe.each(ENGINES)('%s', (_engine, price) => {
  function run(tariff: unknown, start: string, segments: Segment[], extra: { reservationExpired?: boolean } = {}): PriceResult {
    const { periods, end } = cut(start, segments);
    return price(tariff, periods, { timeZone: ZONE, sessionEnd: end, ...extra });
  }

  describe('OCPI 2.2.1 tariff examples T1-T18', () => {
    test('T1 tariff_8_simple_025kwh: 20 kWh at 0.25/kWh with 10% VAT costs 5.00 / 5.50', () => {
      const r = run(aTariff([{ price_components: [pc('ENERGY', 0.25, 10)] }]), MON_0930, [{ minutes: 120, state: 'charging', kwh: 20 }]);
      expect(r.total_cost).toEqual({ excl_vat: 5, incl_vat: 5.5 });
      expect(r.total_energy_cost).toEqual({ excl_vat: 5, incl_vat: 5.5 });
    });

    test('T2 tariff_9_025kwh_start: a FLAT start fee is added once and VAT is per component (5.50 / 6.10)', () => {
      const t = aTariff([{ price_components: [pc('FLAT', 0.5, 20), pc('ENERGY', 0.25, 10)] }]);
      const r = run(t, MON_0930, [
        { minutes: 60, state: 'charging', kwh: 12 },
        { minutes: 60, state: 'charging', kwh: 8 },
      ]);
      expect(r.total_cost).toEqual({ excl_vat: 5.5, incl_vat: 6.1 });
      expect(r.total_fixed_cost).toEqual({ excl_vat: 0.5, incl_vat: 0.6 });
      expect(r.flat_fees).toHaveLength(1);
    });

    test('T3 tariff_12_025kwh_min_price: min_price only lifts a lower total (20 kWh 5.00/5.50, 1 kWh -> 0.50/0.55)', () => {
      const t = aTariff([{ price_components: [pc('ENERGY', 0.25, 10)] }], { min_price: { excl_vat: 0.5, incl_vat: 0.55 } });
      expect(run(t, MON_0930, [{ minutes: 120, state: 'charging', kwh: 20 }]).total_cost).toEqual({ excl_vat: 5, incl_vat: 5.5 });
      const small = run(t, MON_0930, [{ minutes: 10, state: 'charging', kwh: 1 }]);
      expect(small.total_energy_cost).toEqual({ excl_vat: 0.25, incl_vat: 0.275 });
      expect(small.total_cost).toEqual({ excl_vat: 0.5, incl_vat: 0.55 });
      expect(small.price_limits.map((l) => l.field)).toEqual(['excl_vat', 'incl_vat']);
    });

    test('T4 tariff_10_025kwh_parking_start: 40 min parking is billed as 45 min (step 900 s), total 7.00 / 7.90', () => {
      const t = aTariff([{ price_components: [pc('FLAT', 0.5, 20), pc('ENERGY', 0.25, 10), pc('PARKING_TIME', 2, 20, 900)] }]);
      const r = run(t, MON_0930, [
        { minutes: 120, state: 'charging', kwh: 20 },
        { minutes: 40, state: 'parking' },
      ]);
      expect(r.total_parking_cost).toEqual({ excl_vat: 1.5, incl_vat: 1.8 });
      expect(r.billed_parking_time).toBe(0.75);
      expect(r.total_cost).toEqual({ excl_vat: 7, incl_vat: 7.9 });
    });

    describe('T5 tariff_6_025kwh_start_max_price', () => {
      const t = aTariff([{ price_components: [pc('FLAT', 0.5, 20), pc('ENERGY', 0.25, 10)] }], {
        max_price: { excl_vat: 10, incl_vat: 11 },
        end_date_time: '2019-06-30T23:59:59Z',
      });
      const start = local('2019-06-03T10:00');
      test('T5 max_price caps 50 kWh (raw 13.00 / 14.35) at 10.00 / 11.00', () => {
        const r = run(t, start, [{ minutes: 300, state: 'charging', kwh: 50 }]);
        expect(r.exact.total_energy_cost.excl_vat).toBe('12.5');
        expect(r.total_cost).toEqual({ excl_vat: 10, incl_vat: 11 });
        expect(r.price_limits).toEqual([
          { bound: 'max_price', field: 'excl_vat', before: 13, after: 10, derived: false },
          { bound: 'max_price', field: 'incl_vat', before: 14.35, after: 11, derived: false },
        ]);
      });
      test('T5 max_price leaves 30 kWh (8.00 / 8.85) alone', () => {
        expect(run(t, start, [{ minutes: 180, state: 'charging', kwh: 30 }]).total_cost).toEqual({ excl_vat: 8, incl_vat: 8.85 });
      });
    });

    test('T6 tariff_1_simple_2hour: 2.5 h charging at 2.00/h costs 5.00 / 5.50; no PARKING_TIME component means free parking', () => {
      const t = aTariff([{ price_components: [pc('TIME', 2, 10, 60)] }]);
      const r = run(t, MON_0930, [
        { minutes: 150, state: 'charging', kwh: 30 },
        { minutes: 30, state: 'parking' },
      ]);
      expect(r.total_cost).toEqual({ excl_vat: 5, incl_vat: 5.5 });
      expect(r.periods[1].unpriced).toEqual([{ dimension: 'PARKING_TIME', quantity: 0.5, unit: 'h' }]);
    });

    test('T7 tariff_13_simple_3hour_5parking: 150 min charging + 42 min parking (billed 45) costs 11.25 / 12.75', () => {
      const t = aTariff([{ price_components: [pc('TIME', 3, 10, 60), pc('PARKING_TIME', 5, 20, 300)] }]);
      const r = run(t, MON_0930, [
        { minutes: 150, state: 'charging', kwh: 25 },
        { minutes: 42, state: 'parking' },
      ]);
      expect(r.total_time_cost).toEqual({ excl_vat: 7.5, incl_vat: 8.25 });
      expect(r.total_parking_cost).toEqual({ excl_vat: 3.75, incl_vat: 4.5 });
      expect(r.total_cost).toEqual({ excl_vat: 11.25, incl_vat: 12.75 });
    });

    test('T8 tariff_2_alt_text: 2.5 h at 1.90/h with 5.2% VAT costs 4.75 / 4.997 (no rounding to cents)', () => {
      const t = aTariff([{ price_components: [pc('TIME', 1.9, 5.2, 300)] }], {
        type: 'AD_HOC_PAYMENT',
        tariff_alt_text: [{ language: 'en', text: '2.00 euro p/hour including VAT.' }],
      });
      expect(run(t, MON_0930, [{ minutes: 150, state: 'charging', kwh: 20 }]).total_cost).toEqual({ excl_vat: 4.75, incl_vat: 4.997 });
    });

    test('T9 tariff_3_alt_url: 20.45 kWh with an ENERGY step of 100 Wh is billed as 20.5 kWh (5.625 / 6.2375)', () => {
      const mk = (p: number) =>
        aTariff([{ price_components: [pc('FLAT', 0.5, 20), pc('ENERGY', p, 10, 100)] }], { type: 'PROFILE_CHEAP', tariff_alt_url: 'https://company.com/tariffs/13' });
      const r = run(mk(0.25), MON_0930, [{ minutes: 150, state: 'charging', kwh: 20.45 }]);
      expect(r.billed_energy).toBe(20.5);
      expect(r.total_energy_cost).toEqual({ excl_vat: 5.125, incl_vat: 5.6375 });
      expect(r.total_cost).toEqual({ excl_vat: 5.625, incl_vat: 6.2375 });
      const live = run(mk(0.22), MON_0930, [{ minutes: 150, state: 'charging', kwh: 20.45 }]);
      expect(live.total_energy_cost).toEqual({ excl_vat: 4.51, incl_vat: 4.961 });
      expect(live.total_cost).toEqual({ excl_vat: 5.01, incl_vat: 5.561 });
    });

    describe('T10 tariff_4_complex', () => {
      const t = aTariff(
        [
          { price_components: [pc('FLAT', 2.5, 15, 1)] },
          { price_components: [pc('TIME', 1, 20, 900)], restrictions: { max_current: 32 } },
          { price_components: [pc('TIME', 2, 20, 600)], restrictions: { min_current: 32, day_of_week: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] } },
          { price_components: [pc('TIME', 1.25, 20, 600)], restrictions: { min_current: 32, day_of_week: ['SATURDAY', 'SUNDAY'] } },
          {
            price_components: [pc('PARKING_TIME', 5, 10, 300)],
            restrictions: { start_time: '09:00', end_time: '18:00', day_of_week: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] },
          },
          { price_components: [pc('PARKING_TIME', 6, 10, 300)], restrictions: { start_time: '10:00', end_time: '17:00', day_of_week: ['SATURDAY'] } },
        ],
        { type: 'REGULAR', id: '14' },
      );

      test('T10a Monday 09:30, 165 min at <= 16 A then 42 min parked: charging time is not rounded because parking follows (9.00 / 10.30)', () => {
        const r = run(t, MON_0930, [
          { minutes: 165, state: 'charging', kwh: 10, extra: [{ type: 'MAX_CURRENT', volume: 16 }] },
          { minutes: 42, state: 'parking' },
        ]);
        expect(r.periods[0].in_force.TIME?.element_index).toBe(1);
        expect(r.periods[1].in_force.PARKING_TIME?.element_index).toBe(4);
        expect(r.total_time_cost).toEqual({ excl_vat: 2.75, incl_vat: 3.3 });
        expect(r.total_parking_cost).toEqual({ excl_vat: 3.75, incl_vat: 4.125 });
        expect(r.total_cost).toEqual({ excl_vat: 9, incl_vat: 10.3 });
      });

      test("T10b Saturday 13:30, 114 min at >= 43 A then 71 min parked: weekend TIME 1.25/h, parking 75 min at 6.00 (12.375 / 13.975, not d2's 12.28)", () => {
        const r = run(t, local('2024-01-20T13:30'), [
          { minutes: 114, state: 'charging', kwh: 40, extra: [{ type: 'MIN_CURRENT', volume: 43 }] },
          { minutes: 71, state: 'parking' },
        ]);
        expect(r.periods[0].in_force.TIME?.element_index).toBe(3);
        expect(r.total_time_cost).toEqual({ excl_vat: 2.375, incl_vat: 2.85 });
        expect(r.total_parking_cost).toEqual({ excl_vat: 7.5, incl_vat: 8.25 });
        expect(r.total_cost).toEqual({ excl_vat: 12.375, incl_vat: 13.975 });
      });
    });

    test('T11 tariff_5_free_of_charge: a single FLAT 0.00 (step_size 0, no VAT) costs 0 / 0', () => {
      const t = aTariff([{ price_components: [pc('FLAT', 0, undefined, 0)] }]);
      const r = run(t, MON_0930, [
        { minutes: 90, state: 'charging', kwh: 30 },
        { minutes: 60, state: 'parking' },
      ]);
      expect(r.total_cost).toEqual({ excl_vat: 0, incl_vat: 0 });
      expect(r.flat_fees).toHaveLength(1);
    });

    test('T12 tariff_15_reservation_5_euro_per_hour: 15 min reservation priced by the RESERVATION element, then the session (6.75 / 7.60)', () => {
      const t = aTariff([
        { price_components: [pc('TIME', 5, 20, 60)], restrictions: { reservation: 'RESERVATION' } },
        { price_components: [pc('FLAT', 0.5, 20), pc('ENERGY', 0.25, 10)] },
      ]);
      const r = run(t, MON_0930, [
        { minutes: 15, state: 'reservation' },
        { minutes: 120, state: 'charging', kwh: 20 },
      ]);
      expect(r.total_reservation_cost).toEqual({ excl_vat: 1.25, incl_vat: 1.5 });
      expect(r.total_time_cost).toEqual({ excl_vat: 0, incl_vat: 0 });
      expect(r.total_cost).toEqual({ excl_vat: 6.75, incl_vat: 7.6 });
    });

    test('T13 tariff_16_reservation_2_euro_fee: reservation FLAT and session FLAT are both billed; 13 min billed as 15 (8.75 / 10.00)', () => {
      const t = aTariff([
        { price_components: [pc('FLAT', 2, 20), pc('TIME', 5, 20, 300)], restrictions: { reservation: 'RESERVATION' } },
        { price_components: [pc('FLAT', 0.5, 20), pc('ENERGY', 0.25, 10)] },
      ]);
      const r = run(t, MON_0930, [
        { minutes: 13, state: 'reservation' },
        { minutes: 120, state: 'charging', kwh: 20 },
      ]);
      expect(r.billed_reservation_time).toBe(0.25);
      expect(r.total_reservation_cost).toEqual({ excl_vat: 3.25, incl_vat: 3.9 });
      expect(r.total_fixed_cost).toEqual({ excl_vat: 0.5, incl_vat: 0.6 });
      expect(r.total_cost).toEqual({ excl_vat: 8.75, incl_vat: 10 });
    });

    describe('T14 tariff_17_reservation_with_expire_fee', () => {
      const t = aTariff([
        { price_components: [pc('FLAT', 4, 20)], restrictions: { reservation: 'RESERVATION_EXPIRES' } },
        { price_components: [pc('TIME', 2, 20, 600)], restrictions: { reservation: 'RESERVATION' } },
        { price_components: [pc('FLAT', 0.5, 20), pc('ENERGY', 0.25, 10)] },
      ]);
      test('T14a used reservation: the expiry fee does not apply; 22 min billed as 30 (6.50 / 7.30)', () => {
        const r = run(t, MON_0930, [
          { minutes: 22, state: 'reservation' },
          { minutes: 120, state: 'charging', kwh: 20 },
        ]);
        expect(r.total_cost).toEqual({ excl_vat: 6.5, incl_vat: 7.3 });
      });
      test('T14b expired reservation of 1 h: RESERVATION_EXPIRES FLAT plus RESERVATION TIME, no session FLAT (6.00 / 7.20)', () => {
        const r = run(t, MON_0930, [{ minutes: 60, state: 'reservation' }]);
        expect(r.flat_fees.map((f) => f.element_index)).toEqual([0]);
        expect(r.total_cost).toEqual({ excl_vat: 6, incl_vat: 7.2 });
      });
    });

    describe('T15 tariff_18_reservation_with_expire_time', () => {
      const t = aTariff([
        { price_components: [pc('TIME', 6, 20, 600)], restrictions: { reservation: 'RESERVATION_EXPIRES' } },
        { price_components: [pc('TIME', 3, 20, 600)], restrictions: { reservation: 'RESERVATION' } },
        { price_components: [pc('FLAT', 0.5, 20), pc('ENERGY', 0.25, 10)] },
      ]);
      test('T15a used reservation: 22 min billed as 30 at the RESERVATION rate 3.00/h (7.00 / 7.90)', () => {
        const r = run(t, MON_0930, [
          { minutes: 22, state: 'reservation' },
          { minutes: 120, state: 'charging', kwh: 20 },
        ]);
        expect(r.total_cost).toEqual({ excl_vat: 7, incl_vat: 7.9 });
      });
      test('T15b expired reservation of 1.5 h: RESERVATION_EXPIRES TIME wins, no session FLAT (9.00 / 10.80)', () => {
        const r = run(t, MON_0930, [{ minutes: 90, state: 'reservation' }]);
        expect(r.total_cost).toEqual({ excl_vat: 9, incl_vat: 10.8 });
      });
    });

    test('T16 tariffrestriction_example_max_power: 1 kWh at 6 kW, 40 kWh at 48 kW, 0.5 kWh at 4 kW costs 20.30 excl (power switches elements on and off)', () => {
      const t = aTariff([
        { price_components: [pc('ENERGY', 0.2, 20)], restrictions: { max_power: 16 } },
        { price_components: [pc('ENERGY', 0.35, 20)], restrictions: { max_power: 32 } },
        { price_components: [pc('ENERGY', 0.5, 20)] },
      ]);
      const r = run(t, MON_0930, [
        { minutes: 10, state: 'charging', kwh: 1 },
        { minutes: 50, state: 'charging', kwh: 40 },
        { minutes: 7.5, state: 'charging', kwh: 0.5 },
      ]);
      expect(r.periods.map((p) => p.in_force.ENERGY?.element_index)).toEqual([0, 2, 0]);
      expect(r.total_cost).toEqual({ excl_vat: 20.3, incl_vat: 24.36 });
    });

    test('T17 tariffrestriction_example_max_duration: 5 kWh free in the first 30 min, then 1.2 kWh at 0.25 (0.30 excl)', () => {
      const t = aTariff([
        { price_components: [pc('ENERGY', 0, 20)], restrictions: { max_duration: 1800 } },
        { price_components: [pc('ENERGY', 0.25, 20)], restrictions: { max_duration: 3600 } },
        { price_components: [pc('ENERGY', 0.4, 20)] },
      ]);
      const r = run(t, MON_0930, [
        { minutes: 30, state: 'charging', kwh: 5 },
        { minutes: 10, state: 'charging', kwh: 1.2 },
      ]);
      expect(r.total_cost).toEqual({ excl_vat: 0.3, incl_vat: 0.36 });
    });

    describe('T18 tariff_14_step_size (no VAT)', () => {
      const t = aTariff(
        [
          { price_components: [pc('TIME', 1.2, undefined, 1800), pc('PARKING_TIME', 1, undefined, 900)], restrictions: { start_time: '00:00', end_time: '17:00' } },
          { price_components: [pc('TIME', 2.4, undefined, 900), pc('PARKING_TIME', 1, undefined, 900)], restrictions: { start_time: '17:00', end_time: '20:00' } },
          { price_components: [pc('TIME', 2.4, undefined, 900)], restrictions: { start_time: '20:00', end_time: '00:00' } },
        ],
        { id: '22' },
      );

      test('T18a S6: plug in 16:55, 10 min charging, 2 min parking: charging not rounded, parking 2 -> 15 min (0.55)', () => {
        const r = run(t, local('2024-01-15T16:55'), [
          { minutes: 5, state: 'charging' },
          { minutes: 5, state: 'charging' },
          { minutes: 2, state: 'parking' },
        ]);
        expect(r.total_time_cost.excl_vat).toBe(0.3);
        expect(r.total_parking_cost.excl_vat).toBe(0.25);
        expect(r.total_cost).toEqual({ excl_vat: 0.55, incl_vat: 0.55 });
      });

      test('T18b S3/S4: plug in 16:35, 35 min charging, no parking: total 35 -> 45 min with the last TIME step, extra at 2.40 (1.30)', () => {
        const r = run(t, local('2024-01-15T16:35'), [
          { minutes: 25, state: 'charging' },
          { minutes: 10, state: 'charging' },
        ]);
        expect(r.billed_time).toBe(0.75);
        expect(r.step_rounding).toMatchObject([{ group: 'TIME', element_index: 1, step_size: 900, period_index: 1 }]);
        expect(r.total_cost.excl_vat).toBe(1.3);
      });

      test('T18c S8 [errata]: 19:40 charge 12 min, park 20 min across 20:00: only the 8 billable parking min are rounded to 15 (0.73)', () => {
        const r = run(t, local('2024-01-15T19:40'), [
          { minutes: 12, state: 'charging' },
          { minutes: 8, state: 'parking' },
          { minutes: 12, state: 'parking' },
        ]);
        expect(r.total_time_cost.excl_vat).toBe(0.48);
        expect(r.total_parking_cost.excl_vat).toBe(0.25);
        expect(r.total_cost.excl_vat).toBe(0.73);
      });
    });
  });

  describe('step_size worked examples (digest §5)', () => {
    test('S6: TIME and PARKING both step 300 s, 21 min charging then 7 min parked: billed 21 min charging and 10 min parking', () => {
      const t = aTariff([{ price_components: [pc('TIME', 1, undefined, 300), pc('PARKING_TIME', 1, undefined, 300)] }]);
      const r = run(t, MON_0930, [
        { minutes: 21, state: 'charging' },
        { minutes: 7, state: 'parking' },
      ]);
      expect(r.billed_time).toBe(0.35);
      expect(r.billed_parking_time * 60).toBeCloseTo(10, 10);
    });

    test('S4: ENERGY 0.20 before 17:00 and 0.27 after, both 500 Wh: 4.3 + 1.1 kWh billed as 5.5 kWh total, extra at 0.27 (1.184)', () => {
      const t = aTariff([
        { price_components: [pc('ENERGY', 0.2, undefined, 500)], restrictions: { end_time: '17:00' } },
        { price_components: [pc('ENERGY', 0.27, undefined, 500)] },
      ]);
      const r = run(t, local('2024-01-15T16:00'), [
        { minutes: 60, state: 'charging', kwh: 4.3 },
        { minutes: 20, state: 'charging', kwh: 1.1 },
      ]);
      expect(r.billed_energy).toBe(5.5);
      expect(r.total_cost.excl_vat).toBe(1.184);
    });

    test('S4: TIME 5/h before 17:00 and 7/h after, both 600 s: 6 + 22 min billed as 30 min, 24 min at 7/h (3.30)', () => {
      const t = aTariff([{ price_components: [pc('TIME', 5, undefined, 600)], restrictions: { end_time: '17:00' } }, { price_components: [pc('TIME', 7, undefined, 600)] }]);
      const r = run(t, local('2024-01-15T16:54'), [
        { minutes: 6, state: 'charging' },
        { minutes: 22, state: 'charging' },
      ]);
      expect(r.total_cost.excl_vat).toBe(3.3);
    });

    test('S6: TIME 1.00/h and PARKING 2.00/h, both 600 s: 21 min charging + 16 min parking -> 21 + 20 min (1.0167)', () => {
      const t = aTariff([{ price_components: [pc('TIME', 1, undefined, 600), pc('PARKING_TIME', 2, undefined, 600)] }]);
      const r = run(t, MON_0930, [
        { minutes: 21, state: 'charging' },
        { minutes: 16, state: 'parking' },
      ]);
      expect(r.total_cost.excl_vat).toBe(1.0167);
      expect(r.exact.total_cost.excl_vat.startsWith('1.01666666')).toBe(true);
    });

    test.each([
      [1, '0.029', 0.116],
      [25, '0.03125', 0.125],
      [500, '0.125', 0.5],
    ])('S2: 115.2 Wh at 0.25/kWh with step_size %i Wh costs exactly %s', (step, expected, billedKwh) => {
      const t = aTariff([{ price_components: [pc('ENERGY', 0.25, undefined, step)] }]);
      const r = run(t, MON_0930, [{ minutes: 5, state: 'charging', kwh: 0.1152 }]);
      expect(r.billed_energy).toBe(billedKwh);
      expect(r.exact.total_cost.excl_vat).toBe(expected);
    });
  });
});
