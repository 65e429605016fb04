/**
 * Locations as a CPO: the backend API writes them (location, EVSE, connector level), every
 * change is pushed to the receiving eMSP peer, and peers pull them from the SENDER interface.
 */
import { Connector, Evse, Location } from '../../../src/model/location.js';
import { aBusinessDetails, aCredentialsRole } from '../../helpers/builders.js';
import { FAST_DELIVERY } from '../../helpers/delivery.js';
import { eventually } from '../../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../../helpers/fake-peer.js';
import { aConnector, aLocation, anEvse, later } from '../../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';

let platform: TestPlatform;
let emsp: FakePeer;
let tokenC: string;
const pushes = () => emsp.received.filter((r) => r.path.startsWith('/emsp/locations'));

beforeAll(async () => {
  platform = await startTestPlatform('locations_cpo', { env: FAST_DELIVERY });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  emsp = await startFakePeer([{ identifier: 'locations', role: 'RECEIVER', path: '/emsp/locations' }]);
  emsp.acceptedTokens.add('emsp-token-b');
  for (const method of ['PUT', 'PATCH']) emsp.on(method, '/emsp/locations/*', (_req, res) => void res.json(ok()));
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  const reg = await request(platform.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: 'emsp-token-b', url: emsp.versionsUrl, roles: [aCredentialsRole()] });
  tokenC = reg.body.data.token;
});

afterAll(async () => {
  await emsp?.close();
  await platform?.stop();
});

const backend = (path: string) => `/parties/NL/CPO/locations${path}`;
const sender = (path = '') => request(platform.url).get(`/ocpi/cpo/2.2.1/locations${path}`).set('Authorization', tokenHeader(tokenC));

describe('backend API and push', () => {
  test('a PUT location is stored and pushed whole to the eMSP with routing headers', async () => {
    const location = aLocation('LOC1');
    const res = await platform.admin().put(backend('/LOC1'), location).expect(200);
    expect(Location.parse(res.body).id).toBe('LOC1');
    await eventually(() => expect(pushes()).toHaveLength(1));
    const push = pushes()[0];
    expect(push).toMatchObject({ method: 'PUT', path: '/emsp/locations/NL/CPO/LOC1' });
    expect(push.headers).toMatchObject({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'CPO', 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'EMS' });
    expect(Location.parse(push.body)).toMatchObject({ id: 'LOC1', evses: [expect.objectContaining({ uid: 'EVSE1' }), expect.objectContaining({ uid: 'EVSE2' })] });
  });

  test('an EVSE status PATCH is pushed as a PATCH at EVSE level and moves the location last_updated', async () => {
    const stamp = later();
    await platform.admin().patch(backend('/LOC1/EVSE1'), { status: 'CHARGING', last_updated: stamp }).expect(200);
    await eventually(() => expect(pushes()).toHaveLength(2));
    expect(pushes()[1]).toMatchObject({ method: 'PATCH', path: '/emsp/locations/NL/CPO/LOC1/EVSE1', body: { status: 'CHARGING', last_updated: stamp } });
    const location = (await sender('/LOC1').expect(200)).body.data;
    expect(location.last_updated).toBe(stamp);
    expect(location.evses[0]).toMatchObject({ status: 'CHARGING', last_updated: stamp });
    expect(location.evses[1].status).toBe('AVAILABLE');
  });

  test('a connector change moves both its EVSE and location last_updated', async () => {
    const stamp = later();
    await platform.admin().patch(backend('/LOC1/EVSE2/1'), { max_amperage: 16, last_updated: stamp }).expect(200);
    const location = (await sender('/LOC1').expect(200)).body.data;
    expect([location.last_updated, location.evses[1].last_updated, location.evses[1].connectors[0].last_updated]).toEqual([stamp, stamp, stamp]);
    await eventually(() => expect(pushes().map((p) => p.path)).toContain('/emsp/locations/NL/CPO/LOC1/EVSE2/1'));
  });

  test('a new EVSE and a new connector can be PUT at their own level', async () => {
    await platform.admin().put(backend('/LOC1/EVSE3'), anEvse('EVSE3')).expect(200);
    await platform
      .admin()
      .put(backend('/LOC1/EVSE3/2'), aConnector('2', { standard: 'IEC_62196_T2_COMBO', power_type: 'DC', max_voltage: 920, max_amperage: 200 }))
      .expect(200);
    const evse = Evse.parse((await sender('/LOC1/EVSE3').expect(200)).body.data);
    expect(evse.connectors.map((c) => c.id)).toEqual(['1', '2']);
    expect(Connector.parse((await sender('/LOC1/EVSE3/2').expect(200)).body.data).power_type).toBe('DC');
  });

  test('without last_updated a backend PATCH is stamped now', async () => {
    const before = Date.now();
    const res = await platform.admin().patch(backend('/LOC1'), { name: 'Renamed' }).expect(200);
    expect(Date.parse(res.body.last_updated)).toBeGreaterThanOrEqual(before - 1000);
    await eventually(() => expect(pushes().map((p) => p.body)).toContainEqual({ name: 'Renamed', last_updated: res.body.last_updated }));
  });

  test.each([
    ['an id that does not match the path', '/LOC9', () => aLocation('LOCX'), 400, 'body.id'],
    ['another party in the body', '/LOC9', () => aLocation('LOC9', { party_id: 'XXX' }), 400, 'party_id'],
    ['a 2-letter country', '/LOC9', () => aLocation('LOC9', { country: 'NL' }), 400, 'body.country'],
    ['an EVSE without connectors', '/LOC9', () => aLocation('LOC9', { evses: [anEvse('E', { connectors: [] })] }), 400, 'connectors'],
    ['coordinates as numbers', '/LOC9', () => aLocation('LOC9', { coordinates: { latitude: 52.1, longitude: 5.1 } }), 400, 'coordinates'],
    ['an EVSE for an unknown location', '/NOPE/EVSE1', () => anEvse('EVSE1'), 404, 'Unknown location'],
    ['a connector for an unknown EVSE', '/LOC1/NOPE/1', () => aConnector('1'), 404, 'Unknown EVSE'],
  ])('%s is refused (%s) and nothing is stored or queued for a peer', async (_name, path, body, status, text) => {
    const before = await platform.ctx.db.outboxMessage.count();
    const res = await platform.admin().put(backend(path), body()).expect(status);
    expect(res.body.error.message).toContain(text);
    await platform.admin().get(backend('/LOC9')).expect(404);
    expect(await platform.ctx.db.outboxMessage.count()).toBe(before);
  });

  test('a version older than the stored one is refused with 409', async () => {
    const res = await platform.admin().patch(backend('/LOC1/EVSE1'), { status: 'AVAILABLE', last_updated: '2020-01-01T00:00:00Z' }).expect(409);
    expect(res.body.error.message).toContain('older');
  });

  test('only CPO parties have locations', async () => {
    await platform.admin().post('/parties', { country_code: 'NL', party_id: 'EMP', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
    await platform
      .admin()
      .put('/parties/NL/EMP/locations/LOC1', aLocation('LOC1', { party_id: 'EMP' }))
      .expect(404);
    await platform.admin().delete('/parties/NL/EMP').expect(204);
  });
});

describe('SENDER interface', () => {
  beforeAll(async () => {
    // EVSE uids are unique across the platform, so every location has its own.
    for (let i = 2; i <= 6; i++)
      await platform
        .admin()
        .put(backend(`/LOC${i}`), aLocation(`LOC${i}`, { evses: [anEvse(`L${i}-EVSE1`), anEvse(`L${i}-EVSE2`)] }))
        .expect(200);
  });

  test('the list pages through every location in last_updated order, each a valid Location', async () => {
    const ids: string[] = [];
    let next: string | undefined = '?limit=2';
    while (next) {
      const res = await sender(next).expect(200);
      expect(res.headers['x-total-count']).toBe('6');
      for (const l of res.body.data) ids.push(Location.parse(l).id);
      const link = res.headers['link'] as string | undefined;
      next = link ? new URL(/<([^>]+)>/.exec(link)![1]).search : undefined;
    }
    expect(ids.sort()).toEqual(['LOC1', 'LOC2', 'LOC3', 'LOC4', 'LOC5', 'LOC6']);
  });

  test('date_from returns only what changed since', async () => {
    const since = later();
    await platform.admin().patch(backend('/LOC4/L4-EVSE2'), { status: 'OUTOFORDER', last_updated: later() }).expect(200);
    // LOC1 was stamped with the real clock above, far after the fixtures' clock: date_to leaves it out.
    const res = await sender(`?date_from=${since}&date_to=${later()}`).expect(200);
    expect(res.body.data.map((l: { id: string }) => l.id)).toEqual(['LOC4']);
  });

  test('ids are case-insensitive and unknown objects answer 404', async () => {
    expect((await sender('/loc2/l2-evse1/1').expect(200)).body.data.id).toBe('1');
    const missing = await sender('/NOPE').expect(404);
    expect(missing.body.status_code).toBe(2003);
    await sender('/LOC2/NOPE').expect(404);
    await sender('/LOC2/L2-EVSE1/9').expect(404);
  });

  test('a location id belongs to one party: another CPO party cannot take it over', async () => {
    await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CP2', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
    const res = await platform
      .admin()
      .put('/parties/NL/CP2/locations/LOC1', aLocation('LOC1', { party_id: 'CP2' }))
      .expect(409);
    expect(res.body.error.message).toContain('unique');
  });

  test('with two CPO parties, each sees only its own locations, addressed by OCPI-to-*', async () => {
    await platform
      .admin()
      .put('/parties/NL/CP2/locations/OTHER1', aLocation('OTHER1', { party_id: 'CP2', evses: [anEvse('OTHER1-EVSE1')] }))
      .expect(200);
    const toCp2 = await sender().set({ 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CP2' }).expect(200);
    expect(toCp2.body.data.map((l: { id: string }) => l.id)).toEqual(['OTHER1']);
    await sender('/LOC1').set({ 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CP2' }).expect(404);
    // Without headers the receiver is ambiguous now.
    expect((await sender()).body.status_code).toBe(2001);
  });
});

describe('EVSE uids', () => {
  test('an EVSE uid used by another location is refused with 409 and nothing is written or pushed', async () => {
    const before = await platform.ctx.db.outboxMessage.count();
    const res = await platform
      .admin()
      .put(backend('/LOC-DUP'), aLocation('LOC-DUP', { evses: [anEvse('evse1')] }))
      .expect(409);
    expect(res.body.error.message).toContain('EVSE1');
    // LOC1 carries the real clock by now (earlier PATCHes without last_updated).
    await platform
      .admin()
      .put(backend('/LOC1/EVSE1-NEW'), anEvse('EVSE1-NEW', { last_updated: new Date(Date.now() + 60_000).toISOString() }))
      .expect(200);
    await platform
      .admin()
      .put(backend('/LOC-DUP'), aLocation('LOC-DUP', { evses: [anEvse('DUP-EVSE1')] }))
      .expect(200);
    await platform.admin().put(backend('/LOC-DUP/EVSE1-NEW'), anEvse('EVSE1-NEW')).expect(409);
    await platform.admin().get(backend('/LOC-DUP/EVSE1-NEW')).expect(404);
    expect(await platform.ctx.db.outboxMessage.count()).toBe(before + 2);
  });

  test('the same EVSE uid twice in one location is a 400 naming body.evses', async () => {
    const res = await platform
      .admin()
      .put(backend('/LOC-TWICE'), aLocation('LOC-TWICE', { evses: [anEvse('TW-1'), anEvse('tw-1')] }))
      .expect(400);
    expect(res.body.error.message).toContain('body.evses');
    await platform.admin().get(backend('/LOC-TWICE')).expect(404);
  });
});
