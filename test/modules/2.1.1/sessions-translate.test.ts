/**
 * Session between OCPI 2.1.1 and the 2.2.1 model, as tables of the spec's own examples: the
 * 2.1.1 "short finished session" (id 101 in Gent, auth_id DE8ACC12E46L89) and the 2.2.1 example
 * of the same session. The 2.1.1 examples write the country as "BE"; 2.1.1 requires alpha-3, so
 * the tables use "BEL" (the only change).
 */
import type { Location } from '../../../src/model/location.js';
import { Session, SessionPatch } from '../../../src/model/session.js';
import { Location211 } from '../../../src/modules/2.1.1/locations/schemas.js';
import { locationFrom211 } from '../../../src/modules/2.1.1/locations/translate.js';
import { cdrTokenFor } from '../../../src/modules/2.1.1/sessions/lookups.js';
import { Session211, Session211Patch } from '../../../src/modules/2.1.1/sessions/schemas.js';
import { embeddedLocation211, sessionFrom211, sessionTo211 } from '../../../src/modules/2.1.1/sessions/translate.js';
import type { TranslationContext } from '../../../src/delivery/translations.js';

const owner = { country_code: 'BE', party_id: 'BEC' };
/** The eMSP's token whose contract id the 2.1.1 example's auth_id is. */
const token = { country_code: 'NL', party_id: 'TST', uid: '123abc', type: 'RFID' as const, contract_id: 'DE8ACC12E46L89' };

const location211 = {
  id: 'LOC1',
  type: 'ON_STREET',
  name: 'Gent Zuid',
  address: 'F.Rooseveltlaan 3A',
  city: 'Gent',
  postal_code: '9000',
  country: 'BEL',
  coordinates: { latitude: '3.729944', longitude: '51.047599' },
  evses: [
    {
      uid: '3256',
      evse_id: 'BE-BEC-E041503003',
      status: 'AVAILABLE',
      connectors: [
        { id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_1_PHASE', voltage: 230, amperage: 64, tariff_id: '11', last_updated: '2015-06-29T23:09:10Z' },
      ],
      last_updated: '2015-06-29T23:09:10Z',
    },
  ],
  last_updated: '2015-06-29T23:09:10Z',
};

/** 2.1.1 sessions §3.1, "Simple Session example of a short finished session". */
const finished211 = {
  id: '101',
  start_datetime: '2015-06-29T22:39:09Z',
  end_datetime: '2015-06-29T23:50:16Z',
  kwh: 41.0,
  auth_id: 'DE8ACC12E46L89',
  auth_method: 'WHITELIST',
  location: location211,
  currency: 'EUR',
  charging_periods: [
    {
      start_date_time: '2015-06-29T22:39:09Z',
      dimensions: [
        { type: 'ENERGY', volume: 120 },
        { type: 'MAX_CURRENT', volume: 30 },
      ],
    },
    {
      start_date_time: '2015-06-29T22:40:54Z',
      dimensions: [
        { type: 'ENERGY', volume: 41000 },
        { type: 'MIN_CURRENT', volume: 34 },
      ],
    },
    { start_date_time: '2015-06-29T23:07:09Z', dimensions: [{ type: 'PARKING_TIME', volume: 0.718 }] },
  ],
  total_cost: 8.5,
  status: 'COMPLETED',
  last_updated: '2015-06-29T23:09:10Z',
};

/** 2.2.1 examples/session_example_2_short_finished.json. */
const finished221 = {
  country_code: 'BE',
  party_id: 'BEC',
  id: '101',
  start_date_time: '2015-06-29T22:39:09Z',
  end_date_time: '2015-06-29T23:50:16Z',
  kwh: 41.12,
  cdr_token: { country_code: 'NL', party_id: 'TST', uid: '123abc', type: 'RFID', contract_id: 'NL-TST-C12345678-S' },
  auth_method: 'WHITELIST',
  location_id: 'LOC1',
  evse_uid: '3256',
  connector_id: '1',
  currency: 'EUR',
  charging_periods: [
    {
      start_date_time: '2015-06-29T22:39:09Z',
      dimensions: [
        { type: 'ENERGY', volume: 120 },
        { type: 'MAX_CURRENT', volume: 30 },
      ],
    },
    {
      start_date_time: '2015-06-29T22:40:54Z',
      dimensions: [
        { type: 'ENERGY', volume: 41000 },
        { type: 'MIN_CURRENT', volume: 34 },
      ],
    },
    { start_date_time: '2015-06-29T23:07:09Z', dimensions: [{ type: 'PARKING_TIME', volume: 0.718 }], tariff_id: '12' },
  ],
  total_cost: { excl_vat: 8.5, incl_vat: 9.35 },
  status: 'COMPLETED',
  last_updated: '2015-06-29T23:50:17Z',
};

const storedLocation = () => locationFrom211(Location211.parse(location211), owner) as Location;

describe('2.1.1 Session → 2.2.1 model', () => {
  const stored = sessionFrom211(Session211.parse(finished211), owner, token);

  test.each([
    ['country_code / party_id: the peer’s one party', { country_code: 'BE', party_id: 'BEC' }],
    ['auth_id: the cdr_token of the eMSP token with that contract id', { cdr_token: token }],
    ['embedded location: its id, its EVSE uid and connector id', { location_id: 'LOC1', evse_uid: '3256', connector_id: '1' }],
    ['start_datetime / end_datetime: start_date_time / end_date_time', { start_date_time: '2015-06-29T22:39:09.000Z', end_date_time: '2015-06-29T23:50:16.000Z' }],
    ['total_cost: the number is excl_vat, incl_vat is not said', { total_cost: { excl_vat: 8.5 } }],
    ['status and auth_method: the same values', { status: 'COMPLETED', auth_method: 'WHITELIST' }],
  ])('%s', (_name, expected) => {
    expect(stored).toMatchObject(expected);
    for (const absent of ['auth_id', 'location', 'start_datetime', 'end_datetime']) expect(stored).not.toHaveProperty(absent);
    expect(stored.total_cost).not.toHaveProperty('incl_vat');
  });

  test('the charging periods are kept as they are', () => {
    expect(stored.charging_periods).toEqual(Session211.parse(finished211).charging_periods);
  });

  test('the result is a valid 2.2.1 Session', () => {
    expect(Session.safeParse(stored).success).toBe(true);
  });

  test('a FLAT dimension has no 2.2.1 counterpart: dropped, and a period left empty with it', () => {
    const withFlat = Session211.parse({
      ...finished211,
      charging_periods: [
        { start_date_time: '2015-06-29T22:39:09Z', dimensions: [{ type: 'FLAT', volume: 1 }] },
        {
          start_date_time: '2015-06-29T22:40:54Z',
          dimensions: [
            { type: 'FLAT', volume: 1 },
            { type: 'ENERGY', volume: 5 },
          ],
        },
      ],
    });
    expect(sessionFrom211(withFlat, owner, token).charging_periods).toEqual([{ start_date_time: '2015-06-29T22:40:54.000Z', dimensions: [{ type: 'ENERGY', volume: 5 }] }]);
  });

  test('the 2.1.1 PATCH example (total_cost) becomes a 2.2.1 PATCH of the Price', () => {
    const patch = sessionFrom211(Session211Patch.parse({ total_cost: 0.6, last_updated: '2015-06-29T23:10:00Z' }), null, undefined);
    expect(patch).toEqual({ total_cost: { excl_vat: 0.6 }, last_updated: '2015-06-29T23:10:00.000Z' });
    expect(SessionPatch.safeParse(patch).success).toBe(true);
  });

  test('a round trip 2.1.1 → 2.2.1 → 2.1.1 gives the spec example back (the location naming the time_zone it now has)', () => {
    const back = sessionTo211(stored, embeddedLocation211(storedLocation(), finished221));
    const expected = Session211.parse({ ...finished211, location: { ...location211, time_zone: 'Europe/Brussels' } });
    expect(back).toEqual(expected);
  });
});

describe('2.2.1 Session → 2.1.1', () => {
  const wire = sessionTo211(Session.parse(finished221), embeddedLocation211(storedLocation(), finished221));

  test.each([
    ['cdr_token: its contract_id is the auth_id', { auth_id: 'NL-TST-C12345678-S' }],
    ['total_cost: excl_vat (2.1.1 costs exclude VAT)', { total_cost: 8.5 }],
    ['start/end: start_datetime / end_datetime', { start_datetime: '2015-06-29T22:39:09.000Z', end_datetime: '2015-06-29T23:50:16.000Z' }],
    ['location: the stored location with only the EVSE and connector used', { location: { id: 'LOC1', evses: [{ uid: '3256', connectors: [{ id: '1', voltage: 230 }] }] } }],
  ])('%s', (_name, expected) => {
    expect(wire).toMatchObject(expected);
    for (const absent of ['country_code', 'party_id', 'cdr_token', 'location_id', 'evse_uid', 'connector_id', 'start_date_time']) expect(wire).not.toHaveProperty(absent);
  });

  test('a charging period loses its tariff_id', () => {
    expect(wire.charging_periods?.[2]).toEqual({ start_date_time: '2015-06-29T23:07:09.000Z', dimensions: [{ type: 'PARKING_TIME', volume: 0.718 }] });
  });

  test('the result is a valid 2.1.1 Session', () => {
    expect(Session211.safeParse(wire).success).toBe(true);
  });

  test.each([
    ['status RESERVATION (not in 2.1.1) is PENDING', { status: 'RESERVATION' }, { status: 'PENDING' }],
    ['auth_method COMMAND (not in 2.1.1) is AUTH_REQUEST', { auth_method: 'COMMAND' }, { auth_method: 'AUTH_REQUEST' }],
  ])('%s', (_name, change, expected) => {
    expect(sessionTo211(Session.parse({ ...finished221, ...change }), undefined)).toMatchObject(expected);
  });

  test('a session without total_cost has none in 2.1.1 either (no price is not a price of 0)', () => {
    const { total_cost: _cost, ...unpriced } = Session.parse(finished221);
    expect(sessionTo211(unpriced, undefined)).not.toHaveProperty('total_cost');
  });

  test('dimensions 2.1.1 does not define are dropped, and a period left empty with them', () => {
    const periods = [
      {
        start_date_time: '2015-06-29T22:39:09Z',
        dimensions: [
          { type: 'POWER', volume: 11 },
          { type: 'ENERGY', volume: 3 },
        ],
      },
      { start_date_time: '2015-06-29T22:45:00Z', dimensions: [{ type: 'STATE_OF_CHARGE', volume: 80 }] },
    ];
    expect(sessionTo211(Session.parse({ ...finished221, charging_periods: periods }), undefined).charging_periods).toEqual([
      { start_date_time: '2015-06-29T22:39:09.000Z', dimensions: [{ type: 'ENERGY', volume: 3 }] },
    ]);
  });

  test('a PATCH maps only what it carries (the 2.2.1 total_cost PATCH example)', () => {
    expect(sessionTo211({ total_cost: { excl_vat: 0.6, incl_vat: 0.66 }, last_updated: '2015-06-29T23:10:00Z' }, undefined)).toEqual({
      total_cost: 0.6,
      last_updated: '2015-06-29T23:10:00Z',
    });
  });
});

describe('auth_id → cdr_token', () => {
  const ctx = (found: typeof token | null) => ({ services: { authIdTokens211: { find: async () => found } } }) as unknown as TranslationContext;
  const emsp = { countryCode: 'NL', partyId: 'TST' };

  test('a token of our eMSP party with that contract id: that token', async () => {
    await expect(cdrTokenFor(ctx(token), emsp, 'DE8ACC12E46L89')).resolves.toEqual(token);
  });

  test('an auth_id our party never issued: our party, the auth_id as uid and contract id, type OTHER', async () => {
    await expect(cdrTokenFor(ctx(null), emsp, 'UNKNOWN-1')).resolves.toEqual({ country_code: 'NL', party_id: 'TST', uid: 'UNKNOWN-1', type: 'OTHER', contract_id: 'UNKNOWN-1' });
  });
});
