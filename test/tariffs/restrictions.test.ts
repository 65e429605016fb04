/** Restriction semantics: bounds, local time, midnight-crossing windows, unknown inputs, tariff switches. */
import { timeWindowHolds } from '../../src/tariffs/restrictions.js';
import { ENGINES, ZONE, aTariff, cut, local, pc, type Segment } from './helpers.js';

const H = 3_600_000;

// Against the fast engine (its fast path, no fallback) and the reference engine.
describe.each(ENGINES)('%s', (_engine, price) => {
  describe('time-of-day windows', () => {
    test.each([
      ['09:00-18:00 includes its start', 9, 18, 9, true],
      ['09:00-18:00 excludes its end', 9, 18, 18, false],
      ['22:00-06:00 wraps past midnight (23:00)', 22, 6, 23, true],
      ['22:00-06:00 wraps past midnight (05:59)', 22, 6, 5.99, true],
      ['22:00-06:00 excludes midday', 22, 6, 12, false],
      ['only start_time 20:00 runs to midnight', 20, null, 23.99, true],
      ['only end_time 06:00 runs from midnight', null, 6, 0, true],
      ['equal bounds mean the whole day', 10, 10, 3, true],
    ])('%s', (_name, start, end, at, expected) => {
      expect(timeWindowHolds(start === null ? null : start * H, end === null ? null : end * H, at * H)).toBe(expected);
    });

    test('end_time 00:00 means midnight at the end of the day (20:00-00:00 holds at 23:59)', () => {
      const t = aTariff([{ price_components: [pc('ENERGY', 0.5)], restrictions: { start_time: '20:00', end_time: '00:00' } }, { price_components: [pc('ENERGY', 0.2)] }]);
      const { periods, end } = cut(local('2024-01-15T23:59'), [{ minutes: 1, state: 'charging', kwh: 1 }]);
      expect(price(t, periods, { timeZone: ZONE, sessionEnd: end }).total_cost.excl_vat).toBe(0.5);
    });

    test('a night window 22:00-06:00 prices periods on both sides of midnight and not the evening', () => {
      const t = aTariff([{ price_components: [pc('ENERGY', 0.1)], restrictions: { start_time: '22:00', end_time: '06:00' } }, { price_components: [pc('ENERGY', 0.3)] }]);
      const segs: Segment[] = [
        { minutes: 60, state: 'charging', kwh: 10 }, // 21:00-22:00 day rate
        { minutes: 120, state: 'charging', kwh: 10 }, // 22:00-00:00 night
        { minutes: 360, state: 'charging', kwh: 10 }, // 00:00-06:00 night
        { minutes: 60, state: 'charging', kwh: 10 }, // 06:00-07:00 day
      ];
      const { periods, end } = cut(local('2024-01-15T21:00'), segs);
      const r = price(t, periods, { timeZone: ZONE, sessionEnd: end });
      expect(r.periods.map((p) => p.in_force.ENERGY?.element_index)).toEqual([1, 0, 0, 1]);
      expect(r.total_cost.excl_vat).toBe(8);
    });
  });

  describe('calendar restrictions are read in the location time zone', () => {
    const weekend = aTariff([{ price_components: [pc('ENERGY', 0.1)], restrictions: { day_of_week: ['SATURDAY', 'SUNDAY'] } }, { price_components: [pc('ENERGY', 0.3)] }]);

    test('Sunday 23:30 UTC is already Monday in Amsterdam: the weekday rate does not apply', () => {
      const periods = [{ start_date_time: '2024-01-14T23:30:00Z', dimensions: [{ type: 'ENERGY' as const, volume: 10 }] }];
      const ctx = { sessionEnd: '2024-01-15T00:00:00Z' };
      expect(price(weekend, periods, { ...ctx, timeZone: ZONE }).total_cost.excl_vat).toBe(3);
      expect(price(weekend, periods, { ...ctx, timeZone: 'UTC' }).total_cost.excl_vat).toBe(1);
    });

    test('start_date is inclusive and end_date exclusive, by local date', () => {
      const promo = aTariff([
        { price_components: [pc('ENERGY', 0)], restrictions: { start_date: '2024-12-24', end_date: '2024-12-27' } },
        { price_components: [pc('ENERGY', 0.3)] },
      ]);
      const at = (iso: string) => {
        const { periods, end } = cut(local(iso), [{ minutes: 10, state: 'charging', kwh: 1 }]);
        return price(promo, periods, { timeZone: ZONE, sessionEnd: end }).total_cost.excl_vat;
      };
      expect(at('2024-12-23T23:59')).toBe(0.3);
      expect(at('2024-12-24T00:00')).toBe(0);
      expect(at('2024-12-26T23:50')).toBe(0);
      expect(at('2024-12-27T00:00')).toBe(0.3);
    });
  });

  describe('session-relative restrictions', () => {
    test('min_kwh is inclusive: a period starting with exactly 20 kWh delivered gets the element; max_kwh exclusive', () => {
      const t = aTariff([
        { price_components: [pc('ENERGY', 0.4)], restrictions: { max_kwh: 20 } },
        { price_components: [pc('ENERGY', 0.2)], restrictions: { min_kwh: 20 } },
      ]);
      const { periods, end } = cut(local('2024-01-15T10:00'), [
        { minutes: 60, state: 'charging', kwh: 20 },
        { minutes: 60, state: 'charging', kwh: 5 },
      ]);
      const r = price(t, periods, { timeZone: ZONE, sessionEnd: end });
      expect(r.periods.map((p) => [p.energy_before_kwh, p.in_force.ENERGY?.element_index])).toEqual([
        [0, 0],
        [20, 1],
      ]);
      expect(r.total_cost.excl_vat).toBe(9);
    });

    test('min_duration counts from the charging session start, not from a reservation before it', () => {
      const t = aTariff([
        { price_components: [pc('TIME', 0, undefined, 1)], restrictions: { reservation: 'RESERVATION' } },
        { price_components: [pc('TIME', 6)], restrictions: { min_duration: 3600 } },
        { price_components: [pc('TIME', 1)] },
      ]);
      const { periods, end } = cut(local('2024-01-15T10:00'), [
        { minutes: 30, state: 'reservation' },
        { minutes: 30, state: 'charging' },
        { minutes: 60, state: 'charging' },
      ]);
      const r = price(t, periods, { timeZone: ZONE, sessionEnd: end });
      // The second charging period starts 30 min into the session (60 min after the reservation): still 1.00/h.
      expect(r.periods.map((p) => p.in_force.TIME?.element_index ?? p.in_force.RESERVATION_TIME?.element_index)).toEqual([0, 2, 2]);
      expect(r.total_cost.excl_vat).toBe(1.5);
    });

    test('a current restriction with no current figure does not apply, and the result says so', () => {
      const t = aTariff([{ price_components: [pc('TIME', 5)], restrictions: { min_current: 32 } }, { price_components: [pc('TIME', 1)] }]);
      const { periods, end } = cut(local('2024-01-15T10:00'), [{ minutes: 60, state: 'charging', kwh: 20 }]);
      const r = price(t, periods, { timeZone: ZONE, sessionEnd: end });
      expect(r.total_cost.excl_vat).toBe(1);
      expect(r.warnings).toEqual([expect.stringContaining('current restriction could not be evaluated')]);
    });

    test('a period reporting only energy is taken as charging for its whole span when a power restriction needs a figure', () => {
      const t = aTariff([{ price_components: [pc('ENERGY', 0.5)], restrictions: { min_power: 50 } }, { price_components: [pc('ENERGY', 0.3)] }]);
      const fast = [{ start_date_time: local('2024-01-15T10:00'), dimensions: [{ type: 'ENERGY' as const, volume: 30 }] }];
      // 30 kWh in 30 min = 60 kW average.
      expect(price(t, fast, { timeZone: ZONE, sessionEnd: local('2024-01-15T10:30') }).total_cost.excl_vat).toBe(15);
      expect(price(t, fast, { timeZone: ZONE, sessionEnd: local('2024-01-15T11:00') }).total_cost.excl_vat).toBe(9);
    });
  });

  describe('several tariffs in one session (charging-preference change)', () => {
    const regular = aTariff([{ price_components: [pc('FLAT', 1), pc('TIME', 2, undefined, 900)] }], { id: 'REG', type: 'REGULAR' });
    const fast = aTariff([{ price_components: [pc('FLAT', 3), pc('TIME', 6, undefined, 600)] }], { id: 'FAST', type: 'PROFILE_FAST' });

    test('each period is priced by its tariff_id, FLAT fees of both apply, and step_size rounds once at the end (S7)', () => {
      const { periods, end } = cut(local('2024-01-15T10:00'), [
        { minutes: 7, state: 'charging', tariff_id: 'REG' },
        { minutes: 5, state: 'charging', tariff_id: 'FAST' },
      ]);
      const r = price([regular, fast], periods, { timeZone: ZONE, sessionEnd: end });
      expect(r.tariff_ids).toEqual(['REG', 'FAST']);
      expect(r.total_fixed_cost.excl_vat).toBe(4);
      // 12 min total -> 20 min with FAST's 600 s step: 7 min at 2/h + 13 min at 6/h.
      expect(r.billed_time * 60).toBeCloseTo(20, 10);
      expect(r.exact.total_time_cost.excl_vat).toMatch(/^1\.5333333333/);
      expect(r.step_rounding).toMatchObject([{ tariff_id: 'FAST', step_size: 600 }]);
      expect(r.total_time_cost.excl_vat).toBe(1.5333);
    });
  });
});
