/**
 * Topology "CPO delegates to an SCSP", directly between three platforms: the CPO's sessions at
 * the delegated location are pushed to the SCSP, whose charging profiles reach the charge point
 * (the simulator) and whose results and ActiveChargingProfile updates come back to it; the
 * token's eMSP, a second controller, is REJECTED and the conflict is listed and counted.
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
  locationId,
  named,
  party,
  received,
  receivedSessionIds,
  resultOf,
  startSmartTrio,
} from '../helpers/scsp.js';
import { eventually } from '../helpers/eventually.js';
import { request } from '../helpers/platform.js';

let net: SmartTrio;
let delegationId: string;
let delegated: string;
let notDelegated: string;

beforeAll(async () => {
  net = await startSmartTrio('scsp_cpo');
  await connect(net.emsp, net.cpo, 'eMSP to CPO');
  await connect(net.scsp, net.cpo, 'SCSP to CPO');
}, 60_000);

afterAll(() => net?.stop());

test('the SCSP platform advertises sessions RECEIVER and chargingprofiles SENDER, and the CPO sees its party as an SCSP', async () => {
  const peers = (await net.cpo.admin().get('/peers').expect(200)).body;
  const scspPeer = peers.find((p: { roles: Array<{ role: string }> }) => p.roles.some((r) => r.role === 'SCSP'));
  expect(scspPeer.roles).toEqual([expect.objectContaining({ role: 'SCSP', country_code: SCSP.country_code, party_id: SCSP.party_id })]);
  expect(scspPeer.endpoints.map((e: { identifier: string; role: string }) => `${e.identifier}:${e.role}`).sort()).toEqual([
    'chargingprofiles:SENDER',
    'credentials:SENDER',
    'hubclientinfo:RECEIVER',
    'sessions:RECEIVER',
  ]);
});

test('POST /admin/delegations checks its fields and parties, and is recorded in the audit log', async () => {
  const admin = net.cpo.admin();
  const bad = await admin.post('/delegations', { from: 'NLUCP', to: named(SCSP) }).expect(400);
  expect(bad.body.error.fields).toEqual([expect.objectContaining({ path: 'body.from' })]);
  expect((await admin.post('/delegations', { from: 'NL/XXX', to: named(SCSP) }).expect(404)).body.error.message).toContain('from');
  expect((await admin.post('/delegations', { from: named(CPO), to: 'NL/ZZZ' }).expect(404)).body.error.message).toContain('to');
  // The eMSP is known (a peer registered it) but is no SCSP.
  expect((await admin.post('/delegations', { from: named(CPO), to: named(EMSP) }).expect(400)).body.error.fields).toEqual([expect.objectContaining({ path: 'body.to' })]);
  expect((await admin.post('/delegations', { from: named(CPO), to: named(SCSP), locations: [] }).expect(400)).body.error.fields).toEqual([
    expect.objectContaining({ path: 'body.locations' }),
  ]);

  const created = await admin.post('/delegations', { from: named(CPO), to: named(SCSP), locations: [locationId(0)] }).expect(201);
  expect(created.body).toEqual({ id: expect.any(String), from: named(CPO), role: 'CPO', to: named(SCSP), locations: [locationId(0)], created_at: expect.any(String) });
  delegationId = created.body.id;
  // One session, one controller: the same location cannot be delegated twice.
  expect((await admin.post('/delegations', { from: named(CPO), to: named(SCSP), locations: [locationId(0).toLowerCase()] }).expect(409)).body.error.code).toBe('conflict');
  expect((await admin.get('/delegations').expect(200)).body).toEqual([created.body]);

  // Recorded after the answer, by the audit log's own writer.
  await eventually(async () => {
    const audit = (await admin.get('/audit?route=/delegations').expect(200)).body;
    expect(audit.items.map((e: { method: string; status: number }) => `${e.method} ${e.status}`).sort()).toEqual(
      ['POST 201', 'POST 409', 'POST 400', 'POST 400', 'POST 400', 'POST 404', 'POST 404'].sort(),
    );
    // The entry names what was created and the parties it links, and is found by them.
    const bySCSP = (await admin.get(`/audit?route=/delegations&target=${named(SCSP)}`).expect(200)).body;
    expect(bySCSP.items).toEqual([expect.objectContaining({ status: 201, target: { id: delegationId, from: named(CPO), to: named(SCSP) } })]);
  });
});

test('a session at the delegated location reaches the SCSP (and the eMSP), one elsewhere only the eMSP', async () => {
  delegated = await aSessionAt(net.cpo, 0);
  notDelegated = await aSessionAt(net.cpo, 1);
  await eventually(async () => expect(await receivedSessionIds(net.scsp, SCSP)).toEqual([delegated]), 15_000);
  await eventually(async () => expect((await receivedSessionIds(net.emsp, EMSP)).sort()).toEqual([delegated, notDelegated].sort()), 15_000);
  const [put] = received(net.scsp, 'PUT', `/ocpi/emsp/2.2.1/sessions/${CPO.country_code}/${CPO.party_id}/${delegated}`);
  expectRouted(put, CPO, SCSP);
  // Updates follow; nothing of the other session is ever sent to the SCSP.
  await net.cpo
    .admin()
    .patch(`${party(CPO)}/sessions/${delegated}`, { kwh: 3.5 })
    .expect(200);
  await net.cpo
    .admin()
    .patch(`${party(CPO)}/sessions/${notDelegated}`, { kwh: 2 })
    .expect(200);
  await eventually(async () => {
    const s = (
      await net.scsp
        .admin()
        .get(`${party(SCSP)}/received/sessions/${CPO.country_code}/${CPO.party_id}/${delegated}`)
        .expect(200)
    ).body;
    expect(s.kwh).toBe(3.5);
  });
  await net.cpo.whenIdle();
  expect(net.scsp.received.filter((r) => r.path.includes(notDelegated))).toEqual([]);
  await net.scsp
    .admin()
    .get(`${party(SCSP)}/received/sessions/${CPO.country_code}/${CPO.party_id}/${notDelegated}`)
    .expect(404);
  await eventually(() => expect(net.scspHook.events.find((e) => e.type === 'session.started')?.data).toMatchObject({ id: delegated }));
});

test("the SCSP's profile reaches the charge point; the result and an ActiveChargingProfile come back to it", async () => {
  const sent = await net.scsp
    .admin()
    .put(`${party(SCSP)}/sessions/${delegated}/charging-profile`, { charging_profile: PROFILE })
    .expect(201);
  expect(sent.body).toMatchObject({ status: 'ACCEPTED', response: { result: 'ACCEPTED' }, cpo: { country_code: CPO.country_code, party_id: CPO.party_id } });
  const [put] = received(net.cpo, 'PUT', `/ocpi/cpo/2.2.1/chargingprofiles/${delegated}`);
  expectRouted(put, SCSP, CPO);
  expect(new URL((put.body as { response_url: string }).response_url).pathname).toBe(`/ocpi/emsp/2.2.1/chargingprofiles/set/${sent.body.id}`);
  expect((await resultOf(net.scsp, SCSP, delegated, sent.body.id)).result).toEqual({ result: 'ACCEPTED' });
  expectRouted(received(net.scsp, 'POST', `/ocpi/emsp/2.2.1/chargingprofiles/set/${sent.body.id}`)[0], CPO, SCSP);

  // The charge point reports the profile it runs (ActiveChargingProfileResult of a GET).
  const asked = await net.scsp
    .admin()
    .get(`${party(SCSP)}/sessions/${delegated}/charging-profile?duration=900`)
    .expect(201);
  const result = await resultOf(net.scsp, SCSP, delegated, asked.body.id);
  expect(result.result).toMatchObject({ result: 'ACCEPTED', profile: { charging_profile: PROFILE } });

  // The CPO's backend reports a changed profile: PUT to the SCSP, the sender that set one.
  const lowered = { start_date_time: new Date().toISOString(), charging_profile: { charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: 3700 }] } };
  const told = await net.cpo
    .admin()
    .put(`${party(CPO)}/sessions/${delegated}/active-charging-profile`, lowered)
    .expect(200);
  expect(told.body).toEqual({ notified: 1 });
  await eventually(async () => {
    const active = (
      await net.scsp
        .admin()
        .get(`${party(SCSP)}/sessions/${delegated}/charging-profile/active`)
        .expect(200)
    ).body;
    expect(active).toMatchObject({ source: 'PUT', active_charging_profile: lowered });
  });
  expectRouted(received(net.scsp, 'PUT', `/ocpi/emsp/2.2.1/chargingprofiles/${delegated}`)[0], CPO, SCSP);
  await eventually(() => expect(net.scspHook.events.map((e) => e.type)).toEqual(expect.arrayContaining(['chargingprofile.result', 'chargingprofile.active'])));
  expect(net.scspHook.events.every((e) => e.signed)).toBe(true);
  // The SCSP's backend reads its event log like an eMSP's.
  const log = (
    await net.scsp
      .admin()
      .get(`${party(SCSP)}/events?type=chargingprofile.active`)
      .expect(200)
  ).body;
  expect(log[0]).toMatchObject({ type: 'chargingprofile.active', data: { session_id: delegated, active_charging_profile: lowered } });
});

test("the token's eMSP is a second controller: REJECTED, listed as a conflict and counted", async () => {
  const sent = await net.emsp
    .admin()
    .put(`${party(EMSP)}/sessions/${delegated}/charging-profile`, { charging_profile: PROFILE })
    .expect(201);
  expect(sent.body).toMatchObject({ status: 'REJECTED', response: { result: 'REJECTED' } });
  const conflicts = (await net.cpo.admin().get(`/delegations/conflicts?party=${CPO.country_code}*${CPO.party_id}`).expect(200)).body;
  expect(conflicts.items[0]).toMatchObject({
    party: named(CPO),
    requester: named(EMSP),
    controller: named(SCSP),
    session_id: delegated,
    kind: 'SET',
    delegation_id: delegationId,
  });
  const metrics = await request(net.cpo.url).get('/metrics').expect(200);
  expect(metrics.text).toMatch(new RegExp(`ocpi_chargingprofile_conflicts_total\\{party="${named(CPO)}"\\} 1`));
  // Elsewhere the eMSP still steers its drivers' sessions.
  const own = await net.emsp
    .admin()
    .put(`${party(EMSP)}/sessions/${notDelegated}/charging-profile`, { charging_profile: PROFILE })
    .expect(201);
  expect(own.body.response).toMatchObject({ result: 'ACCEPTED' });
  // The SCSP has no say outside its delegation: as for a session it does not know.
  const asScsp = received(net.cpo, 'PUT', `/ocpi/cpo/2.2.1/chargingprofiles/${delegated}`)[0].headers;
  const headers = Object.fromEntries(
    ['authorization', 'ocpi-from-country-code', 'ocpi-from-party-id', 'ocpi-to-country-code', 'ocpi-to-party-id'].map((h) => [h, String(asScsp[h])]),
  );
  const outside = await request(net.cpo.url)
    .put(`/ocpi/cpo/2.2.1/chargingprofiles/${notDelegated}`)
    .set(headers)
    .send({ charging_profile: PROFILE, response_url: 'http://127.0.0.1:9/x' });
  expect(outside.body.data).toMatchObject({ result: 'REJECTED' });
});

test('ending the delegation stops the pushes at once and gives the eMSP its control back', async () => {
  await net.cpo.admin().delete(`/delegations/${delegationId}`).expect(204);
  await net.cpo.admin().delete(`/delegations/${delegationId}`).expect(404);
  const before = received(net.scsp, 'PATCH', `/ocpi/emsp/2.2.1/sessions/${CPO.country_code}/${CPO.party_id}/${delegated}`).length;
  await net.cpo
    .admin()
    .patch(`${party(CPO)}/sessions/${delegated}`, { kwh: 5 })
    .expect(200);
  await eventually(async () => expect((await net.emsp.admin().get(`${party(EMSP)}/received/sessions/${CPO.country_code}/${CPO.party_id}/${delegated}`)).body.kwh).toBe(5));
  await net.cpo.whenIdle();
  expect(received(net.scsp, 'PATCH', `/ocpi/emsp/2.2.1/sessions/${CPO.country_code}/${CPO.party_id}/${delegated}`)).toHaveLength(before);
  // Without a contract the SCSP is any other party: the CPO does not discuss the session with it.
  const scspAgain = await net.scsp
    .admin()
    .put(`${party(SCSP)}/sessions/${delegated}/charging-profile`, { charging_profile: PROFILE })
    .expect(201);
  expect(scspAgain.body.response).toMatchObject({ result: 'UNKNOWN_SESSION' });
  const emspAgain = await net.emsp
    .admin()
    .put(`${party(EMSP)}/sessions/${delegated}/charging-profile`, { charging_profile: PROFILE })
    .expect(201);
  expect(emspAgain.body.response).toMatchObject({ result: 'ACCEPTED' });
  await eventually(async () =>
    expect(
      (await net.cpo.admin().get('/audit?method=DELETE&route=/delegations/:id').expect(200)).body.items.map(
        (e: { route: string; status: number; target: Record<string, string> }) => `${e.route} ${e.status} ${Object.keys(e.target).sort().join(',')}`,
      ),
    ).toEqual(['/delegations/:id 404 id', '/delegations/:id 204 from,id,to']),
  );
});
