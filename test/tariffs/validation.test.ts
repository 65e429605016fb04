/** Bad tariffs and bad pricing input are refused with the offending field named, never priced. */
import { PricingInputError, TariffValidationError, compileTariff, price, validateTariff } from '../../src/tariffs/index.js';
import { ZONE, aTariff, cut, local, pc } from './helpers.js';

function validationError(input: unknown): TariffValidationError {
  try {
    validateTariff(input);
  } catch (e) {
    if (e instanceof TariffValidationError) return e;
    throw e;
  }
  throw new Error('expected a TariffValidationError');
}

const energy = { price_components: [pc('ENERGY', 0.25, 10)] };

describe('tariff validation', () => {
  test.each([
    ['min_kwh above max_kwh', { min_kwh: 50, max_kwh: 20 }, 'elements[0].restrictions.min_kwh', 'min_kwh (50) must be lower than max_kwh (20)'],
    ['min_kwh equal to max_kwh (an empty range)', { min_kwh: 20, max_kwh: 20 }, 'elements[0].restrictions.min_kwh', 'min_kwh (20) must be lower than max_kwh (20)'],
    ['min_power above max_power', { min_power: 50, max_power: 22 }, 'elements[0].restrictions.min_power', 'min_power (50) must be lower than max_power (22)'],
    ['min_current above max_current', { min_current: 32, max_current: 16 }, 'elements[0].restrictions.min_current', 'min_current (32) must be lower than max_current (16)'],
    [
      'min_duration above max_duration',
      { min_duration: 3600, max_duration: 1800 },
      'elements[0].restrictions.min_duration',
      'min_duration (3600) must be lower than max_duration (1800)',
    ],
    [
      'start_date after end_date',
      { start_date: '2024-05-01', end_date: '2024-04-01' },
      'elements[0].restrictions.start_date',
      'start_date (2024-05-01) must be before end_date (2024-04-01); end_date is exclusive',
    ],
    ['a negative min_kwh', { min_kwh: -1 }, 'elements[0].restrictions.min_kwh', 'must not be negative'],
    ['a fractional duration', { max_duration: 12.5 }, 'elements[0].restrictions.max_duration', 'must be a whole number of seconds'],
    ['a time of day 24:00', { start_time: '24:00' }, 'elements[0].restrictions.start_time', 'must be a time of day HH:MM between 00:00 and 23:59'],
    ['a date that does not exist', { start_date: '2023-02-30' }, 'elements[0].restrictions.start_date', 'must be a real calendar date'],
  ])('refuses %s', (_name, restrictions, field, message) => {
    const err = validationError(aTariff([{ ...energy, restrictions }]));
    expect(err.field).toBe(field);
    expect(err.issues).toContainEqual({ field, message });
    expect(err.message).toBe(`Invalid tariff: ${field}: ${message}`);
  });

  test('refuses a negative price, naming the component', () => {
    const err = validationError(aTariff([{ price_components: [pc('FLAT', 1), pc('ENERGY', -0.25)] }]));
    expect(err.field).toBe('elements[0].price_components[1].price');
    expect(err.issues[0].message).toBe('must not be negative');
  });

  test('refuses an unknown dimension type', () => {
    const err = validationError(aTariff([{ price_components: [{ type: 'kWh' as 'ENERGY', price: 0.25, step_size: 1 }] }]));
    expect(err.field).toBe('elements[0].price_components[0].type');
    expect(err.issues[0].message).toMatch(/ENERGY.*FLAT.*PARKING_TIME.*TIME/);
  });

  test.each([
    ['ENERGY', 0, 'must be at least 1 for ENERGY (it is 0)'],
    ['TIME', -300, 'must be at least 1 for TIME (it is -300)'],
    ['FLAT', -1, 'must not be negative (it is -1)'],
  ] as const)('refuses step_size for %s of %i', (type, step, message) => {
    const err = validationError(aTariff([{ price_components: [pc(type, 1, undefined, step)] }]));
    expect(err.field).toBe('elements[0].price_components[0].step_size');
    expect(err.issues[0].message).toBe(message);
  });

  test("accepts step_size 0 on FLAT (the spec's own free-of-charge tariff uses it)", () => {
    expect(() => validateTariff(aTariff([{ price_components: [pc('FLAT', 0, undefined, 0)] }]))).not.toThrow();
  });

  test('refuses a fractional step_size', () => {
    expect(validationError(aTariff([{ price_components: [pc('TIME', 1, undefined, 1.5)] }])).field).toBe('elements[0].price_components[0].step_size');
  });

  test('refuses two components of the same dimension in one element', () => {
    const err = validationError(aTariff([{ price_components: [pc('ENERGY', 0.2), pc('ENERGY', 0.3)] }]));
    expect(err.field).toBe('elements[0].price_components[1].type');
    expect(err.issues[0].message).toBe('duplicate ENERGY component (already at price_components[0])');
  });

  test('refuses min_price above max_price, and an empty element list', () => {
    expect(validationError(aTariff([energy], { min_price: { excl_vat: 20 }, max_price: { excl_vat: 10 } })).field).toBe('min_price.excl_vat');
    expect(validationError(aTariff([])).field).toBe('elements');
  });

  test('refuses a missing required field and a lower-case currency', () => {
    const { last_updated: _, ...noUpdate } = aTariff([energy]);
    expect(validationError(noUpdate).field).toBe('last_updated');
    expect(validationError(aTariff([energy], { currency: 'eur' })).field).toBe('currency');
  });

  test('lists every problem, not just the first', () => {
    const err = validationError(aTariff([{ price_components: [pc('ENERGY', -1)], restrictions: { min_kwh: 5, max_kwh: 1 } }]));
    expect(err.issues.map((i) => i.field).sort()).toEqual(['elements[0].price_components[0].price', 'elements[0].restrictions.min_kwh']);
  });

  test('is tolerant on receive: unknown fields are dropped, optional fields may be null', () => {
    const t = validateTariff({
      ...aTariff([{ price_components: [{ ...pc('ENERGY', 0.25), vat: null }], restrictions: null }]),
      tax_included: 'NO',
      type: null,
      tariff_alt_text: null,
      energy_mix: null,
    });
    expect(t).not.toHaveProperty('tax_included');
    expect(t.elements[0].price_components[0].vat).toBeNull();
  });

  test('price() refuses a bad tariff with the same error instead of pricing it', () => {
    const { periods, end } = cut(local('2024-01-15T10:00'), [{ minutes: 60, state: 'charging', kwh: 10 }]);
    expect(() => price(aTariff([{ ...energy, restrictions: { min_kwh: 5, max_kwh: 1 } }]), periods, { timeZone: ZONE, sessionEnd: end })).toThrow(TariffValidationError);
  });

  test('keeps a reservation element with an ENERGY component usable, with a warning that ENERGY is ignored there', () => {
    const t = compileTariff(aTariff([{ price_components: [pc('TIME', 2), pc('ENERGY', 1)], restrictions: { reservation: 'RESERVATION' } }, energy]));
    expect(t.warnings).toEqual(['elements[0].price_components[1]: ENERGY is ignored in a reservation element (only FLAT and TIME apply)']);
  });
});

describe('pricing input validation', () => {
  const t = aTariff([energy]);
  const start = local('2024-01-15T10:00');

  function inputError(fn: () => unknown): PricingInputError {
    try {
      fn();
    } catch (e) {
      if (e instanceof PricingInputError) return e;
      throw e;
    }
    throw new Error('expected a PricingInputError');
  }

  test('an unknown time zone', () => {
    const { periods, end } = cut(start, [{ minutes: 60, state: 'charging', kwh: 10 }]);
    expect(inputError(() => price(t, periods, { timeZone: 'Mars/Olympus_Mons', sessionEnd: end })).field).toBe('context.timeZone');
  });

  test('an unknown dimension type in a period', () => {
    const periods = [{ start_date_time: start, dimensions: [{ type: 'FLAT', volume: 1 }] }];
    expect(inputError(() => price(t, periods, { timeZone: ZONE, sessionEnd: start })).field).toBe('charging_periods[0].dimensions[0].type');
  });

  test('periods out of time order', () => {
    const { periods, end } = cut(start, [
      { minutes: 60, state: 'charging', kwh: 10 },
      { minutes: 60, state: 'charging', kwh: 10 },
    ]);
    const err = inputError(() => price(t, [periods[1], periods[0]], { timeZone: ZONE, sessionEnd: end }));
    expect(err.field).toBe('charging_periods[1].start_date_time');
  });

  test('a negative time volume', () => {
    const periods = [{ start_date_time: start, dimensions: [{ type: 'TIME', volume: -1 }] }];
    expect(inputError(() => price(t, periods, { timeZone: ZONE, sessionEnd: start })).field).toBe('charging_periods[0].dimensions[0].volume');
  });

  test('a period naming a tariff that was not supplied', () => {
    const periods = [{ start_date_time: start, dimensions: [{ type: 'ENERGY', volume: 1 }], tariff_id: 'OTHER' }];
    const err = inputError(() => price(t, periods, { timeZone: ZONE, sessionEnd: start }));
    expect(err.field).toBe('charging_periods[0].tariff_id');
  });

  test('tariffs in different currencies', () => {
    const { periods, end } = cut(start, [{ minutes: 60, state: 'charging', kwh: 10 }]);
    const err = inputError(() => price([t, aTariff([energy], { id: 'U', currency: 'USD' })], periods, { timeZone: ZONE, sessionEnd: end }));
    expect(err.message).toBe('Invalid pricing input: tariffs: mixes currencies EUR and USD');
  });
});
