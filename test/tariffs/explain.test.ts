/** explain(): which element applied when and what each dimension cost, as text and as data. */
import { explain, price } from '../../src/tariffs/index.js';
import { ZONE, aTariff, cut, local, pc } from './helpers.js';

const t = aTariff(
  [
    { price_components: [pc('FLAT', 0.5, 20)] },
    { price_components: [pc('TIME', 1.2, undefined, 1800), pc('PARKING_TIME', 1, undefined, 900)], restrictions: { start_time: '00:00', end_time: '17:00' } },
    { price_components: [pc('TIME', 2.4, undefined, 900), pc('PARKING_TIME', 1, undefined, 900)], restrictions: { start_time: '17:00', end_time: '20:00' } },
  ],
  { id: '22', min_price: { excl_vat: 2, incl_vat: 2.4 } },
);
const { periods, end } = cut(local('2024-01-15T16:55'), [
  { minutes: 5, state: 'charging', kwh: 1 },
  { minutes: 5, state: 'charging', kwh: 1 },
  { minutes: 2, state: 'parking' },
]);
const result = price(t, periods, { timeZone: ZONE, sessionEnd: end });

describe('explain', () => {
  const { lines, structured } = explain(result);

  test('states which element applied when, in local time, per dimension', () => {
    expect(structured.spans.filter((s) => s.dimension === 'TIME').map((s) => [s.component?.element_index, s.from_local, s.to_local])).toEqual([
      [1, '2024-01-15 16:55:00', '2024-01-15 17:00:00'],
      [2, '2024-01-15 17:00:00', '2024-01-15 17:07:00'],
    ]);
    expect(structured.spans.find((s) => s.dimension === 'ENERGY')).toMatchObject({ component: null, period_indexes: [0, 1, 2] });
    expect(lines).toContain('  TIME: elements[1] at 1.2000 (no VAT) from 2024-01-15 16:55:00 to 2024-01-15 17:00:00');
  });

  test('shows every charge with quantity, unit price, element and cost', () => {
    expect(lines).toContain('      TIME 0.0833 h x 2.4000/h (elements[2], no VAT) = 0.2000 excl / 0.2000 incl VAT');
    expect(lines).toContain('      ENERGY 1.0000 kWh: free (no component in force)');
  });

  test('explains the step_size rounding with the rule and the flat fee', () => {
    expect(lines).toContain('  PARKING_TIME: 0.0333 -> 0.2500 h (step 900 s): +0.2167 h billed at elements[2] = 0.2167 excl / 0.2167 incl VAT');
    expect(structured.step_rounding[0].rule).toMatch(/^S6/);
    expect(lines).toContain('  elements[0] from period #0 (fixed): 0.5000 excl / 0.6000 incl VAT');
  });

  test('reports min_price lifting the total and ends with the total', () => {
    // 0.50 + 0.10 + 0.20 + 0.25 = 1.05 excl, lifted to 2.00; incl 1.15 lifted to 2.40.
    expect(structured.price_limits).toEqual([
      { bound: 'min_price', field: 'excl_vat', before: 1.05, after: 2, derived: false },
      { bound: 'min_price', field: 'incl_vat', before: 1.15, after: 2.4, derived: false },
    ]);
    expect(lines[lines.length - 1]).toBe('  TOTAL 2.0000 excl / 2.4000 incl VAT');
    expect(structured.costs.total_cost).toEqual({ excl_vat: 2, incl_vat: 2.4 });
  });

  test('structured output is plain JSON (usable as an admin API response)', () => {
    expect(JSON.parse(JSON.stringify(structured))).toEqual(structured);
  });
});
