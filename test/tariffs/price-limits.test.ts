/** min_price / max_price and VAT details beyond the spec's worked examples. */
import { ENGINES, ZONE, aTariff, cut, local, pc } from './helpers.js';

// Against the fast engine (its fast path, no fallback) and the reference engine.
describe.each(ENGINES)('%s', (_engine, price) => {
  function run(tariff: unknown, kwh: number, minutes = 60) {
    const { periods, end } = cut(local('2024-01-15T10:00'), [{ minutes, state: 'charging', kwh }]);
    return price(tariff, periods, { timeZone: ZONE, sessionEnd: end });
  }

  describe('min_price / max_price', () => {
    test('clamps excl and incl independently: with mixed VAT only the incl bound may bind', () => {
      // FLAT 1.00 at 0 % VAT + ENERGY at 25 %: 2 kWh -> excl 1.50, incl 1.625.
      const t = aTariff([{ price_components: [pc('FLAT', 1, 0), pc('ENERGY', 0.25, 25)] }], { min_price: { excl_vat: 1.4, incl_vat: 1.75 } });
      const r = run(t, 2);
      expect(r.total_cost).toEqual({ excl_vat: 1.5, incl_vat: 1.75 });
      expect(r.price_limits).toEqual([{ bound: 'min_price', field: 'incl_vat', before: 1.625, after: 1.75, derived: false }]);
    });

    test("a bound without incl_vat scales incl_vat with the session's own VAT ratio", () => {
      const t = aTariff([{ price_components: [pc('ENERGY', 0.25, 10)] }], { min_price: { excl_vat: 0.5 } });
      const r = run(t, 1);
      expect(r.total_cost).toEqual({ excl_vat: 0.5, incl_vat: 0.55 });
      expect(r.price_limits[1]).toEqual({ bound: 'min_price', field: 'incl_vat', before: 0.275, after: 0.55, derived: true });
    });

    test("a zero-cost session under min_price without incl_vat takes the tariff's single VAT rate, or none when rates differ", () => {
      const single = aTariff([{ price_components: [pc('ENERGY', 0.25, 10)] }], { min_price: { excl_vat: 0.5 } });
      expect(run(single, 0).total_cost).toEqual({ excl_vat: 0.5, incl_vat: 0.55 });
      const mixed = aTariff([{ price_components: [pc('FLAT', 0, 20), pc('ENERGY', 0.25, 10)] }], { min_price: { excl_vat: 0.5 } });
      expect(run(mixed, 0).total_cost).toEqual({ excl_vat: 0.5, incl_vat: 0.5 });
    });

    test('max_price caps the total while the per-dimension costs keep what was consumed', () => {
      const t = aTariff([{ price_components: [pc('ENERGY', 0.5, 20)] }], { max_price: { excl_vat: 10, incl_vat: 12 } });
      const r = run(t, 40, 120);
      expect(r.total_energy_cost).toEqual({ excl_vat: 20, incl_vat: 24 });
      expect(r.total_cost).toEqual({ excl_vat: 10, incl_vat: 12 });
    });
  });

  describe('VAT', () => {
    test('absent VAT and 0 % VAT cost the same but stay distinguishable in the breakdown', () => {
      const none = run(aTariff([{ price_components: [pc('ENERGY', 0.3)] }]), 10);
      const zero = run(aTariff([{ price_components: [pc('ENERGY', 0.3, 0)] }]), 10);
      expect(none.total_cost).toEqual(zero.total_cost);
      expect(none.periods[0].charges[0].vat).toBeNull();
      expect(zero.periods[0].charges[0].vat).toBe(0);
    });

    test('money is exact: 3 x 0.1 kWh at 0.1/kWh is 0.03, not 0.030000000000000006', () => {
      const t = aTariff([{ price_components: [pc('ENERGY', 0.1, 21)] }]);
      const { periods, end } = cut(
        local('2024-01-15T10:00'),
        [0.1, 0.1, 0.1].map((kwh) => ({ minutes: 1, state: 'charging' as const, kwh })),
      );
      const r = price(t, periods, { timeZone: ZONE, sessionEnd: end });
      expect(r.exact.total_cost).toEqual({ excl_vat: '0.03', incl_vat: '0.0363' });
    });

    test('float noise in the input (0.1 + 0.2 kWh) does not cost an extra Wh step', () => {
      const t = aTariff([{ price_components: [pc('ENERGY', 1, undefined, 1)] }]);
      expect(run(t, 0.1 + 0.2).billed_energy).toBe(0.3);
      // 10 minutes as a JSON number of hours is 0.16666666666666666: still exactly one 600 s step.
      const tt = aTariff([{ price_components: [pc('TIME', 6, undefined, 600)] }]);
      expect(run(tt, 0, 10).total_cost.excl_vat).toBe(1);
    });
  });
});
