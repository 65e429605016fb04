/**
 * Three platforms: a CPO platform and an eMSP platform, each connected only to a hub platform.
 * The eMSP reads the CPO's locations through the hub, the CPO's EVSE status broadcast reaches the
 * eMSP, a START_SESSION routed through the hub gets its CommandResult back through the hub-owned
 * response_url, and the session and CDR arrive. The routing headers of every hop are checked
 * against the table of transport §9.2.
 */
import crypto from 'node:crypto';
import { eventually } from '../helpers/eventually.js';
import { aLocation, later } from '../helpers/locations.js';
import { CPO, EMSP, HUB, type HubTrio, expectRouting, find, startHubTrio } from '../helpers/hub-trio.js';
import { type TestPlatform, request, tokenHeader } from '../helpers/platform.js';

let trio: HubTrio;
let hub: TestPlatform;
let cpo: TestPlatform;
let emsp: TestPlatform;
let emspTokenForHub: string;

const token = {
  country_code: 'DE',
  party_id: 'EMS',
  uid: 'APP1',
  type: 'APP_USER',
  contract_id: 'DE-EMS-C1',
  issuer: 'eMSP',
  valid: true,
  whitelist: 'ALLOWED',
  last_updated: '2025-01-01T00:00:00Z',
};

beforeAll(async () => {
  trio = await startHubTrio('e2e_hub');
  ({ hub, cpo, emsp } = trio);
  const hubPeer = (await emsp.ctx.peerStore.get(trio.hubPeerAtEmsp))!;
  emspTokenForHub = emsp.ctx.secrets.decrypt(hubPeer.peerTokenEnc!);
}, 30000);

afterAll(() => trio?.stop());

test('the hub tells each platform about the other party (hubclientinfo PUTs, no routing headers)', async () => {
  await eventually(() => expect(find(emsp, 'PUT', '/ocpi/2.2.1/hubclientinfo/NL/CPO').map((r) => (r.body as { status: string })?.status)).toContain('CONNECTED'));
  await eventually(() => expect(find(cpo, 'PUT', '/ocpi/2.2.1/hubclientinfo/DE/EMS').map((r) => (r.body as { status: string })?.status)).toContain('CONNECTED'));
  const put = find(emsp, 'PUT', '/ocpi/2.2.1/hubclientinfo/NL/CPO')[0];
  expect(Object.keys(put.headers).filter((h) => h.startsWith('ocpi-'))).toEqual([]);
  const list = await request(hub.url).get('/ocpi/hub/2.2.1/hubclientinfo').set('Authorization', tokenHeader(emspTokenForHub)).expect(200);
  expect(list.body.data).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ country_code: 'NL', party_id: 'CPO', role: 'CPO', status: 'CONNECTED' }),
      expect.objectContaining({ country_code: 'DE', party_id: 'EMS', role: 'EMSP', status: 'CONNECTED' }),
    ]),
  );
});

test("a location the CPO publishes is broadcast through the hub and the eMSP reads the CPO's list through it", async () => {
  await cpo.admin().put('/parties/NL/CPO/locations/LOC1', aLocation('LOC1')).expect(200);
  // CPO -> hub: to = the hub, from = the CPO.
  // Delivery is at least once: a push retried under load may arrive twice.
  await eventually(() => expect(find(hub, 'PUT', '/ocpi/hub/2.2.1/locations/receiver/NL/CPO/LOC1').length).toBeGreaterThanOrEqual(1));
  expectRouting(find(hub, 'PUT', '/ocpi/hub/2.2.1/locations/receiver/NL/CPO/LOC1')[0], CPO, HUB);
  // Hub -> eMSP: to = the eMSP, from = the hub.
  await eventually(() => expect(find(emsp, 'PUT', '/ocpi/emsp/2.2.1/locations/NL/CPO/LOC1').length).toBeGreaterThanOrEqual(1));
  expectRouting(find(emsp, 'PUT', '/ocpi/emsp/2.2.1/locations/NL/CPO/LOC1')[0], HUB, EMSP);
  await eventually(async () => (await emsp.admin().get('/parties/DE/EMS/received/locations/NL/CPO/LOC1')).status === 200 || Promise.reject(new Error('not stored yet')));

  // GET all through the hub: the hub asks the CPO with the eMSP's party as sender.
  cpo.received.length = 0;
  const all = await request(hub.url)
    .get('/ocpi/hub/2.2.1/locations/sender')
    .set('Authorization', tokenHeader(emspTokenForHub))
    .set({
      'X-Request-ID': 'pull-1',
      'X-Correlation-ID': 'pull-corr',
      'OCPI-from-country-code': 'DE',
      'OCPI-from-party-id': 'EMS',
      'OCPI-to-country-code': 'NL',
      'OCPI-to-party-id': 'HUB',
    })
    .expect(200);
  expect(all.body.data.map((l: { id: string }) => l.id)).toEqual(['LOC1']);
  expect(all.headers).toMatchObject({ 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'EMS', 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'HUB', 'x-total-count': '1' });
  // The hub's own scheduled pulls and the eMSP platform's background sync through the hub may land
  // in this window too, each with its own correlation id: this pull's requests are those carrying ours.
  const atCpo = find(cpo, 'GET', '/ocpi/cpo/2.2.1/locations').filter((r) => r.headers['x-correlation-id'] === 'pull-corr');
  expect(atCpo.length).toBeGreaterThan(0);
  atCpo.forEach((r) => expectRouting(r, EMSP, CPO));
  atCpo.forEach((r) => expect(r.headers['x-request-id']).not.toBe('pull-1'));

  // Party to party: one location by id.
  const one = await request(hub.url)
    .get('/ocpi/hub/2.2.1/locations/sender/LOC1')
    .set('Authorization', tokenHeader(emspTokenForHub))
    .set({ 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': 'EMS', 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CPO' })
    .expect(200);
  expect(one.body.data.id).toBe('LOC1');
  expect(one.headers).toMatchObject({ 'ocpi-to-party-id': 'EMS', 'ocpi-from-party-id': 'CPO' });
});

test("the CPO's EVSE status change reaches the eMSP as a broadcast", async () => {
  await cpo.admin().patch('/parties/NL/CPO/locations/LOC1/EVSE2', { status: 'BLOCKED', last_updated: later() }).expect(200);
  await eventually(() => expect(find(emsp, 'PATCH', '/ocpi/emsp/2.2.1/locations/NL/CPO/LOC1/EVSE2').map((r) => (r.body as { status: string }).status)).toContain('BLOCKED'));
  expectRouting(find(hub, 'PATCH', '/ocpi/hub/2.2.1/locations/receiver/NL/CPO/LOC1/EVSE2')[0], CPO, HUB);
  expectRouting(find(emsp, 'PATCH', '/ocpi/emsp/2.2.1/locations/NL/CPO/LOC1/EVSE2')[0], HUB, EMSP);
});

test('START_SESSION through the hub: the CommandResult comes back through the hub-owned response_url, then the session and the CDR', async () => {
  const responseUrl = `${emsp.url}/ocpi/emsp/2.2.1/commands/START_SESSION/${crypto.randomUUID()}`;
  const start = await request(hub.url)
    .post('/ocpi/hub/2.2.1/commands/receiver/START_SESSION')
    .set('Authorization', tokenHeader(emspTokenForHub))
    .set({ 'X-Correlation-ID': 'cmd-corr', 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': 'EMS', 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CPO' })
    .send({ response_url: responseUrl, token, location_id: 'LOC1', evse_uid: 'EVSE1', authorization_reference: 'REF1' })
    .expect(200);
  expect(start.body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } });
  expect(start.headers).toMatchObject({ 'ocpi-to-party-id': 'EMS', 'ocpi-from-party-id': 'CPO', 'x-correlation-id': 'cmd-corr' });

  // Hub -> CPO: the requester's parties, the same correlation id, a hub-owned response_url.
  const atCpo = find(cpo, 'POST', '/ocpi/cpo/2.2.1/commands/START_SESSION')[0];
  expectRouting(atCpo, EMSP, CPO);
  expect(atCpo.headers['x-correlation-id']).toBe('cmd-corr');
  const aliased = (atCpo.body as { response_url: string }).response_url;
  expect(aliased.startsWith(`${hub.url}/ocpi/hub/alias/`)).toBe(true);

  // CPO -> hub alias -> the eMSP's original response_url.
  const resultPath = new URL(responseUrl).pathname;
  await eventually(() => expect(find(emsp, 'POST', resultPath)[0]?.body).toBeDefined());
  expect(find(emsp, 'POST', resultPath)[0].body).toEqual({ result: 'ACCEPTED' });
  expectRouting(find(emsp, 'POST', resultPath)[0], CPO, EMSP);
  expect(find(hub, 'POST', new URL(aliased).pathname).length).toBeGreaterThanOrEqual(1);

  // The session is party-specific: routed to the eMSP party, never broadcast.
  // Bodies are recorded once each request finishes.
  await eventually(() => expect(find(emsp, 'PUT', '/ocpi/emsp/2.2.1/sessions/NL/CPO/')[0]?.body).toBeDefined());
  const sessionPut = find(emsp, 'PUT', '/ocpi/emsp/2.2.1/sessions/NL/CPO/')[0];
  expectRouting(sessionPut, CPO, EMSP);
  expectRouting(find(hub, 'PUT', '/ocpi/hub/2.2.1/sessions/receiver/NL/CPO/')[0], CPO, EMSP);
  const sessionId = (sessionPut.body as { id: string }).id;

  const stop = await request(hub.url)
    .post('/ocpi/hub/2.2.1/commands/receiver/STOP_SESSION')
    .set('Authorization', tokenHeader(emspTokenForHub))
    .set({ 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': 'EMS', 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CPO' })
    .send({ response_url: `${emsp.url}/ocpi/emsp/2.2.1/commands/STOP_SESSION/${crypto.randomUUID()}`, session_id: sessionId })
    .expect(200);
  expect(stop.body.data.result).toBe('ACCEPTED');
  await eventually(() => expect(find(emsp, 'POST', '/ocpi/emsp/2.2.1/cdrs')[0]?.body).toBeDefined(), 15000);
  const cdrPost = find(emsp, 'POST', '/ocpi/emsp/2.2.1/cdrs')[0];
  expectRouting(cdrPost, CPO, EMSP);
  expect((cdrPost.body as { session_id: string }).session_id).toBe(sessionId);
  await eventually(async () => {
    const cdrs = await emsp.admin().get('/parties/DE/EMS/received/cdrs').expect(200);
    expect(JSON.stringify(cdrs.body)).toContain(sessionId);
  });
}, 40000);
