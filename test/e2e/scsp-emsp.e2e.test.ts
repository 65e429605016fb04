/**
 * Topology "eMSP delegates to an SCSP", directly between three platforms: the eMSP forwards its
 * drivers' sessions to the SCSP, receives the SCSP's charging profile requests on its own
 * chargingprofiles RECEIVER and relays them to the CPO as itself (its own response_url), then
 * relays the CPO's results and ActiveChargingProfile updates back. The CPO sees a normal eMSP;
 * the eMSP's own backend, a second controller, is refused.
 */
import {
  CPO,
  EMSP,
  PROFILE,
  SCSP,
  type SmartTrio,
  aSessionAt,
  connect,
  expectRouted,
  named,
  party,
  received,
  receivedSessionIds,
  resultOf,
  startSmartTrio,
} from '../helpers/scsp.js';
import { eventually } from '../helpers/eventually.js';
import { request, tokenHeader } from '../helpers/platform.js';

let net: SmartTrio;
let sessionId: string;
let before: string;

beforeAll(async () => {
  net = await startSmartTrio('scsp_emsp');
  await connect(net.emsp, net.cpo, 'eMSP to CPO');
  await connect(net.scsp, net.emsp, 'SCSP to eMSP');
}, 60_000);

afterAll(() => net?.stop());

test('the eMSP platform advertises a chargingprofiles RECEIVER for its SCSP beside its SENDER', async () => {
  const peers = (await net.scsp.admin().get('/peers').expect(200)).body;
  const endpoints = peers[0].endpoints.filter((e: { identifier: string }) => e.identifier === 'chargingprofiles');
  expect(endpoints).toEqual([
    { identifier: 'chargingprofiles', role: 'RECEIVER', url: `${net.emsp.url}/ocpi/emsp/2.2.1/chargingprofiles/receiver` },
    { identifier: 'chargingprofiles', role: 'SENDER', url: `${net.emsp.url}/ocpi/emsp/2.2.1/chargingprofiles` },
  ]);
});

test('sessions go to the SCSP only once the eMSP delegates; a CPO-style location list is refused for an eMSP', async () => {
  before = await aSessionAt(net.cpo, 0);
  await eventually(async () => expect(await receivedSessionIds(net.emsp, EMSP)).toEqual([before]), 15_000);
  await net.emsp.whenIdle();
  expect(received(net.scsp, 'PUT', '/ocpi/emsp/2.2.1/sessions')).toEqual([]);

  const refused = await net.emsp
    .admin()
    .post('/delegations', { from: named(EMSP), to: named(SCSP), locations: ['UTR-CENTRAAL'] })
    .expect(400);
  expect(refused.body.error.fields).toEqual([expect.objectContaining({ path: 'body.locations' })]);
  const created = await net.emsp
    .admin()
    .post('/delegations', { from: named(EMSP), to: named(SCSP) })
    .expect(201);
  expect(created.body).toMatchObject({ from: named(EMSP), role: 'EMSP', to: named(SCSP), locations: null });
  await net.emsp
    .admin()
    .post('/delegations', { from: named(EMSP), to: named(SCSP) })
    .expect(409);

  sessionId = await aSessionAt(net.cpo, 1);
  // (The eMSP's first pull may bring the earlier session again after the delegation: forwarded too.)
  await eventually(async () => expect(await receivedSessionIds(net.scsp, SCSP)).toContain(sessionId), 15_000);
  for (const put of received(net.scsp, 'PUT', '/ocpi/emsp/2.2.1/sessions/')) expectRouted(put, EMSP, SCSP);
  // Forwarded whole, under the CPO's party and session id, by the eMSP.
  const [forwarded] = received(net.scsp, 'PUT', `/ocpi/emsp/2.2.1/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`);
  expectRouted(forwarded, EMSP, SCSP);
  await net.cpo
    .admin()
    .patch(`${party(CPO)}/sessions/${sessionId}`, { kwh: 4.2 })
    .expect(200);
  await eventually(async () =>
    expect(
      (
        await net.scsp
          .admin()
          .get(`${party(SCSP)}/received/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`)
          .expect(200)
      ).body.kwh,
    ).toBe(4.2),
  );
  // The earlier session may have been forwarded (and announced) first: this one's event is among them.
  await eventually(() => expect(net.scspHook.events.filter((e) => e.type === 'session.started').map((e) => (e.data as { id?: string } | undefined)?.id)).toContain(sessionId));
});

test("the SCSP's profile is relayed by the eMSP to the CPO, and the result comes back the same way", async () => {
  const sent = await net.scsp
    .admin()
    .put(`${party(SCSP)}/sessions/${sessionId}/charging-profile`, { charging_profile: PROFILE })
    .expect(201);
  expect(sent.body).toMatchObject({ status: 'ACCEPTED', response: { result: 'ACCEPTED' }, cpo: { country_code: EMSP.country_code, party_id: EMSP.party_id } });
  const [asked] = received(net.emsp, 'PUT', `/ocpi/emsp/2.2.1/chargingprofiles/receiver/${sessionId}`);
  expectRouted(asked, SCSP, EMSP);
  const scspUrl = (asked.body as { response_url: string }).response_url;
  expect(new URL(scspUrl).pathname).toBe(`/ocpi/emsp/2.2.1/chargingprofiles/set/${sent.body.id}`);

  // The CPO sees the eMSP, with the eMSP's own response_url.
  const [put] = received(net.cpo, 'PUT', `/ocpi/cpo/2.2.1/chargingprofiles/${sessionId}`);
  expectRouted(put, EMSP, CPO);
  const emspUrl = (put.body as { response_url: string }).response_url;
  expect(emspUrl.startsWith(net.emsp.url)).toBe(true);
  expect(put.body).toMatchObject({ charging_profile: PROFILE });

  expect((await resultOf(net.scsp, SCSP, sessionId, sent.body.id)).result).toEqual({ result: 'ACCEPTED' });
  expectRouted(received(net.emsp, 'POST', new URL(emspUrl).pathname)[0], CPO, EMSP);
  expectRouted(received(net.scsp, 'POST', new URL(scspUrl).pathname)[0], EMSP, SCSP);

  // GET and DELETE go the same way; the GET's result carries the profile the charge point runs.
  const get = await net.scsp
    .admin()
    .get(`${party(SCSP)}/sessions/${sessionId}/charging-profile?duration=600`)
    .expect(201);
  expect((await resultOf(net.scsp, SCSP, sessionId, get.body.id)).result).toMatchObject({ result: 'ACCEPTED', profile: { charging_profile: PROFILE } });
  expect(received(net.cpo, 'GET', `/ocpi/cpo/2.2.1/chargingprofiles/${sessionId}`)[0].query).toMatchObject({ duration: '600' });
  const clear = await net.scsp
    .admin()
    .delete(`${party(SCSP)}/sessions/${sessionId}/charging-profile`)
    .expect(201);
  expect((await resultOf(net.scsp, SCSP, sessionId, clear.body.id)).result).toEqual({ result: 'ACCEPTED' });
});

test('an ActiveChargingProfile update of the CPO reaches the SCSP through the eMSP', async () => {
  const lowered = { start_date_time: new Date().toISOString(), charging_profile: { charging_rate_unit: 'A', charging_profile_period: [{ start_period: 0, limit: 10 }] } };
  expect(
    (
      await net.cpo
        .admin()
        .put(`${party(CPO)}/sessions/${sessionId}/active-charging-profile`, lowered)
        .expect(200)
    ).body,
  ).toEqual({ notified: 1 });
  await eventually(async () => {
    const active = (
      await net.scsp
        .admin()
        .get(`${party(SCSP)}/sessions/${sessionId}/charging-profile/active`)
        .expect(200)
    ).body;
    expect(active).toMatchObject({ source: 'PUT', active_charging_profile: lowered });
  });
  expectRouted(received(net.emsp, 'PUT', `/ocpi/emsp/2.2.1/chargingprofiles/${sessionId}`)[0], CPO, EMSP);
  expectRouted(received(net.scsp, 'PUT', `/ocpi/emsp/2.2.1/chargingprofiles/${sessionId}`)[0], EMSP, SCSP);
  await eventually(() => expect(net.scspHook.events.map((e) => e.type)).toEqual(expect.arrayContaining(['chargingprofile.result', 'chargingprofile.active'])));
});

test("the eMSP's own backend no longer steers its drivers (409, a listed conflict); strangers learn nothing", async () => {
  const own = await net.emsp
    .admin()
    .put(`${party(EMSP)}/sessions/${sessionId}/charging-profile`, { charging_profile: PROFILE })
    .expect(409);
  expect(own.body.error.message).toContain(named(SCSP));
  const conflicts = (await net.emsp.admin().get('/delegations/conflicts').expect(200)).body;
  expect(conflicts).toMatchObject({ total: 1, items: [{ party: named(EMSP), requester: named(EMSP), controller: named(SCSP), session_id: sessionId, kind: 'SET' }] });
  // The CPO was never asked.
  expect(received(net.cpo, 'PUT', `/ocpi/cpo/2.2.1/chargingprofiles/${sessionId}`)).toHaveLength(1);

  // A session the SCSP never got is unknown to it.
  await net.scsp
    .admin()
    .put(`${party(SCSP)}/sessions/NOPE/charging-profile`, { charging_profile: PROFILE })
    .expect(404);
});

test('an eMSP forwards only its own drivers’ sessions: another eMSP’s token under a CPO’s URL is refused (404)', async () => {
  const [toScsp] = await net.emsp.ctx.db.peer.findMany({ where: { status: 'REGISTERED', roles: { some: { role: 'SCSP' } } } });
  const token = net.emsp.ctx.secrets.decrypt(toScsp.peerTokenEnc as string);
  const stored = (
    await net.scsp
      .admin()
      .get(`${party(SCSP)}/received/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`)
      .expect(200)
  ).body;
  const headers = {
    Authorization: tokenHeader(token),
    'OCPI-from-country-code': EMSP.country_code,
    'OCPI-from-party-id': EMSP.party_id,
    'OCPI-to-country-code': SCSP.country_code,
    'OCPI-to-party-id': SCSP.party_id,
  };
  const other = { ...stored, id: 'FORGED1', cdr_token: { ...stored.cdr_token, country_code: 'DE', party_id: 'OTH' }, last_updated: new Date().toISOString() };
  const res = await request(net.scsp.url).put(`/ocpi/emsp/2.2.1/sessions/${CPO.country_code}/${CPO.party_id}/FORGED1`).set(headers).send(other);
  expect(res.status).toBe(404);
  // Its own driver's session is accepted as a forward (what the eMSP platform does by itself).
  const own = await request(net.scsp.url)
    .put(`/ocpi/emsp/2.2.1/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`)
    .set(headers)
    .send({ ...stored, last_updated: new Date().toISOString() });
  expect(own.status).toBe(200);
});

test('removing the delegating party removes its delegation', async () => {
  expect((await net.emsp.admin().get('/delegations').expect(200)).body).toHaveLength(1);
  await net.emsp.admin().delete(party(EMSP)).expect(204);
  expect((await net.emsp.admin().get('/delegations').expect(200)).body).toEqual([]);
});
