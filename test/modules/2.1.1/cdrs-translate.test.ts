/**
 * CDR between OCPI 2.1.1 and the 2.2.1 model, as tables of the spec's own examples: the 2.1.1
 * CDR example (id 12345, LOC1 in Gent) and 2.2.1 examples/cdr_example.json. The 2.1.1 example
 * writes the country as "BE" and a tariff price as the text "2.00"; 2.1.1 requires an alpha-3
 * country and a number, so the tables use "BEL" and 2.00 (the only changes).
 */
import type { Location } from '../../../src/model/location.js';
import { Cdr211, TranslatedCdr } from '../../../src/modules/2.1.1/cdrs/schemas.js';
import { cdrFrom211, cdrLocationTo211, cdrTo211 } from '../../../src/modules/2.1.1/cdrs/translate.js';
import { Location211 } from '../../../src/modules/2.1.1/locations/schemas.js';
import { locationFrom211 } from '../../../src/modules/2.1.1/locations/translate.js';
import { Cdr } from '../../../src/model/cdr.js';

const owner = { country_code: 'BE', party_id: 'BEC' };
const token = { country_code: 'DE', party_id: 'TNM', uid: '012345678', type: 'RFID' as const, contract_id: 'DE8ACC12E46L89' };

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
        { id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_1_PHASE', voltage: 230, amperage: 64, tariff_id: '11', last_updated: '2015-06-29T21:39:01Z' },
      ],
      last_updated: '2015-06-29T21:39:01Z',
    },
  ],
  last_updated: '2015-06-29T21:39:01Z',
};

/** 2.1.1 cdrs §3.1, "Example of a CDR". */
const cdr211 = {
  id: '12345',
  start_date_time: '2015-06-29T21:39:09Z',
  stop_date_time: '2015-06-29T23:37:32Z',
  auth_id: 'DE8ACC12E46L89',
  auth_method: 'WHITELIST',
  location: location211,
  currency: 'EUR',
  tariffs: [{ id: '12', currency: 'EUR', elements: [{ price_components: [{ type: 'TIME', price: 2.0, step_size: 300 }] }], last_updated: '2015-02-02T14:15:01Z' }],
  charging_periods: [{ start_date_time: '2015-06-29T21:39:09Z', dimensions: [{ type: 'TIME', volume: 1.973 }] }],
  total_cost: 4.0,
  total_energy: 15.342,
  total_time: 1.973,
  last_updated: '2015-06-29T22:01:13Z',
};

/** 2.2.1 examples/cdr_example.json. */
const cdr221 = {
  country_code: 'BE',
  party_id: 'BEC',
  id: '12345',
  start_date_time: '2015-06-29T21:39:09Z',
  end_date_time: '2015-06-29T23:37:32Z',
  cdr_token: token,
  auth_method: 'WHITELIST',
  cdr_location: {
    id: 'LOC1',
    name: 'Gent Zuid',
    address: 'F.Rooseveltlaan 3A',
    city: 'Gent',
    postal_code: '9000',
    country: 'BEL',
    coordinates: { latitude: '3.729944', longitude: '51.047599' },
    evse_uid: '3256',
    evse_id: 'BE*BEC*E041503003',
    connector_id: '1',
    connector_standard: 'IEC_62196_T2',
    connector_format: 'SOCKET',
    connector_power_type: 'AC_1_PHASE',
  },
  currency: 'EUR',
  tariffs: [
    {
      country_code: 'BE',
      party_id: 'BEC',
      id: '12',
      currency: 'EUR',
      elements: [{ price_components: [{ type: 'TIME', price: 2.0, vat: 10.0, step_size: 300 }] }],
      last_updated: '2015-02-02T14:15:01Z',
    },
  ],
  charging_periods: [{ start_date_time: '2015-06-29T21:39:09Z', dimensions: [{ type: 'TIME', volume: 1.973 }], tariff_id: '12' }],
  total_cost: { excl_vat: 4.0, incl_vat: 4.4 },
  total_energy: 15.342,
  total_time: 1.973,
  total_time_cost: { excl_vat: 4.0, incl_vat: 4.4 },
  last_updated: '2015-06-29T22:01:13Z',
};

const storedLocation = () => locationFrom211(Location211.parse(location211), owner) as Location;

describe('2.1.1 CDR → 2.2.1 model', () => {
  const stored = cdrFrom211(Cdr211.parse(cdr211), owner, token);

  test.each([
    ['country_code / party_id: the peer’s one party', { country_code: 'BE', party_id: 'BEC' }],
    ['auth_id: the cdr_token of the eMSP token with that contract id', { cdr_token: token }],
    ['stop_date_time: end_date_time', { end_date_time: '2015-06-29T23:37:32.000Z' }],
    ['total_cost: the number is excl_vat, incl_vat is not said', { total_cost: { excl_vat: 4 } }],
    ['totals of energy and time: as they are', { total_energy: 15.342, total_time: 1.973 }],
    [
      'tariffs: 2.2.1 tariffs of the peer’s party',
      { tariffs: [{ country_code: 'BE', party_id: 'BEC', id: '12', elements: [{ price_components: [{ type: 'TIME', price: 2, step_size: 300 }] }] }] },
    ],
  ])('%s', (_name, expected) => {
    expect(stored).toMatchObject(expected);
    for (const absent of ['auth_id', 'location', 'stop_date_time', 'total_time_cost', 'signed_data']) expect(stored).not.toHaveProperty(absent);
    expect(stored.total_cost).not.toHaveProperty('incl_vat');
  });

  test('the embedded location becomes the CdrLocation: its address and the one EVSE and connector', () => {
    expect(stored.cdr_location).toEqual({
      id: 'LOC1',
      name: 'Gent Zuid',
      address: 'F.Rooseveltlaan 3A',
      city: 'Gent',
      postal_code: '9000',
      country: 'BEL',
      coordinates: { latitude: '3.729944', longitude: '51.047599' },
      evse_uid: '3256',
      evse_id: 'BE-BEC-E041503003',
      connector_id: '1',
      connector_standard: 'IEC_62196_T2',
      connector_format: 'SOCKET',
      connector_power_type: 'AC_1_PHASE',
    });
  });

  test('the result is a valid 2.2.1 CDR', () => {
    expect(TranslatedCdr.safeParse(stored).success).toBe(true);
  });

  test('an EVSE without evse_id (optional in 2.1.1, required in a 2.2.1 CdrLocation) is not made up: the CDR is unreadable, naming the field', () => {
    const { evse_id: _id, ...noEvseId } = location211.evses[0];
    const translated = cdrFrom211(Cdr211.parse({ ...cdr211, location: { ...location211, evses: [noEvseId] } }), owner, token);
    const read = TranslatedCdr.safeParse(translated);
    expect(read.success).toBe(false);
    expect(read.error?.issues.map((i) => i.path.join('.'))).toEqual(['cdr_location.evse_id']);
  });

  test('a round trip 2.1.1 → 2.2.1 → 2.1.1 gives the spec example back (the location naming the time_zone it now has)', () => {
    const model = TranslatedCdr.parse(stored);
    const back = cdrTo211(model, cdrLocationTo211(model.cdr_location, storedLocation(), model.last_updated));
    expect(back).toEqual(Cdr211.parse({ ...cdr211, location: { ...location211, time_zone: 'Europe/Brussels' } }));
  });
});

describe('2.2.1 CDR → 2.1.1', () => {
  const model = Cdr.parse(cdr221);
  const wire = cdrTo211(model, cdrLocationTo211(model.cdr_location, storedLocation(), model.last_updated));

  test.each([
    ['cdr_token: its contract_id is the auth_id', { auth_id: 'DE8ACC12E46L89' }],
    ['end_date_time: stop_date_time', { stop_date_time: '2015-06-29T23:37:32.000Z' }],
    ['total_cost: excl_vat (2.1.1 costs exclude VAT)', { total_cost: 4 }],
    ['tariffs: without the VAT of their components', { tariffs: [{ id: '12', elements: [{ price_components: [{ type: 'TIME', price: 2, step_size: 300 }] }] }] }],
    ['charging periods: without tariff_id', { charging_periods: [{ start_date_time: '2015-06-29T21:39:09.000Z', dimensions: [{ type: 'TIME', volume: 1.973 }] }] }],
  ])('%s', (_name, expected) => {
    expect(wire).toMatchObject(expected);
    for (const absent of ['country_code', 'party_id', 'cdr_token', 'cdr_location', 'end_date_time', 'total_time_cost']) expect(wire).not.toHaveProperty(absent);
    expect(wire.tariffs?.[0].elements[0].price_components[0]).not.toHaveProperty('vat');
    expect(wire.charging_periods?.[0]).not.toHaveProperty('tariff_id');
  });

  test('location: the stored one cut to the CDR’s EVSE and connector, with the CdrLocation’s values over it', () => {
    expect(wire.location).toMatchObject({
      id: 'LOC1',
      type: 'ON_STREET',
      address: 'F.Rooseveltlaan 3A',
      evses: [{ uid: '3256', evse_id: 'BE*BEC*E041503003', status: 'AVAILABLE', connectors: [{ id: '1', voltage: 230, amperage: 64, tariff_id: '11' }] }],
    });
  });

  test('without a stored location, the CdrLocation alone: type and status UNKNOWN, voltage and amperage 0', () => {
    const alone = cdrTo211(model, cdrLocationTo211(model.cdr_location, null, model.last_updated));
    expect(alone.location).toEqual({
      id: 'LOC1',
      type: 'UNKNOWN',
      name: 'Gent Zuid',
      address: 'F.Rooseveltlaan 3A',
      city: 'Gent',
      postal_code: '9000',
      country: 'BEL',
      coordinates: { latitude: '3.729944', longitude: '51.047599' },
      evses: [
        {
          uid: '3256',
          evse_id: 'BE*BEC*E041503003',
          status: 'UNKNOWN',
          connectors: [{ id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_1_PHASE', voltage: 0, amperage: 0, last_updated: '2015-06-29T22:01:13.000Z' }],
          last_updated: '2015-06-29T22:01:13.000Z',
        },
      ],
      last_updated: '2015-06-29T22:01:13.000Z',
    });
    expect(Cdr211.safeParse(alone).success).toBe(true);
  });

  test('the result is a valid 2.1.1 CDR', () => {
    expect(Cdr211.safeParse(wire).success).toBe(true);
  });

  test.each([
    ['auth_method COMMAND (not in 2.1.1) is AUTH_REQUEST', { auth_method: 'COMMAND' }, { auth_method: 'AUTH_REQUEST' }],
    [
      'a two-phase connector is announced as one phase',
      { cdr_location: { ...cdr221.cdr_location, connector_power_type: 'AC_2_PHASE' } },
      { location: { evses: [{ connectors: [{ power_type: 'AC_1_PHASE' }] }] } },
    ],
  ])('%s', (_name, change, expected) => {
    const changed = Cdr.parse({ ...cdr221, ...change });
    expect(cdrTo211(changed, cdrLocationTo211(changed.cdr_location, null, changed.last_updated))).toMatchObject(expected);
  });
});
