/** Tariff and Credentials between OCPI 2.1.1 and the 2.2.1 model, from the specs' examples. */
import { ReceivedTariff } from '../../../src/model/tariff.js';
import { credentialsFrom211, credentialsTo211, endpointRole, endpointsTo211 } from '../../../src/modules/2.1.1/credentials/translate.js';
import { Tariff211 } from '../../../src/modules/2.1.1/tariffs/schemas.js';
import { tariffFrom211, tariffTo211 } from '../../../src/modules/2.1.1/tariffs/translate.js';

const owner = { country_code: 'NL', party_id: 'CPO' };

/** The 2.1.1 spec's tariff example "12": a kWh price, and a parking price only during the day. */
const example211 = {
  id: '12',
  currency: 'EUR',
  elements: [
    { price_components: [{ type: 'TIME', price: 2.0, step_size: 300 }] },
    {
      price_components: [{ type: 'PARKING_TIME', price: 5.0, step_size: 300 }],
      restrictions: { start_time: '09:00', end_time: '18:00', day_of_week: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] },
    },
  ],
  last_updated: '2015-06-29T20:39:09Z',
};

describe('Tariff', () => {
  test('2.1.1 → 2.2.1: owner from the peer’s party, prices and restrictions as they are, nothing invented', () => {
    const t = tariffFrom211(Tariff211.parse(example211), owner);
    expect(ReceivedTariff.safeParse(t).success).toBe(true);
    expect(t).toMatchObject({ country_code: 'NL', party_id: 'CPO', id: '12', currency: 'EUR' });
    for (const absent of ['type', 'min_price', 'max_price', 'start_date_time', 'end_date_time']) expect(t).not.toHaveProperty(absent);
    expect(t.elements[0].price_components[0]).toEqual({ type: 'TIME', price: 2.0, step_size: 300 });
  });

  test('round trip 2.1.1 → 2.2.1 → 2.1.1 is lossless', () => {
    expect(tariffTo211(tariffFrom211(Tariff211.parse(example211), owner))).toEqual(Tariff211.parse(example211));
  });

  test.each([
    ['type', { type: 'REGULAR' }],
    ['min_price', { min_price: { excl_vat: 0.5, incl_vat: 0.6 } }],
    ['max_price', { max_price: { excl_vat: 50 } }],
    ['start_date_time', { start_date_time: '2020-01-01T00:00:00Z' }],
  ])('2.2.1 → 2.1.1 drops %s', (field, extra) => {
    const wire = tariffTo211({ ...tariffFrom211(Tariff211.parse(example211), owner), ...extra } as ReceivedTariff);
    expect(wire).not.toHaveProperty(field);
    expect(Tariff211.safeParse(wire).success).toBe(true);
  });

  test('2.2.1 → 2.1.1 drops VAT per component and leaves out elements 2.1.1 cannot restrict (reservation, current)', () => {
    const t: ReceivedTariff = {
      ...tariffFrom211(Tariff211.parse(example211), owner),
      elements: [
        { price_components: [{ type: 'ENERGY', price: 0.25, vat: 21, step_size: 1 }] },
        { price_components: [{ type: 'FLAT', price: 1, step_size: 1 }], restrictions: { reservation: 'RESERVATION' } },
        { price_components: [{ type: 'ENERGY', price: 0.35, step_size: 1 }], restrictions: { min_current: 32 } },
      ],
    };
    expect(tariffTo211(t).elements).toEqual([{ price_components: [{ type: 'ENERGY', price: 0.25, step_size: 1 }] }]);
  });
});

describe('Credentials', () => {
  /** The 2.1.1 spec's credentials example. */
  const example211 = {
    url: 'https://example.com/ocpi/cpo/',
    token: 'ebf3b399-779f-4497-9b9d-ac6ad3cc44d2',
    party_id: 'EXA',
    country_code: 'NL',
    business_details: {
      name: 'Example Operator',
      logo: { url: 'https://example.com/img/logo.jpg', thumbnail: 'https://example.com/img/logo_thumb.jpg', category: 'OPERATOR' as const, type: 'jpeg', width: 512, height: 512 },
      website: 'http://example.com',
    },
  };

  test('2.1.1 → 2.2.1: one role, the one the connection implies', () => {
    expect(credentialsFrom211(example211, 'CPO')).toEqual({
      token: example211.token,
      url: example211.url,
      roles: [{ role: 'CPO', party_id: 'EXA', country_code: 'NL', business_details: example211.business_details }],
    });
  });

  test('round trip 2.1.1 → 2.2.1 → 2.1.1 is lossless', () => {
    const model = credentialsFrom211(example211, 'EMSP');
    expect(credentialsTo211(model, model.roles[0])).toEqual(example211);
  });

  test.each([
    ['locations', 'CPO', 'SENDER'],
    ['tariffs', 'CPO', 'SENDER'],
    ['tokens', 'CPO', 'RECEIVER'],
    ['commands', 'CPO', 'RECEIVER'],
    ['locations', 'EMSP', 'RECEIVER'],
    ['tokens', 'EMSP', 'SENDER'],
    ['commands', 'EMSP', 'SENDER'],
    ['credentials', 'EMSP', 'SENDER'],
  ] as const)('endpoint %s of a 2.1.1 %s plays %s', (identifier, role, expected) => {
    expect(endpointRole(identifier, role)).toBe(expected);
  });

  test('our endpoints listed for 2.1.1: one per module, no role', () => {
    expect(
      endpointsTo211([
        { identifier: 'credentials', role: 'SENDER', url: 'https://x/ocpi/2.1.1/credentials' },
        { identifier: 'locations', role: 'SENDER', url: 'https://x/ocpi/cpo/2.1.1/locations' },
        { identifier: 'locations', role: 'RECEIVER', url: 'https://x/ocpi/emsp/2.1.1/locations' },
      ]),
    ).toEqual([
      { identifier: 'credentials', url: 'https://x/ocpi/2.1.1/credentials' },
      { identifier: 'locations', url: 'https://x/ocpi/cpo/2.1.1/locations' },
    ]);
  });
});
