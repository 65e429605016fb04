import { Location } from '../../../src/model/location.js';
import { type EmspReceiverWorld, anEmspWithTwoCpoPeers, asPeer } from '../../helpers/emsp-receiver.js';
import { aConnector, aLocation, anEvse, later } from '../../helpers/locations.js';
import { type TestPlatform, request, tokenHeader } from '../../helpers/platform.js';
import type { RegisteredPeer } from '../../helpers/registered-peer.js';

let platform: TestPlatform;
let cpo: RegisteredPeer;
let other: RegisteredPeer;
let world: EmspReceiverWorld;

const as = (peer: RegisteredPeer) => asPeer(platform, '/ocpi/emsp/2.2.1/locations', peer);
const stored = (id: string) => platform.ctx.db.receivedLocation.count({ where: { locationKey: id.toUpperCase() } });
const iso = (stamp: string) => new Date(stamp).toISOString();

beforeAll(async () => {
  world = await anEmspWithTwoCpoPeers('locations_emsp_receiver');
  ({ platform, cpo, other } = world);
});

afterAll(() => world?.stop());

describe('PUT and GET', () => {
  test('a PUT of a new location answers 201 without data, a second PUT replaces it with 200', async () => {
    const created = await as(cpo).put('/NL/CPO/LOC1', aLocation('LOC1')).expect(201);
    expect(created.body).toMatchObject({ status_code: 1000 });
    expect(created.body).not.toHaveProperty('data');
    const replaced = await as(cpo)
      .put('/NL/CPO/LOC1', aLocation('LOC1', { name: 'Renamed' }))
      .expect(200);
    expect(replaced.body.status_code).toBe(1000);
    expect((await as(cpo).get('/NL/CPO/LOC1').expect(200)).body.data.name).toBe('Renamed');
    expect(await stored('LOC1')).toBe(1);
  });

  test('GET answers the stored Location, EVSE and Connector at each level', async () => {
    const body = aLocation('LOC2');
    await as(cpo).put('/NL/CPO/LOC2', body).expect(201);
    const location = Location.parse((await as(cpo).get('/NL/CPO/LOC2').expect(200)).body.data);
    expect(location).toMatchObject({ id: 'LOC2', country_code: 'NL', party_id: 'CPO', last_updated: iso(body.last_updated) });
    expect(location.evses?.map((e) => e.uid)).toEqual(['EVSE1', 'EVSE2']);
    expect((await as(cpo).get('/NL/CPO/LOC2/EVSE2').expect(200)).body.data).toMatchObject({ uid: 'EVSE2', status: 'AVAILABLE' });
    expect((await as(cpo).get('/NL/CPO/LOC2/EVSE2/1').expect(200)).body.data).toMatchObject({ id: '1', standard: 'IEC_62196_T2' });
    expect((await as(cpo).get('/nl/cpo/loc2/evse2/1').expect(200)).body.data.id).toBe('1');
  });

  test('GET of an unknown location is 404 (2003), of an unknown EVSE or connector 404 (2000)', async () => {
    expect((await as(cpo).get('/NL/CPO/NOPE').expect(404)).body.status_code).toBe(2003);
    expect((await as(cpo).get('/NL/CPO/LOC2/NOPE').expect(404)).body.status_code).toBe(2000);
    expect((await as(cpo).get('/NL/CPO/LOC2/EVSE1/9').expect(404)).body.status_code).toBe(2000);
  });

  test('a PUT of a new EVSE adds it (201) and copies its last_updated to the location', async () => {
    const evse = anEvse('EVSE3');
    await as(cpo).put('/NL/CPO/LOC2/EVSE3', evse).expect(201);
    const location = (await as(cpo).get('/NL/CPO/LOC2').expect(200)).body.data;
    expect(location.evses.map((e: { uid: string }) => e.uid)).toEqual(['EVSE1', 'EVSE2', 'EVSE3']);
    expect(location.last_updated).toBe(iso(evse.last_updated));
    await as(cpo)
      .put('/NL/CPO/LOC2/EVSE3', anEvse('EVSE3', { status: 'BLOCKED' }))
      .expect(200);
    expect((await as(cpo).get('/NL/CPO/LOC2/EVSE3').expect(200)).body.data.status).toBe('BLOCKED');
  });

  test('a PUT of a connector adds or replaces it and copies its last_updated to the EVSE and location', async () => {
    const connector = aConnector('2', { standard: 'CHADEMO', power_type: 'DC' });
    await as(cpo).put('/NL/CPO/LOC2/EVSE1/2', connector).expect(201);
    expect((await as(cpo).get('/NL/CPO/LOC2/EVSE1').expect(200)).body.data).toMatchObject({ last_updated: iso(connector.last_updated) });
    expect((await as(cpo).get('/NL/CPO/LOC2').expect(200)).body.data.last_updated).toBe(iso(connector.last_updated));
    await as(cpo)
      .put('/NL/CPO/LOC2/EVSE1/2', aConnector('2', { standard: 'CHADEMO', power_type: 'DC', max_amperage: 125 }))
      .expect(200);
    expect((await as(cpo).get('/NL/CPO/LOC2/EVSE1/2').expect(200)).body.data.max_amperage).toBe(125);
  });
});

describe('PATCH and last_updated propagation', () => {
  test('an EVSE status PATCH changes only the status and propagates its last_updated to the location', async () => {
    await as(cpo).put('/NL/CPO/LOC3', aLocation('LOC3')).expect(201);
    const stamp = later();
    const res = await as(cpo).patch('/NL/CPO/LOC3/EVSE1', { status: 'CHARGING', last_updated: stamp }).expect(200);
    expect(res.body.status_code).toBe(1000);
    const location = (await as(cpo).get('/NL/CPO/LOC3').expect(200)).body.data;
    expect(location.last_updated).toBe(iso(stamp));
    expect(location.evses[0]).toMatchObject({ uid: 'EVSE1', status: 'CHARGING', last_updated: iso(stamp), evse_id: 'NL*CPO*EEVSE1' });
    expect(location.evses[1].status).toBe('AVAILABLE');
  });

  test('a connector PATCH propagates its last_updated to the EVSE and the location', async () => {
    const stamp = later();
    await as(cpo)
      .patch('/NL/CPO/LOC3/EVSE2/1', { tariff_ids: ['T15'], last_updated: stamp })
      .expect(200);
    expect((await as(cpo).get('/NL/CPO/LOC3/EVSE2/1').expect(200)).body.data).toMatchObject({ tariff_ids: ['T15'], last_updated: iso(stamp), max_voltage: 230 });
    expect((await as(cpo).get('/NL/CPO/LOC3/EVSE2').expect(200)).body.data.last_updated).toBe(iso(stamp));
    expect((await as(cpo).get('/NL/CPO/LOC3').expect(200)).body.data.last_updated).toBe(iso(stamp));
  });

  test("a child PATCH older than its location never moves the location's last_updated back", async () => {
    const evseStamp = later();
    const patchStamp = later();
    const locationStamp = later();
    await as(cpo)
      .put(
        '/NL/CPO/NEWER',
        aLocation('NEWER', { evses: [anEvse('EVSE1', { last_updated: evseStamp, connectors: [aConnector('1', { last_updated: evseStamp })] })], last_updated: locationStamp }),
      )
      .expect(201);
    await as(cpo).patch('/NL/CPO/NEWER/EVSE1', { status: 'CHARGING', last_updated: patchStamp }).expect(200);
    await as(cpo).patch('/NL/CPO/NEWER/EVSE1/1', { max_voltage: 400, last_updated: patchStamp }).expect(200);
    const location = (await as(cpo).get('/NL/CPO/NEWER').expect(200)).body.data;
    expect(location.last_updated).toBe(iso(locationStamp));
    expect(location.evses[0]).toMatchObject({ status: 'CHARGING', last_updated: iso(patchStamp) });
    expect(location.evses[0].connectors[0]).toMatchObject({ max_voltage: 400, last_updated: iso(patchStamp) });
  });

  test('concurrent PATCHes of the EVSEs of one location are all applied: each EVSE ends at its newest, in any arrival order', async () => {
    await as(cpo)
      .put('/NL/CPO/RACE', aLocation('RACE', { evses: ['E1', 'E2', 'E3'].map((uid) => anEvse(uid)) }))
      .expect(201);
    const statuses = ['CHARGING', 'BLOCKED', 'AVAILABLE', 'OUTOFORDER'];
    const patches = Array.from({ length: 30 }, (_, i) => ({ uid: `E${(i % 3) + 1}`, status: statuses[i % 4], last_updated: later() }));
    const newest = new Map(patches.map((p) => [p.uid, p]));
    // Sent all at once, newest first for half of them, so that older ones often arrive last.
    const order = [...patches.slice(0, 15).reverse(), ...patches.slice(15)];
    const answers = await Promise.all(order.map((p) => as(cpo).patch(`/NL/CPO/RACE/${p.uid}`, { status: p.status, last_updated: p.last_updated })));
    for (const res of answers) expect(res.body.status_code).toBe(1000);
    const location = (await as(cpo).get('/NL/CPO/RACE').expect(200)).body.data;
    for (const evse of location.evses) expect(evse).toMatchObject({ status: newest.get(evse.uid)!.status, last_updated: iso(newest.get(evse.uid)!.last_updated) });
    expect(location.last_updated).toBe(iso(patches[patches.length - 1].last_updated));
  });

  test('a location PATCH changes the given fields; a list in it replaces the whole list', async () => {
    const stamp = later();
    await as(cpo)
      .patch('/NL/CPO/LOC3', { name: 'Gent Zuid', evses: [anEvse('ONLY')], last_updated: stamp })
      .expect(200);
    const location = (await as(cpo).get('/NL/CPO/LOC3').expect(200)).body.data;
    expect(location).toMatchObject({ name: 'Gent Zuid', city: 'Utrecht', last_updated: iso(stamp) });
    expect(location.evses.map((e: { uid: string }) => e.uid)).toEqual(['ONLY']);
  });

  test('a PATCH without last_updated is refused with 2001 naming it, and nothing changes', async () => {
    const before = (await as(cpo).get('/NL/CPO/LOC3').expect(200)).body.data;
    for (const path of ['/NL/CPO/LOC3', '/NL/CPO/LOC3/ONLY', '/NL/CPO/LOC3/ONLY/1']) {
      const res = await as(cpo).patch(path, { name: 'x', status: 'CHARGING', max_voltage: 400 }).expect(200);
      expect(res.body.status_code).toBe(2001);
      expect(res.body.status_message).toContain('last_updated');
    }
    expect((await as(cpo).get('/NL/CPO/LOC3').expect(200)).body.data).toEqual(before);
  });

  test('a PATCH of an unknown location is 404 (2003); of an unknown EVSE or connector 404 (2000)', async () => {
    expect((await as(cpo).patch('/NL/CPO/NEVERPUT', { name: 'x', last_updated: later() }).expect(404)).body.status_code).toBe(2003);
    expect((await as(cpo).patch('/NL/CPO/LOC3/NOEVSE', { status: 'CHARGING', last_updated: later() }).expect(404)).body.status_code).toBe(2000);
    expect((await as(cpo).patch('/NL/CPO/LOC3/ONLY/9', { max_voltage: 400, last_updated: later() }).expect(404)).body.status_code).toBe(2000);
    expect(await stored('NEVERPUT')).toBe(0);
  });

  test('a PUT or PATCH of an EVSE or connector under an unknown location is 404 (2003) and stores nothing', async () => {
    const cases = [
      as(cpo).put('/NL/CPO/ORPHAN/EVSE1', anEvse('EVSE1')),
      as(cpo).patch('/NL/CPO/ORPHAN/EVSE1', { status: 'CHARGING', last_updated: later() }),
      as(cpo).put('/NL/CPO/ORPHAN/EVSE1/1', aConnector('1')),
      as(cpo).patch('/NL/CPO/ORPHAN/EVSE1/1', { max_voltage: 400, last_updated: later() }),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.status).toBe(404);
      expect(res.body.status_code).toBe(2003);
      expect(res.body.status_message).toContain('ORPHAN');
    }
    expect(await stored('ORPHAN')).toBe(0);
  });

  test('an update older than the stored version is acknowledged (1000, "Ignored") and not applied, at every level', async () => {
    await as(cpo).put('/NL/CPO/LOC4', aLocation('LOC4')).expect(201);
    const before = (await as(cpo).get('/NL/CPO/LOC4').expect(200)).body.data;
    const old = '2020-01-01T00:00:00Z';
    const writes = [
      await as(cpo).put('/NL/CPO/LOC4', aLocation('LOC4', { name: 'Old', last_updated: old })),
      await as(cpo).patch('/NL/CPO/LOC4', { name: 'Old', last_updated: old }),
      await as(cpo).put('/NL/CPO/LOC4/EVSE1', anEvse('EVSE1', { status: 'OUTOFORDER', last_updated: old })),
      await as(cpo).patch('/NL/CPO/LOC4/EVSE1', { status: 'OUTOFORDER', last_updated: old }),
      await as(cpo).put('/NL/CPO/LOC4/EVSE1/1', aConnector('1', { max_voltage: 1, last_updated: old })),
      await as(cpo).patch('/NL/CPO/LOC4/EVSE1/1', { max_voltage: 1, last_updated: old }),
    ];
    for (const res of writes) {
      expect(res.status).toBe(200);
      expect(res.body.status_code).toBe(1000);
      expect(res.body.status_message).toMatch(/^Ignored: .*older/);
    }
    expect((await as(cpo).get('/NL/CPO/LOC4').expect(200)).body.data).toEqual(before);
  });
});

describe('Client Owned Object rules', () => {
  test("a write under a party the caller did not register is 404 (2000) and leaves the owner's location untouched", async () => {
    await as(other)
      .put('/NL/OTH/OWNED', aLocation('OWNED', { party_id: 'OTH', name: 'Original' }))
      .expect(201);
    const before = (await as(other).get('/NL/OTH/OWNED').expect(200)).body.data;
    const put = await as(cpo)
      .put('/NL/OTH/OWNED', aLocation('OWNED', { party_id: 'OTH', name: 'Hijacked' }))
      .expect(404);
    expect(put.body).toMatchObject({ status_code: 2000 });
    expect(put.body.status_message).toContain('NL/OTH');
    await as(cpo).patch('/NL/OTH/OWNED', { name: 'Hijacked', last_updated: later() }).expect(404);
    await as(cpo).patch('/NL/OTH/OWNED/EVSE1', { status: 'CHARGING', last_updated: later() }).expect(404);
    await as(cpo).put('/NL/OTH/OWNED/EVSE1/1', aConnector('1')).expect(404);
    await as(cpo).get('/NL/OTH/OWNED').expect(404);
    expect((await as(other).get('/NL/OTH/OWNED').expect(200)).body.data).toEqual(before);
  });

  test('a new location under a party the caller did not register is not stored', async () => {
    const res = await as(cpo)
      .put('/BE/XYZ/FOREIGN', aLocation('FOREIGN', { country_code: 'BE', party_id: 'XYZ' }))
      .expect(404);
    expect(res.body.status_code).toBe(2000);
    expect(await stored('FOREIGN')).toBe(0);
  });

  test.each([
    ['country_code', '/NL/CPO/MISMATCH', aLocation('MISMATCH', { country_code: 'BE' })],
    ['party_id', '/NL/CPO/MISMATCH', aLocation('MISMATCH', { party_id: 'OTH' })],
    ['id', '/NL/CPO/MISMATCH', aLocation('OTHERID')],
  ])('a location PUT whose body %s does not match the URL is refused with 2001 naming the field and nothing is stored', async (field, path, body) => {
    const res = await as(cpo).put(path, body).expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain(`body.${field}`);
    expect(await stored('MISMATCH')).toBe(0);
    expect(await stored('OTHERID')).toBe(0);
  });

  test('an EVSE uid or connector id that does not match the URL is refused with 2001 naming the field', async () => {
    const evse = await as(cpo).put('/NL/CPO/LOC1/EVSE9', anEvse('EVSE8')).expect(200);
    expect(evse.body.status_code).toBe(2001);
    expect(evse.body.status_message).toContain('body.uid');
    const connector = await as(cpo).patch('/NL/CPO/LOC1/EVSE1/1', { id: '7', last_updated: later() }).expect(200);
    expect(connector.body.status_code).toBe(2001);
    expect(connector.body.status_message).toContain('body.id');
    expect((await as(cpo).get('/NL/CPO/LOC1').expect(200)).body.data.evses.map((e: { uid: string }) => e.uid)).toEqual(['EVSE1', 'EVSE2']);
  });
});

describe('validation', () => {
  test.each([
    ['an alpha-2 country', '/NL/CPO/INVALID', aLocation('INVALID', { country: 'NL' }), 'country'],
    ['no address (a required field without a default)', '/NL/CPO/INVALID', aLocation('INVALID', { address: undefined }), 'address'],
    ['an over-long location id in the path', `/NL/CPO/${'X'.repeat(37)}`, aLocation('X'.repeat(37)), 'path.location_id'],
  ])('%s is refused with 2001 naming the field and nothing is stored', async (_name, path, body, field) => {
    const res = await as(cpo).put(path, body).expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain(`${field}: `);
    expect(await stored('INVALID')).toBe(0);
  });

  test('a PATCH field that would leave an invalid Location (EVSE without connectors) is dropped and reported; an unknown status is stored as UNKNOWN', async () => {
    const before = (await as(cpo).get('/NL/CPO/LOC1').expect(200)).body.data;
    const res = await as(cpo).patch('/NL/CPO/LOC1/EVSE1', { connectors: [], last_updated: later() }).expect(200);
    expect(res.body.status_code).toBe(1000);
    expect(res.body.status_message).toContain('connectors (malformed_optional_field)');
    const bad = await as(cpo).patch('/NL/CPO/LOC1/EVSE1', { status: 'BROKEN', last_updated: later() }).expect(200);
    expect(bad.body.status_code).toBe(1000);
    expect(bad.body.status_message).toContain('status (inferred_default)');
    const after = (await as(cpo).get('/NL/CPO/LOC1').expect(200)).body.data;
    const evse = (l: { evses: Array<{ uid: string; status: string; connectors: unknown[] }> }) => l.evses.find((e) => e.uid === 'EVSE1')!;
    expect(evse(after).connectors).toEqual(evse(before).connectors);
    expect(evse(after).status).toBe('UNKNOWN');
  });

  test('the stored location is what the eMSP side reads (case-insensitive ids)', async () => {
    expect(await platform.ctx.services.receivedLocations.store.find('nl', 'cpo', 'loc1')).toMatchObject({ id: 'LOC1', name: 'Renamed' });
  });
});

describe('authentication', () => {
  test('Token A is refused with 401 and nothing is stored', async () => {
    const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
    const res = await request(platform.url)
      .put('/ocpi/emsp/2.2.1/locations/NL/CPO/TOKA')
      .set('Authorization', tokenHeader(invitation.body.token))
      .send(aLocation('TOKA'))
      .expect(401);
    expect(res.body.status_code).toBe(2000);
    expect(await stored('TOKA')).toBe(0);
  });

  test('the interface is advertised in the version details as the eMSP locations RECEIVER', async () => {
    const res = await request(platform.url).get('/ocpi/2.2.1').set('Authorization', tokenHeader(cpo.tokenC)).expect(200);
    expect(res.body.data.endpoints).toContainEqual({ identifier: 'locations', role: 'RECEIVER', url: `${platform.url}/ocpi/emsp/2.2.1/locations` });
  });
});
