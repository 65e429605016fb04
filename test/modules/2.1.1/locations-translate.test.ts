/**
 * Location/EVSE/Connector between OCPI 2.1.1 and the 2.2.1 model, as tables of the spec's own
 * examples (2.1.1 locations example "LOC1" in Gent; 2.2.1 example in the same shape).
 */
import { type Connector, Location } from '../../../src/model/location.js';
import { Location211 } from '../../../src/modules/2.1.1/locations/schemas.js';
import { connectorFrom211, connectorTo211, evseTo211, locationFrom211, locationTo211 } from '../../../src/modules/2.1.1/locations/translate.js';

const owner = { country_code: 'BE', party_id: 'BEC' };

/** The 2.1.1 spec's Location example. */
const example211 = {
  id: 'LOC1',
  type: 'ON_STREET',
  name: 'Gent Zuid',
  address: 'F.Rooseveltlaan 3A',
  city: 'Gent',
  postal_code: '9000',
  country: 'BEL',
  coordinates: { latitude: '51.047599', longitude: '3.729944' },
  evses: [
    {
      uid: '3256',
      evse_id: 'BE-BEC-E041503001',
      status: 'AVAILABLE',
      status_schedule: [],
      capabilities: ['RESERVABLE'],
      connectors: [
        { id: '1', standard: 'IEC_62196_T2', format: 'CABLE', power_type: 'AC_3_PHASE', voltage: 220, amperage: 16, tariff_id: '11', last_updated: '2015-03-16T10:10:02Z' },
        { id: '2', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', voltage: 220, amperage: 16, tariff_id: '11', last_updated: '2015-03-18T08:12:01Z' },
      ],
      physical_reference: '1',
      floor_level: '-1',
      last_updated: '2015-06-28T08:12:01Z',
    },
  ],
  operator: { name: 'BeCharged' },
  last_updated: '2015-06-29T20:39:09Z',
};

describe('2.1.1 Location → 2.2.1 model', () => {
  const stored = locationFrom211(Location211.parse(example211), owner);

  test.each([
    ['country_code / party_id: the peer’s one party', { country_code: 'BE', party_id: 'BEC' }],
    ['publish: a location a 2.1.1 CPO sends is public', { publish: true }],
    ['type ON_STREET becomes parking_type ON_STREET', { parking_type: 'ON_STREET' }],
    ['time_zone absent in a single-zone country: that zone', { time_zone: 'Europe/Brussels' }],
  ])('%s', (_name, expected) => {
    expect(stored).toMatchObject(expected);
    expect(stored).not.toHaveProperty('type');
  });

  test('connector voltage/amperage/tariff_id become max_voltage/max_amperage/tariff_ids', () => {
    expect(stored.evses?.[0].connectors[0]).toEqual({
      id: '1',
      standard: 'IEC_62196_T2',
      format: 'CABLE',
      power_type: 'AC_3_PHASE',
      max_voltage: 220,
      max_amperage: 16,
      tariff_ids: ['11'],
      last_updated: '2015-03-16T10:10:02.000Z',
    });
  });

  test('the result is a valid 2.2.1 Location', () => {
    expect(Location.safeParse(stored).success).toBe(true);
  });

  test('a round trip 2.1.1 → 2.2.1 → 2.1.1 gives the spec example back (with the time_zone it now names)', () => {
    expect(locationTo211(stored)).toEqual(Location211.parse({ ...example211, time_zone: 'Europe/Brussels' }));
    const withZone = Location211.parse({ ...example211, time_zone: 'Europe/Brussels' });
    expect(locationTo211(locationFrom211(withZone, owner))).toEqual(withZone);
  });

  test.each([
    ['OTHER', undefined],
    ['UNKNOWN', undefined],
    ['PARKING_GARAGE', 'PARKING_GARAGE'],
    ['UNDERGROUND_GARAGE', 'UNDERGROUND_GARAGE'],
    ['PARKING_LOT', 'PARKING_LOT'],
  ])('type %s → parking_type %s', (type, parking) => {
    const l = locationFrom211({ ...Location211.parse(example211), type: type as 'OTHER' }, owner);
    expect(l.parking_type ?? undefined).toBe(parking);
  });

  test('time_zone absent in a country with several zones stays absent (refused by the model, naming the field)', () => {
    const l = locationFrom211({ ...Location211.parse(example211), country: 'USA' }, owner);
    const parsed = Location.safeParse(l);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain('time_zone');
  });
});

describe('2.2.1 model → 2.1.1', () => {
  test.each([
    ['ALONG_MOTORWAY', 'OTHER'],
    ['ON_DRIVEWAY', 'OTHER'],
    ['ON_STREET', 'ON_STREET'],
    [undefined, 'UNKNOWN'],
  ])('parking_type %s → type %s', (parking, type) => {
    const stored = locationFrom211(Location211.parse(example211), owner);
    expect(locationTo211({ ...stored, parking_type: parking as 'ON_STREET' }).type).toBe(type);
  });

  test('what 2.1.1 cannot carry is dropped: country_code, party_id, publish, state, 2.2.1-only facilities', () => {
    const stored = { ...locationFrom211(Location211.parse(example211), owner), state: 'Oost-Vlaanderen', facilities: ['WIFI', 'METRO_STATION'] } as Location;
    const wire = locationTo211(stored);
    expect(wire).not.toHaveProperty('country_code');
    expect(wire).not.toHaveProperty('party_id');
    expect(wire).not.toHaveProperty('publish');
    expect(wire).not.toHaveProperty('state');
    expect(wire.facilities).toEqual(['WIFI']);
    expect(Location211.safeParse(wire).success).toBe(true);
  });

  test.each([
    [{ tariff_ids: ['A', 'B'] }, { tariff_id: 'A' }],
    [{ tariff_ids: [] }, { tariff_id: null }],
    [{ power_type: 'AC_2_PHASE' }, { power_type: 'AC_1_PHASE' }],
    [{ power_type: 'DC' }, { power_type: 'DC' }],
    [{ max_electric_power: 22000, max_voltage: 400 }, { voltage: 400 }],
  ] as const)('connector %j → %j', (from, to) => {
    const wire = connectorTo211({ ...(from as Partial<Connector>), last_updated: '2019-01-01T00:00:00Z' });
    expect(wire).toMatchObject(to);
    expect(wire).not.toHaveProperty('max_electric_power');
    expect(wire).not.toHaveProperty('tariff_ids');
  });

  test('a PATCH carries only what it carried: an EVSE status change stays {status, last_updated}', () => {
    expect(evseTo211({ status: 'CHARGING', last_updated: '2019-01-01T00:00:00Z' })).toEqual({ status: 'CHARGING', last_updated: '2019-01-01T00:00:00Z' });
    expect(connectorFrom211({ tariff_id: 'T2', last_updated: '2019-01-01T00:00:00Z' })).toEqual({ tariff_ids: ['T2'], last_updated: '2019-01-01T00:00:00Z' });
  });

  test('2.2.1-only EVSE capabilities are left out', () => {
    expect(evseTo211({ capabilities: ['RFID_READER', 'PED_TERMINAL'] }).capabilities).toEqual(['RFID_READER']);
  });
});
