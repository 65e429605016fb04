/**
 * Our eMSP role when its platform is connected only to a hub: three platforms, the eMSP uses
 * nothing but its own admin API. It pulls the CPO's locations and tariffs through the hub (GET
 * All via Hub), its token push reaches the CPO, START_SESSION / STOP_SESSION and a charging
 * profile go to the hub addressed to the CPO behind it and their results come back through the
 * hub-owned response_url, and the CDR arrives. Every hop's routing headers are checked against
 * transport §9.2.
 */
import { eventually } from '../helpers/eventually.js';
import { aLocation, anEvse } from '../helpers/locations.js';
import { CPO, EMSP, HUB, type HubTrio, expectRouting, find, startHubTrio } from '../helpers/hub-trio.js';
import type { TestPlatform } from '../helpers/platform.js';

let trio: HubTrio;
let hub: TestPlatform;
let cpo: TestPlatform;
let emsp: TestPlatform;
let hubPeerAtEmsp: string;

const token = { country_code: 'DE', party_id: 'EMS', uid: 'APP1', type: 'APP_USER', contract_id: 'DE-EMS-C1', issuer: 'eMSP', valid: true, whitelist: 'ALLOWED' };

/** The eMSP's stored command once it has its final status. */
async function finished(path: string): Promise<{ status: string; response: { result: string } | null; result: { result: string } | null }> {
  let done: { status: string } & Record<string, any> = { status: 'REQUESTED' };
  await eventually(async () => {
    done = (await emsp.admin().get(path).expect(200)).body;
    expect(['RESULT', 'REJECTED', 'TIMEOUT', 'FAILED']).toContain(done.status);
  }, 15000);
  return done as never;
}

beforeAll(async () => {
  // Published before anyone is connected: the eMSP can only learn them by pulling.
  trio = await startHubTrio('e2e_hubemsp', async (cpo) => {
    await cpo
      .admin()
      .put(
        '/parties/NL/CPO/locations/LOC1',
        aLocation('LOC1', { evses: [anEvse('EVSE1', { capabilities: ['REMOTE_START_STOP_CAPABLE', 'RFID_READER', 'CHARGING_PROFILE_CAPABLE'] }), anEvse('EVSE2')] }),
      )
      .expect(200);
    await cpo
      .admin()
      .put('/parties/NL/CPO/locations/LOC2', aLocation('LOC2', { evses: [anEvse('EVSE3')] }))
      .expect(200);
  });
  ({ hub, cpo, emsp, hubPeerAtEmsp } = trio);
}, 30000);

afterAll(() => trio?.stop());

test("the eMSP pulls the CPO's locations and tariffs through the hub: GET all to the hub, from our eMSP party", async () => {
  await eventually(async () => {
    const locations = await emsp.admin().get('/parties/DE/EMS/received/locations').expect(200);
    expect(locations.body.items.map((l: { id: string }) => l.id).sort()).toEqual(['LOC1', 'LOC2']);
  }, 20000);
  await eventually(async () => {
    const tariffs = await emsp.admin().get('/parties/DE/EMS/received/tariffs').expect(200);
    expect(tariffs.body.items.map((t: { id: string; country_code: string }) => `${t.country_code}/${t.id}`)).toEqual(['NL/T1']);
  }, 20000);

  // eMSP -> hub: to = the hub (GET All via Hub), from = our eMSP party.
  for (const module of ['locations', 'tariffs', 'sessions', 'cdrs']) {
    const atHub = find(hub, 'GET', `/ocpi/hub/2.2.1/${module}/sender`);
    expect(atHub.length).toBeGreaterThan(0);
    atHub.forEach((r) => expectRouting(r, EMSP, HUB));
  }
  // Hub -> CPO: the requester as sender, the CPO as receiver.
  const atCpo = find(cpo, 'GET', '/ocpi/cpo/2.2.1/locations');
  expect(atCpo.length).toBeGreaterThan(0);
  atCpo.forEach((r) => expectRouting(r, EMSP, CPO));
  const pulls = await emsp.admin().get(`/peers/${hubPeerAtEmsp}/pulls`).expect(200);
  expect(pulls.body).toEqual(expect.arrayContaining(['locations', 'tariffs', 'sessions', 'cdrs'].map((module) => expect.objectContaining({ module, last_error: null }))));
});

test("the eMSP's token push reaches the CPO through the hub (broadcast)", async () => {
  await emsp
    .admin()
    .put('/parties/DE/EMS/tokens/APP1', token)
    .expect((r) => expect([200, 201]).toContain(r.status));
  // eMSP -> hub: to = the hub, from = the eMSP; hub -> CPO: to = the CPO, from = the hub.
  await eventually(() => expect(find(cpo, 'PUT', '/ocpi/cpo/2.2.1/tokens/DE/EMS/APP1')[0]?.body).toBeDefined());
  expectRouting(find(hub, 'PUT', '/ocpi/hub/2.2.1/tokens/receiver/DE/EMS/APP1')[0], EMSP, HUB);
  expectRouting(find(cpo, 'PUT', '/ocpi/cpo/2.2.1/tokens/DE/EMS/APP1')[0], HUB, CPO);
  await eventually(async () => expect(await cpo.ctx.db.receivedToken.count({ where: { uidKey: 'APP1' } })).toBe(1));
});

test('START_SESSION, a charging profile and STOP_SESSION from the admin API go through the hub; results come back through hub-owned response_urls; the CDR arrives', async () => {
  const start = await emsp
    .admin()
    .post('/parties/DE/EMS/commands/START_SESSION', { location_id: 'LOC1', evse_uid: 'EVSE1', token: { ...token, last_updated: '2025-01-01T00:00:00Z' } })
    .expect(201);
  expect(start.body).toMatchObject({ status: expect.stringMatching(/^(ACCEPTED|RESULT)$/), cpo: { country_code: 'NL', party_id: 'CPO' }, response: { result: 'ACCEPTED' } });
  const started = await finished(`/parties/DE/EMS/commands/${start.body.id}`);
  expect(started).toMatchObject({ status: 'RESULT', result: { result: 'ACCEPTED' } });

  // eMSP -> hub (the hub's commands RECEIVER), addressed to the CPO behind it.
  const atHub = find(hub, 'POST', '/ocpi/hub/2.2.1/commands/receiver/START_SESSION')[0];
  expectRouting(atHub, EMSP, CPO);
  const responseUrl = (atHub.body as { response_url: string }).response_url;
  expect(responseUrl).toBe(`${emsp.url}/ocpi/emsp/2.2.1/commands/START_SESSION/${start.body.id}`);
  // Hub -> CPO with a hub-owned response_url; CPO -> hub alias -> our response_url.
  const atCpo = find(cpo, 'POST', '/ocpi/cpo/2.2.1/commands/START_SESSION')[0];
  expectRouting(atCpo, EMSP, CPO);
  const aliased = (atCpo.body as { response_url: string }).response_url;
  expect(aliased.startsWith(`${hub.url}/ocpi/hub/alias/`)).toBe(true);
  expect(find(hub, 'POST', new URL(aliased).pathname)).toHaveLength(1);
  const result = find(emsp, 'POST', new URL(responseUrl).pathname)[0];
  expectRouting(result, CPO, EMSP);
  expect(result.body).toEqual({ result: 'ACCEPTED' });

  // The session arrives pushed through the hub.
  let sessionId = '';
  await eventually(async () => {
    const sessions = await emsp.admin().get('/parties/DE/EMS/received/sessions').expect(200);
    sessionId = sessions.body.items.find((s: { status: string }) => s.status === 'ACTIVE')?.id;
    expect(sessionId).toBeTruthy();
  }, 15000);

  // A charging profile for the session: to the hub, addressed to the session's CPO.
  const profile = await emsp
    .admin()
    .put(`/parties/DE/EMS/sessions/${sessionId}/charging-profile`, { charging_profile: { charging_rate_unit: 'A', charging_profile_period: [{ start_period: 0, limit: 16 }] } })
    .expect(201);
  expect(profile.body).toMatchObject({ cpo: { country_code: 'NL', party_id: 'CPO' }, response: { result: 'ACCEPTED' } });
  await eventually(async () => {
    const stored = await emsp.admin().get(`/parties/DE/EMS/sessions/${sessionId}/charging-profile/requests/${profile.body.id}`).expect(200);
    expect(stored.body).toMatchObject({ status: 'RESULT', result: { result: 'ACCEPTED' } });
  }, 15000);
  expectRouting(find(hub, 'PUT', `/ocpi/hub/2.2.1/chargingprofiles/receiver/${sessionId}`)[0], EMSP, CPO);
  expectRouting(find(emsp, 'POST', `/ocpi/emsp/2.2.1/chargingprofiles/set/${profile.body.id}`)[0], CPO, EMSP);

  // STOP_SESSION: the CPO is found from the received session, reached through the hub.
  const stop = await emsp.admin().post('/parties/DE/EMS/commands/STOP_SESSION', { session_id: sessionId }).expect(201);
  expect(stop.body).toMatchObject({ cpo: { country_code: 'NL', party_id: 'CPO' }, response: { result: 'ACCEPTED' } });
  expect(await finished(`/parties/DE/EMS/commands/${stop.body.id}`)).toMatchObject({ status: 'RESULT', result: { result: 'ACCEPTED' } });
  expectRouting(find(hub, 'POST', '/ocpi/hub/2.2.1/commands/receiver/STOP_SESSION')[0], EMSP, CPO);
  expectRouting(find(emsp, 'POST', `/ocpi/emsp/2.2.1/commands/STOP_SESSION/${stop.body.id}`)[0], CPO, EMSP);

  // The CDR: CPO -> hub -> eMSP, party to party.
  await eventually(async () => {
    const cdrs = await emsp.admin().get('/parties/DE/EMS/received/cdrs').expect(200);
    expect(cdrs.body.items.map((c: { session_id: string }) => c.session_id)).toContain(sessionId);
  }, 15000);
  expectRouting(find(hub, 'POST', '/ocpi/hub/2.2.1/cdrs/receiver')[0], CPO, EMSP);
  expectRouting(find(emsp, 'POST', '/ocpi/emsp/2.2.1/cdrs')[0], CPO, EMSP);
}, 60000);

test('a full pull through the hub reads the sessions and CDRs of our drivers too', async () => {
  hub.received.length = 0;
  const asked = Date.now();
  await emsp
    .admin()
    .post(`/peers/${hubPeerAtEmsp}/resync`, { modules: ['sessions', 'cdrs'] })
    .expect(200);
  await eventually(async () => {
    const pulls = (await emsp.admin().get(`/peers/${hubPeerAtEmsp}/pulls`).expect(200)).body as Array<{
      module: string;
      last_success_at: string | null;
      last_count: number | null;
      last_error: string | null;
    }>;
    for (const module of ['sessions', 'cdrs']) {
      const p = pulls.find((x) => x.module === module)!;
      expect(p.last_error).toBeNull();
      expect(Date.parse(p.last_success_at ?? '1970-01-01T00:00:00Z')).toBeGreaterThanOrEqual(asked - 5);
      expect(p.last_count).toBe(1);
    }
  }, 20000);
  for (const module of ['sessions', 'cdrs']) {
    const atHub = find(hub, 'GET', `/ocpi/hub/2.2.1/${module}/sender`);
    expect(atHub.length).toBeGreaterThan(0);
    atHub.forEach((r) => expectRouting(r, EMSP, HUB));
  }
});
