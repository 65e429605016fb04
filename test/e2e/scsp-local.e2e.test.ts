/**
 * Delegations to an SCSP hosted on the delegating party's own platform, in both topologies,
 * over the platform's loopback connection. Platform P hosts the CPO (simulator) and SCSP
 * NL/SCS; platform E hosts the eMSP and SCSP NL/SC2 and is connected to P. P's CPO delegates
 * its first location to NL/SCS; E's eMSP delegates its drivers' sessions to NL/SC2. At the first
 * location the CPO's delegation decides, so NL/SC2's requests relayed by the eMSP are REJECTED.
 */
import { businessDetails, locations, tariffs } from '../../src/demo/fixture.js';
import { aBusinessDetails } from '../helpers/builders.js';
import { eventually } from '../helpers/eventually.js';
import { type TestPlatform, startTestPlatform } from '../helpers/platform.js';
import {
  CPO,
  EMSP,
  PROFILE,
  SMART_ENV,
  type Webhook,
  aSessionAt,
  aWebhook,
  connect,
  expectRouted,
  locationId,
  named,
  party,
  received,
  receivedSessionIds,
  resultOf,
} from '../helpers/scsp.js';

const LOCAL_SCSP = { country_code: 'NL', party_id: 'SCS', name: 'Smart Charging Services' };
const EMSP_SCSP = { country_code: 'NL', party_id: 'SC2', name: 'Driver Smart Charging' };
const SECRET = 'scsp-webhook-secret-0123456789';

let p: TestPlatform;
let e: TestPlatform;
let hookP: Webhook;
let hookE: Webhook;
let cpoDelegation: string;
let atDelegated: string;
let elsewhere: string;

async function addScsp(platform: TestPlatform, scsp: typeof LOCAL_SCSP, hook: Webhook): Promise<void> {
  await platform
    .admin()
    .post('/parties', { country_code: scsp.country_code, party_id: scsp.party_id, role: 'SCSP', business_details: aBusinessDetails(scsp.name) })
    .expect(201);
  await platform
    .admin()
    .put(`${party(scsp)}/backend`, { adapter: 'webhook', url: hook.url, secret: SECRET })
    .expect(200);
}

beforeAll(async () => {
  [p, e] = await Promise.all([startTestPlatform('scsp_local_p', { env: SMART_ENV }), startTestPlatform('scsp_local_e', { env: SMART_ENV })]);
  [hookP, hookE] = await Promise.all([aWebhook(SECRET), aWebhook(SECRET)]);
  await p
    .admin()
    .post('/parties', { country_code: CPO.country_code, party_id: CPO.party_id, role: 'CPO', business_details: businessDetails(CPO.name) })
    .expect(201);
  await p
    .admin()
    .put(`${party(CPO)}/backend`, { adapter: 'simulator' })
    .expect(200);
  for (const t of tariffs())
    await p
      .admin()
      .put(`${party(CPO)}/tariffs/${t.id}`, t)
      .expect(200);
  for (const l of locations())
    await p
      .admin()
      .put(`${party(CPO)}/locations/${l.id}`, l)
      .expect(200);
  await addScsp(p, LOCAL_SCSP, hookP);
  await e
    .admin()
    .post('/parties', { country_code: EMSP.country_code, party_id: EMSP.party_id, role: 'EMSP', business_details: businessDetails(EMSP.name) })
    .expect(201);
  await addScsp(e, EMSP_SCSP, hookE);
  await connect(e, p, 'eMSP to CPO');
}, 60_000);

afterAll(async () => {
  await Promise.all([p?.stop(), e?.stop()]);
  hookP?.close();
  hookE?.close();
});

const loopbackOf = async (platform: TestPlatform) =>
  (
    (await platform.admin().get('/peers').expect(200)).body as Array<{ id: string; loopback: boolean; roles: Array<{ role: string; country_code: string; party_id: string }> }>
  ).find((peer) => peer.loopback);
const rolesOf = (peer: { roles: Array<{ role: string; country_code: string; party_id: string }> } | undefined) =>
  (peer?.roles ?? []).map((r) => `${r.role} ${r.country_code}/${r.party_id}`).sort();

test('a delegation to an SCSP hosted here makes the loopback connection, which an admin cannot rotate or unregister', async () => {
  expect(await loopbackOf(p)).toBeUndefined();
  const created = await p
    .admin()
    .post('/delegations', { from: named(CPO), to: named(LOCAL_SCSP), locations: [locationId(0)] })
    .expect(201);
  cpoDelegation = created.body.id;
  expect(created.body).toMatchObject({ from: named(CPO), role: 'CPO', to: named(LOCAL_SCSP), locations: [locationId(0)] });
  const loopback = await loopbackOf(p);
  expect(loopback).toMatchObject({ status: 'REGISTERED', version: '2.2.1', versions_url: `${p.url}/ocpi/versions` });
  expect(rolesOf(loopback)).toEqual([`CPO ${named(CPO)}`, `SCSP ${named(LOCAL_SCSP)}`]);
  // The other connection is still the only one the eMSP's platform sees as a peer of P's parties.
  expect((await p.admin().get('/peers').expect(200)).body.filter((peer: { loopback: boolean }) => !peer.loopback)).toHaveLength(1);
  expect((await p.admin().post(`/peers/${loopback?.id}/rotate`).expect(409)).body.error.message).toContain('delegations');
  await p.admin().delete(`/peers/${loopback?.id}`).expect(409);

  const byEmsp = await e
    .admin()
    .post('/delegations', { from: named(EMSP), to: named(EMSP_SCSP) })
    .expect(201);
  expect(byEmsp.body).toMatchObject({ role: 'EMSP', locations: null });
  expect(rolesOf(await loopbackOf(e))).toEqual([`EMSP ${named(EMSP)}`, `SCSP ${named(EMSP_SCSP)}`]);
});

test("CPO topology: a session at the delegated location reaches the CPO's own SCSP through the loopback connection", async () => {
  atDelegated = await aSessionAt(p, 0);
  await eventually(async () => expect(await receivedSessionIds(p, LOCAL_SCSP)).toEqual([atDelegated]), 15_000);
  expectRouted(received(p, 'PUT', `/ocpi/emsp/2.2.1/sessions/${CPO.country_code}/${CPO.party_id}/${atDelegated}`)[0], CPO, LOCAL_SCSP);
  await eventually(() => expect(hookP.events.find((ev) => ev.type === 'session.started')?.data).toMatchObject({ id: atDelegated }));
  // The token's eMSP gets it as always, and forwards it to the SCSP it delegated to.
  await eventually(async () => expect(await receivedSessionIds(e, EMSP)).toContain(atDelegated), 15_000);
  await eventually(async () => expect(await receivedSessionIds(e, EMSP_SCSP)).toContain(atDelegated), 15_000);
});

test("CPO topology: the local SCSP's profile reaches the simulator; result and ActiveChargingProfile come back", async () => {
  const sent = await p
    .admin()
    .put(`${party(LOCAL_SCSP)}/sessions/${atDelegated}/charging-profile`, { charging_profile: PROFILE })
    .expect(201);
  expect(sent.body).toMatchObject({ status: 'ACCEPTED', response: { result: 'ACCEPTED' }, cpo: { country_code: CPO.country_code, party_id: CPO.party_id } });
  expectRouted(received(p, 'PUT', `/ocpi/cpo/2.2.1/chargingprofiles/${atDelegated}`)[0], LOCAL_SCSP, CPO);
  expect((await resultOf(p, LOCAL_SCSP, atDelegated, sent.body.id)).result).toEqual({ result: 'ACCEPTED' });

  const lowered = { start_date_time: new Date().toISOString(), charging_profile: { charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: 3700 }] } };
  expect(
    (
      await p
        .admin()
        .put(`${party(CPO)}/sessions/${atDelegated}/active-charging-profile`, lowered)
        .expect(200)
    ).body,
  ).toEqual({ notified: 1 });
  await eventually(async () => {
    const active = (
      await p
        .admin()
        .get(`${party(LOCAL_SCSP)}/sessions/${atDelegated}/charging-profile/active`)
        .expect(200)
    ).body;
    expect(active).toMatchObject({ source: 'PUT', active_charging_profile: lowered });
  });
  await eventually(() => expect(hookP.events.map((ev) => ev.type)).toEqual(expect.arrayContaining(['chargingprofile.result', 'chargingprofile.active'])));
});

test("a second controller is REJECTED: the eMSP's SCSP at the CPO's delegated location, listed as a conflict", async () => {
  const relayed = await e
    .admin()
    .put(`${party(EMSP_SCSP)}/sessions/${atDelegated}/charging-profile`, { charging_profile: PROFILE })
    .expect(201);
  expect(relayed.body).toMatchObject({ status: 'REJECTED', response: { result: 'REJECTED' } });
  const conflicts = (await p.admin().get(`/delegations/conflicts?party=${CPO.country_code}*${CPO.party_id}`).expect(200)).body;
  expect(conflicts.items[0]).toMatchObject({ party: named(CPO), requester: named(EMSP), controller: named(LOCAL_SCSP), session_id: atDelegated, delegation_id: cpoDelegation });
});

test("eMSP topology: the eMSP's own SCSP steers a session elsewhere, relayed by the eMSP to the CPO and back", async () => {
  elsewhere = await aSessionAt(p, 1);
  await eventually(async () => expect(await receivedSessionIds(e, EMSP_SCSP)).toContain(elsewhere), 15_000);
  expectRouted(
    received(e, 'PUT', `/ocpi/emsp/2.2.1/sessions/${CPO.country_code}/${CPO.party_id}/${elsewhere}`).find((r) => r.headers['ocpi-to-party-id'] === EMSP_SCSP.party_id),
    EMSP,
    EMSP_SCSP,
  );
  // Not the CPO's delegation: its SCSP never hears of it.
  await p.whenIdle();
  expect(await receivedSessionIds(p, LOCAL_SCSP)).toEqual([atDelegated]);

  const sent = await e
    .admin()
    .put(`${party(EMSP_SCSP)}/sessions/${elsewhere}/charging-profile`, { charging_profile: PROFILE })
    .expect(201);
  expect(sent.body).toMatchObject({ status: 'ACCEPTED', response: { result: 'ACCEPTED' }, cpo: { country_code: EMSP.country_code, party_id: EMSP.party_id } });
  expectRouted(received(e, 'PUT', `/ocpi/emsp/2.2.1/chargingprofiles/receiver/${elsewhere}`)[0], EMSP_SCSP, EMSP);
  // The CPO sees the eMSP.
  expectRouted(received(p, 'PUT', `/ocpi/cpo/2.2.1/chargingprofiles/${elsewhere}`)[0], EMSP, CPO);
  expect((await resultOf(e, EMSP_SCSP, elsewhere, sent.body.id)).result).toEqual({ result: 'ACCEPTED' });

  const lowered = { start_date_time: new Date().toISOString(), charging_profile: { charging_rate_unit: 'A', charging_profile_period: [{ start_period: 0, limit: 10 }] } };
  expect(
    (
      await p
        .admin()
        .put(`${party(CPO)}/sessions/${elsewhere}/active-charging-profile`, lowered)
        .expect(200)
    ).body,
  ).toEqual({ notified: 1 });
  await eventually(async () => {
    const active = (
      await e
        .admin()
        .get(`${party(EMSP_SCSP)}/sessions/${elsewhere}/charging-profile/active`)
        .expect(200)
    ).body;
    expect(active).toMatchObject({ source: 'PUT', active_charging_profile: lowered });
  });
  // The eMSP's own backend is the second controller here: refused.
  await e
    .admin()
    .put(`${party(EMSP)}/sessions/${elsewhere}/charging-profile`, { charging_profile: PROFILE })
    .expect(409);
});

test('ending the delegation empties the loopback connection: nothing more reaches the SCSP', async () => {
  await p.admin().delete(`/delegations/${cpoDelegation}`).expect(204);
  expect(rolesOf(await loopbackOf(p))).toEqual([]);
  const before = received(p, 'PATCH', `/ocpi/emsp/2.2.1/sessions/${CPO.country_code}/${CPO.party_id}/${atDelegated}`).length;
  await p
    .admin()
    .patch(`${party(CPO)}/sessions/${atDelegated}`, { kwh: 5 })
    .expect(200);
  await eventually(async () => expect((await e.admin().get(`${party(EMSP)}/received/sessions/${CPO.country_code}/${CPO.party_id}/${atDelegated}`)).body.kwh).toBe(5));
  await p.whenIdle();
  expect(received(p, 'PATCH', `/ocpi/emsp/2.2.1/sessions/${CPO.country_code}/${CPO.party_id}/${atDelegated}`)).toHaveLength(before);
  // Local parties exchange nothing else through it: no location, tariff or token ever went there.
  expect(received(p, 'PUT', '/ocpi/emsp/2.2.1/locations').concat(received(p, 'PUT', '/ocpi/emsp/2.2.1/tariffs'))).toEqual([]);
});
