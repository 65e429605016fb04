/**
 * The receive profile over real HTTP and the database (docs/interop.md): what a messy peer sends,
 * what we store, what we answer, and what its data-quality report says. Identity and ownership
 * stay refusals; everything that can be stored safely is repaired and counted.
 */
import { type EmspReceiverWorld, anEmspWithTwoCpoPeers, asPeer } from '../helpers/emsp-receiver.js';
import { aConnector, aLocation, anEvse, later } from '../helpers/locations.js';
import type { TestPlatform } from '../helpers/platform.js';
import type { RegisteredPeer } from '../helpers/registered-peer.js';
import { aCdr, aSession } from '../helpers/sessions.js';
import { aTariff } from '../helpers/tariffs.js';

let world: EmspReceiverWorld;
let platform: TestPlatform;
let cpo: RegisteredPeer;

const locations = () => asPeer(platform, '/ocpi/emsp/2.2.1/locations', cpo);
const sessions = () => asPeer(platform, '/ocpi/emsp/2.2.1/sessions', cpo);
const tariffs = () => asPeer(platform, '/ocpi/emsp/2.2.1/tariffs', cpo);
const cdrs = () => asPeer(platform, '/ocpi/emsp/2.2.1/cdrs', cpo);
const storedLocation = async (id: string) => (await platform.ctx.db.receivedLocation.findFirst({ where: { locationKey: id } }))?.document as Record<string, any> | undefined;

interface Entry {
  module: string;
  path: string;
  rule: string;
  outcome: string;
  count: number;
  last_object_id: string | null;
  last_detail: string | null;
}
async function report(peer = cpo): Promise<{ totals: Record<string, number>; entries: Entry[] }> {
  return (await platform.admin().get(`/peers/${peer.peerId}/data-quality`).expect(200)).body;
}
const entry = async (module: string, path: string, rule: string) => (await report()).entries.find((e) => e.module === module && e.path === path && e.rule === rule);

beforeAll(async () => {
  world = await anEmspWithTwoCpoPeers('interop_receive');
  ({ platform, cpo } = world);
});

afterAll(() => world?.stop());

describe('repaired and stored, with a warning per field', () => {
  test('a DateTime with an offset (+00:00, +02:00) is stored in UTC with a Z', async () => {
    const res = await locations()
      .put('/NL/CPO/OFFSET', aLocation('OFFSET', { last_updated: '2025-06-02T10:00:00+02:00', evses: [anEvse('E1', { last_updated: '2025-06-02T08:00:00+00:00' })] }))
      .expect(201);
    expect(res.body.status_code).toBe(1000);
    expect(res.body.status_message).toContain('last_updated (datetime_offset)');
    const doc = await storedLocation('OFFSET');
    expect(doc?.last_updated).toBe('2025-06-02T08:00:00.000Z');
    expect(doc?.evses[0].last_updated).toBe('2025-06-02T08:00:00.000Z');
    expect(await entry('locations', 'evses[].last_updated', 'datetime_offset')).toMatchObject({ outcome: 'REPAIRED', last_object_id: 'OFFSET' });
  });

  test('coordinates with more than 7 decimals, or sent as numbers, are written with the precision OCPI allows', async () => {
    await locations()
      .put('/NL/CPO/COORD', aLocation('COORD', { coordinates: { latitude: '52.08944412345', longitude: 5.110278 } }))
      .expect(201);
    expect((await storedLocation('COORD'))?.coordinates).toEqual({ latitude: '52.0894441', longitude: '5.110278' });
    expect(await entry('locations', 'coordinates.latitude', 'coordinate_precision')).toMatchObject({ outcome: 'REPAIRED' });
    expect(await entry('locations', 'coordinates.longitude', 'coordinate_precision')).toMatchObject({ outcome: 'REPAIRED' });
  });

  test('unknown values in enum lists are dropped and the value is named in the report', async () => {
    const body = aLocation('ENUMS', { facilities: ['CAFE', 'SPACEPORT', 'WIFI'], evses: [anEvse('E1', { capabilities: ['RFID_READER', 'NFC_READER'] })] });
    await locations().put('/NL/CPO/ENUMS', body).expect(201);
    const doc = await storedLocation('ENUMS');
    expect(doc?.facilities).toEqual(['CAFE', 'WIFI']);
    expect(doc?.evses[0].capabilities).toEqual(['RFID_READER']);
    expect((await entry('locations', 'facilities[]', 'unknown_enum_value'))?.last_detail).toContain('"SPACEPORT"');
    expect((await entry('locations', 'evses[].capabilities[]', 'unknown_enum_value'))?.last_detail).toContain('"NFC_READER"');
  });

  test('unknown or malformed optional fields are dropped, the object is kept', async () => {
    const body = aLocation('OPTIONAL', {
      parking_type: 'STREET',
      operator: { name: 'Op', website: 'not a url' },
      directions: [
        { language: 'english', text: 'Turn left' },
        { language: 'en', text: 'Turn left' },
      ],
      evses: [anEvse('E1', { floor_level: 'basement level -1' })],
    });
    await locations().put('/NL/CPO/OPTIONAL', body).expect(201);
    const doc = await storedLocation('OPTIONAL');
    expect(doc).not.toHaveProperty('parking_type');
    expect(doc?.operator).toEqual({ name: 'Op' });
    expect(doc?.directions).toEqual([{ language: 'en', text: 'Turn left' }]);
    expect(doc?.evses[0]).not.toHaveProperty('floor_level');
    expect(await entry('locations', 'operator.website', 'malformed_optional_field')).toMatchObject({ outcome: 'REPAIRED' });
    expect(await entry('locations', 'parking_type', 'unknown_enum_value')).toMatchObject({ outcome: 'REPAIRED' });
  });

  test('opening hours past midnight are split into two periods', async () => {
    const opening_times = { twentyfourseven: false, regular_hours: [{ weekday: 7, period_begin: '20:00', period_end: '02:00' }] };
    await locations().put('/NL/CPO/NIGHT', aLocation('NIGHT', { opening_times })).expect(201);
    expect((await storedLocation('NIGHT'))?.opening_times.regular_hours).toEqual([
      { weekday: 7, period_begin: '20:00', period_end: '23:59' },
      { weekday: 1, period_begin: '00:00', period_end: '02:00' },
    ]);
    expect(await entry('locations', 'opening_times.regular_hours[]', 'overnight_hours')).toMatchObject({ outcome: 'REPAIRED' });
  });

  test('missing required fields with a safe default are filled: publish, nested last_updated, an unknown EVSE status', async () => {
    const { publish: _, ...withoutPublish } = aLocation('DEFAULTS');
    const lastUpdated = later();
    const { last_updated: __, ...connector } = aConnector('1');
    const body = { ...withoutPublish, last_updated: lastUpdated, evses: [anEvse('E1', { status: 'FAULTED', connectors: [connector] })] };
    await locations().put('/NL/CPO/DEFAULTS', body).expect(201);
    const doc = await storedLocation('DEFAULTS');
    expect(doc?.publish).toBe(true);
    expect(doc?.evses[0].status).toBe('UNKNOWN');
    expect(doc?.evses[0].connectors[0].last_updated).toBe(doc?.evses[0].last_updated);
    expect(await entry('locations', 'evses[].connectors[].last_updated', 'inherited_last_updated')).toBeDefined();
  });

  test('a session pushed to our eMSP without its cdr_token owner is for that eMSP party; RESERVED (the prose) is RESERVATION', async () => {
    const token = { uid: 'RFID9', type: 'RFID', contract_id: 'DE-EMS-C9' };
    const res = await sessions()
      .put('/NL/CPO/NOOWNER', aSession('NOOWNER', { cdr_token: token, status: 'RESERVED' }))
      .expect(201);
    expect(res.body.status_code).toBe(1000);
    const doc = (await platform.ctx.db.receivedSession.findFirst({ where: { sessionKey: 'NOOWNER' } }))?.document as Record<string, any>;
    expect(doc.cdr_token).toMatchObject({ country_code: 'DE', party_id: 'EMS', uid: 'RFID9' });
    expect(doc.status).toBe('RESERVATION');
    expect(await entry('sessions', 'cdr_token.party_id', 'inferred_default')).toMatchObject({ outcome: 'REPAIRED' });
  });
});

describe('rules of our engines are never applied to what peers send', () => {
  test('a tariff with step_size 0 and two components of one type is stored as sent and noticed', async () => {
    const elements = [
      {
        price_components: [
          { type: 'ENERGY', price: 0.3, step_size: 0 },
          { type: 'ENERGY', price: 0.4, step_size: 1 },
        ],
      },
    ];
    await tariffs().put('/NL/CPO/ODD', aTariff('ODD', { elements })).expect(201);
    const doc = (await platform.ctx.db.receivedTariff.findFirst({ where: { tariffKey: 'ODD' } }))?.document as Record<string, any>;
    expect(doc.elements).toEqual(elements);
    const noticed = (await report()).entries.filter((e) => e.module === 'tariffs' && e.outcome === 'NOTICED').map((e) => e.path);
    expect(noticed).toEqual(expect.arrayContaining(['elements[].price_components[].step_size', 'elements[].price_components[].type']));
  });

  test('a CDR whose embedded tariff breaks a pricing-engine rule is stored, never refused', async () => {
    const tariff = aTariff('CDRT', { elements: [{ price_components: [{ type: 'TIME', price: 2, step_size: 0 }] }] });
    const res = await cdrs()
      .post('', aCdr('ENGINE', { tariffs: [tariff] }))
      .expect(201);
    expect(res.body.status_code).toBe(1000);
    expect(await platform.ctx.db.receivedCdr.count({ where: { cdrKey: 'ENGINE' } })).toBe(1);
    expect(await entry('cdrs', 'tariffs[].elements[].price_components[].step_size', 'tariff_engine_rule')).toMatchObject({ outcome: 'NOTICED', last_object_id: 'ENGINE' });
  });

  test('a tariff that no repair can make whole is refused as a whole: no component is ever dropped from a price', async () => {
    const res = await tariffs()
      .put(
        '/NL/CPO/HALF',
        aTariff('HALF', {
          elements: [
            {
              price_components: [
                { type: 'ENERGY', price: 0.3, step_size: 1 },
                { type: 'KWH', price: 1, step_size: 1 },
              ],
            },
          ],
        }),
      )
      .expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain('elements.0.price_components.1.type');
    expect(await platform.ctx.db.receivedTariff.count({ where: { tariffKey: 'HALF' } })).toBe(0);
    expect(await entry('tariffs', 'elements[].price_components[].type', 'invalid_value')).toMatchObject({ outcome: 'REFUSED', last_object_id: 'HALF' });
  });
});

describe('identity and ownership stay refusals', () => {
  test('a location without a top-level last_updated is refused with 2001 naming it, and counted as refused', async () => {
    const { last_updated: _, ...body } = aLocation('NOLU');
    const res = await locations().put('/NL/CPO/NOLU', body).expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain('last_updated');
    expect(await storedLocation('NOLU')).toBeUndefined();
    expect(await entry('locations', 'last_updated', 'invalid_type')).toMatchObject({ outcome: 'REFUSED', last_object_id: 'NOLU' });
  });

  test('an unreadable last_updated is not guessed', async () => {
    const res = await locations()
      .put('/NL/CPO/BADLU', aLocation('BADLU', { last_updated: 'yesterday' }))
      .expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(await storedLocation('BADLU')).toBeUndefined();
  });

  test('a body whose id does not match the URL is refused, repairs or not', async () => {
    const res = await locations()
      .put('/NL/CPO/URLID', aLocation('OTHERID', { last_updated: '2025-06-02T10:00:00+02:00' }))
      .expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(await storedLocation('OTHERID')).toBeUndefined();
    expect(await entry('locations', '(object)', 'receiver_rule')).toMatchObject({ outcome: 'REFUSED', last_object_id: 'URLID' });
  });
});

describe('the data-quality report', () => {
  test('counts every repair per module, field path and rule, with totals, and never the values of fields', async () => {
    const before = await entry('locations', 'facilities[]', 'unknown_enum_value');
    await locations()
      .put('/NL/CPO/ENUMS2', aLocation('ENUMS2', { facilities: ['SPACEPORT', 'MOONBASE'] }))
      .expect(201);
    const after = await entry('locations', 'facilities[]', 'unknown_enum_value');
    expect(after!.count).toBe(before!.count + 2);
    const r = await report();
    expect(r.totals.repaired).toBeGreaterThan(0);
    expect(r.totals.refused).toBeGreaterThan(0);
    expect(JSON.stringify(r)).not.toContain('Stationsplein');
  });

  test('is exported as Prometheus metrics per peer, module, path and rule', async () => {
    const text = await platform.ctx.metrics.registry.metrics();
    expect(text).toMatch(
      new RegExp(`ocpi_received_data_quality_total\\{peer="${cpo.peerId}",module="locations",path="facilities\\[\\]",rule="unknown_enum_value",outcome="REPAIRED"\\} \\d+`),
    );
  });

  test('is 404 for an unknown peer and empty for a peer that sent nothing odd', async () => {
    await platform.admin().get('/peers/00000000-0000-4000-8000-000000000000/data-quality').expect(404);
    expect((await report(world.other)).entries).toEqual([]);
  });
});
