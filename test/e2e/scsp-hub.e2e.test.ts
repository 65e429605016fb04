/**
 * Both delegation topologies through a hub: the CPO, eMSP and SCSP platforms are connected only
 * to a hub platform, which routes every message by its routing headers (docs/hub.md). The SCSP
 * party behind the hub is reachable: delegated to, pushed to, asked and answered.
 */
import { aBusinessDetails } from '../helpers/builders.js';
import { eventually } from '../helpers/eventually.js';
import { type TestPlatform, startTestPlatform } from '../helpers/platform.js';
import {
  CPO,
  EMSP,
  PROFILE,
  SCSP,
  SMART_ENV,
  type SmartTrio,
  aSessionAt,
  connect,
  expectRouted,
  named,
  party,
  received,
  receivedFor,
  receivedSessionIds,
  resultOf,
  startSmartTrio,
} from '../helpers/scsp.js';

const HUB = { country_code: 'NL', party_id: 'HUB' };

let net: SmartTrio;
let hub: TestPlatform;

/** Whether the hub told `p` that `who` is reachable (its ClientInfo), with that role. */
async function knows(p: TestPlatform, who: { country_code: string; party_id: string }, role: string): Promise<void> {
  await eventually(async () => {
    const rows = await p.ctx.db.remoteClientInfo.findMany({ where: { partyKey: `${who.country_code}${who.party_id}`, role, status: 'CONNECTED' } });
    expect(rows).toHaveLength(1);
  }, 15_000);
}

beforeAll(async () => {
  [net, hub] = await Promise.all([startSmartTrio('scsp_hub'), startTestPlatform('scsp_hub_hub', { env: SMART_ENV })]);
  await hub
    .admin()
    .put('/hub', { country_code: HUB.country_code, party_id: HUB.party_id, business_details: aBusinessDetails('Hub') })
    .expect(200);
  for (const [p, label] of [
    [net.cpo, 'CPO'],
    [net.emsp, 'eMSP'],
    [net.scsp, 'SCSP'],
  ] as const)
    await connect(p, hub, label);
  await Promise.all([knows(net.cpo, SCSP, 'SCSP'), knows(net.emsp, SCSP, 'SCSP'), knows(net.scsp, CPO, 'CPO'), knows(net.scsp, EMSP, 'EMSP'), knows(net.emsp, CPO, 'CPO')]);
}, 90_000);

afterAll(async () => {
  await Promise.all([net?.stop(), hub?.stop()]);
});

let cpoSession: string;
let emspSession: string;

test('CPO delegation through the hub: the session, the profile, its result and the ActiveChargingProfile cross it', async () => {
  await net.cpo
    .admin()
    .post('/delegations', { from: named(CPO), to: named(SCSP), locations: ['UTR-CENTRAAL'] })
    .expect(201);
  cpoSession = await aSessionAt(net.cpo, 0);
  await eventually(async () => expect(await receivedSessionIds(net.scsp, SCSP)).toEqual([cpoSession]), 20_000);
  expectRouted(receivedFor(hub, 'PUT', `/ocpi/hub/2.2.1/sessions/receiver/${CPO.country_code}/${CPO.party_id}/${cpoSession}`, SCSP), CPO, SCSP);
  expectRouted(received(net.scsp, 'PUT', `/ocpi/emsp/2.2.1/sessions/${CPO.country_code}/${CPO.party_id}/${cpoSession}`)[0], CPO, SCSP);

  const sent = await net.scsp
    .admin()
    .put(`${party(SCSP)}/sessions/${cpoSession}/charging-profile`, { charging_profile: PROFILE })
    .expect(201);
  expect(sent.body.response).toMatchObject({ result: 'ACCEPTED' });
  expectRouted(received(hub, 'PUT', `/ocpi/hub/2.2.1/chargingprofiles/receiver/${cpoSession}`)[0], SCSP, CPO);
  const [atCpo] = received(net.cpo, 'PUT', `/ocpi/cpo/2.2.1/chargingprofiles/${cpoSession}`);
  expectRouted(atCpo, SCSP, CPO);
  // The CPO answers a hub-owned URL, which the hub relays to the SCSP's own.
  expect(new URL((atCpo.body as { response_url: string }).response_url).pathname).toMatch(/^\/ocpi\/hub\/alias\//);
  expect((await resultOf(net.scsp, SCSP, cpoSession, sent.body.id)).result).toEqual({ result: 'ACCEPTED' });

  const lowered = { start_date_time: new Date().toISOString(), charging_profile: { charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: 4000 }] } };
  expect(
    (
      await net.cpo
        .admin()
        .put(`${party(CPO)}/sessions/${cpoSession}/active-charging-profile`, lowered)
        .expect(200)
    ).body,
  ).toEqual({ notified: 1 });
  await eventually(async () =>
    expect(
      (
        await net.scsp
          .admin()
          .get(`${party(SCSP)}/sessions/${cpoSession}/charging-profile/active`)
          .expect(200)
      ).body,
    ).toMatchObject({ active_charging_profile: lowered }),
  );
  expectRouted(received(hub, 'PUT', `/ocpi/hub/2.2.1/chargingprofiles/sender/${cpoSession}`)[0], CPO, SCSP);
});

test("through the hub too, the token's eMSP is REJECTED while the CPO's delegation holds", async () => {
  await eventually(async () => expect(await receivedSessionIds(net.emsp, EMSP)).toContain(cpoSession), 20_000);
  const sent = await net.emsp
    .admin()
    .put(`${party(EMSP)}/sessions/${cpoSession}/charging-profile`, { charging_profile: PROFILE })
    .expect(201);
  expect(sent.body.response).toMatchObject({ result: 'REJECTED' });
  expect((await net.cpo.admin().get('/delegations/conflicts').expect(200)).body.items[0]).toMatchObject({ requester: named(EMSP), controller: named(SCSP) });
});

test('eMSP delegation through the hub: the forwarded session and the relayed profile cross it both ways', async () => {
  await net.emsp
    .admin()
    .post('/delegations', { from: named(EMSP), to: named(SCSP) })
    .expect(201);
  emspSession = await aSessionAt(net.cpo, 1);
  await eventually(async () => expect((await receivedSessionIds(net.scsp, SCSP)).sort()).toEqual([cpoSession, emspSession].sort()), 20_000);
  // The eMSP forwards under the CPO's URL: the hub lets it, since the token is the eMSP's.
  expectRouted(receivedFor(hub, 'PUT', `/ocpi/hub/2.2.1/sessions/receiver/${CPO.country_code}/${CPO.party_id}/${emspSession}`, SCSP), EMSP, SCSP);

  const sent = await net.scsp
    .admin()
    .put(`${party(SCSP)}/sessions/${emspSession}/charging-profile`, { charging_profile: PROFILE })
    .expect(201);
  expect(sent.body).toMatchObject({ response: { result: 'ACCEPTED' }, cpo: { country_code: EMSP.country_code, party_id: EMSP.party_id } });
  expectRouted(receivedFor(hub, 'PUT', `/ocpi/hub/2.2.1/chargingprofiles/receiver/${emspSession}`, EMSP), SCSP, EMSP);
  expectRouted(received(net.cpo, 'PUT', `/ocpi/cpo/2.2.1/chargingprofiles/${emspSession}`)[0], EMSP, CPO);
  expect((await resultOf(net.scsp, SCSP, emspSession, sent.body.id)).result).toEqual({ result: 'ACCEPTED' });

  // The session the CPO delegated itself stays the CPO's to decide, even once the eMSP forwards
  // it too: the SCSP still asks the CPO.
  await net.cpo
    .admin()
    .patch(`${party(CPO)}/sessions/${cpoSession}`, { kwh: 6 })
    .expect(200);
  await eventually(() => {
    const forwarded = received(net.scsp, 'PUT', `/ocpi/emsp/2.2.1/sessions/${CPO.country_code}/${CPO.party_id}/${cpoSession}`);
    expect(forwarded.some((r) => r.headers['ocpi-from-party-id'] === EMSP.party_id && (r.body as { kwh?: number })?.kwh === 6)).toBe(true);
  }, 20_000);
  const again = await net.scsp
    .admin()
    .put(`${party(SCSP)}/sessions/${cpoSession}/charging-profile`, { charging_profile: PROFILE })
    .expect(201);
  expect(again.body).toMatchObject({ response: { result: 'ACCEPTED' }, cpo: { country_code: CPO.country_code, party_id: CPO.party_id } });
});
