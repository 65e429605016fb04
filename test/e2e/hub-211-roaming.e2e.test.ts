/**
 * A whole roaming story between an OCPI 2.1.1 CPO and a 2.2.1 eMSP through a third platform as
 * hub (docs/hub.md, "Peers of another version"). The CPO platform (the simulator as its backend)
 * connects to the hub pinned to 2.1.1 and declares it a hub (`peer_role: HUB`): 2.1.1 has no
 * ClientInfo, so the parties behind it are learned from what it sends. The eMSP platform connects
 * over 2.2.1. Checked: location push, token push (learned party), real-time authorization (the
 * answer in the 2.1.1 form), START_SESSION and STOP_SESSION with their results through hub
 * aliases, the session and its PATCHes routed by the token's contract id, and the CDR.
 */
import { CPO, EMSP, businessDetails, driverToken, locations, tariffs } from '../../src/demo/fixture.js';
import { AuthorizationInfo211, Token211 } from '../../src/modules/2.1.1/tokens/schemas.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { arrivedAt, receivedAt } from '../helpers/recorded.js';
import { type TestPlatform, startTestPlatform } from '../helpers/platform.js';

let hub: TestPlatform;
let cpo: TestPlatform;
let emsp: TestPlatform;

const cpoPath = `/parties/${CPO.country_code}/${CPO.party_id}`;
const emspPath = `/parties/${EMSP.country_code}/${EMSP.party_id}`;
const location = locations()[0];
const evse = location.evses[0];
const token = driverToken();
const at = receivedAt;
const arrived = (p: TestPlatform, method: string, path: string) => arrivedAt(p, method, path, 0, 20_000);
const routingHeaders = (headers: Record<string, unknown>) => Object.keys(headers).filter((h) => h.startsWith('ocpi-'));
const fromCpoToEmsp = {
  'ocpi-from-country-code': CPO.country_code,
  'ocpi-from-party-id': CPO.party_id,
  'ocpi-to-country-code': EMSP.country_code,
  'ocpi-to-party-id': EMSP.party_id,
};

beforeAll(async () => {
  const env = { ...FAST_DELIVERY, SIMULATOR_SPEED: '3600', SIMULATOR_TICK_MS: '100', SIMULATOR_POWER_KW: '11' };
  [hub, cpo, emsp] = await Promise.all([
    startTestPlatform('e2e_hub211r', { env: FAST_DELIVERY }),
    startTestPlatform('e2e_hub211r_cpo', { env }),
    startTestPlatform('e2e_hub211r_emsp', { env }),
  ]);
  await hub
    .admin()
    .put('/hub', { country_code: 'NL', party_id: 'HUB', business_details: businessDetails('Roaming Hub') })
    .expect(200);
  await cpo
    .admin()
    .post('/parties', { country_code: CPO.country_code, party_id: CPO.party_id, role: 'CPO', business_details: businessDetails(CPO.name) })
    .expect(201);
  await cpo.admin().put(`${cpoPath}/backend`, { adapter: 'simulator' }).expect(200);
  for (const t of tariffs()) await cpo.admin().put(`${cpoPath}/tariffs/${t.id}`, t).expect(200);
  await emsp
    .admin()
    .post('/parties', { country_code: EMSP.country_code, party_id: EMSP.party_id, role: 'EMSP', business_details: businessDetails(EMSP.name) })
    .expect(201);
}, 60_000);

afterAll(async () => {
  await Promise.all([hub?.stop(), cpo?.stop(), emsp?.stop()]);
});

test('the CPO connects to the hub over 2.1.1 declaring it a hub; the eMSP over 2.2.1', async () => {
  const connect = async (platform: TestPlatform, label: string, extra: Record<string, unknown>) => {
    const invitation = await hub.admin().post('/peers/invitations', { label }).expect(201);
    const res = await platform
      .admin()
      .post('/peers/connect', { versions_url: `${hub.url}/ocpi/versions`, token: invitation.body.token, label: 'hub', ...extra })
      .expect(201);
    return res.body as { id: string; version: string; peer_role: string | null; roles: Array<Record<string, string>> };
  };
  const atCpo = await connect(cpo, CPO.name, { version: '2.1.1', peer_role: 'HUB' });
  expect(atCpo).toMatchObject({ version: '2.1.1', peer_role: 'HUB', roles: [expect.objectContaining({ role: 'HUB', country_code: 'NL', party_id: 'HUB' })] });
  const atEmsp = await connect(emsp, EMSP.name, {});
  expect(atEmsp.version).toBe('2.2.1');
  // A peer_role outside the list is refused naming the field, before anything is sent.
  const bad = await cpo.admin().post('/peers/connect', { versions_url: `${hub.url}/ocpi/versions`, token: 'x', version: '2.1.1', peer_role: 'NSP' });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toContain('peer_role');
});

test("the CPO's location reaches the eMSP through the hub in the 2.2.1 form", async () => {
  await cpo.admin().put(`${cpoPath}/locations/${location.id}`, location).expect(200);
  const put = await arrived(emsp, 'PUT', `/ocpi/emsp/2.2.1/locations/${CPO.country_code}/${CPO.party_id}/${location.id}`);
  expect(put.headers).toMatchObject(fromCpoToEmsp);
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/locations/${CPO.country_code}/${CPO.party_id}/${location.id}`)).status).toBe(200));
});

test("the eMSP's token reaches the 2.1.1 CPO as a 2.1.1 Token without routing headers, and the CPO learns the eMSP behind the hub", async () => {
  await emsp.admin().put(`${emspPath}/tokens/${token.uid}`, token).expect(201);
  const put = await arrived(cpo, 'PUT', `/ocpi/cpo/2.1.1/tokens/${EMSP.country_code}/${EMSP.party_id}/${token.uid}`);
  expect(Token211.strict().safeParse(put.body).success).toBe(true);
  expect(put.body).toMatchObject({ uid: token.uid, auth_id: token.contract_id });
  expect(routingHeaders(put.headers)).toEqual([]);
  // Stored (not 404 "a party the caller did not register"): the hub connection speaks for the eMSP now.
  await eventually(async () => {
    const stored = await cpo.ctx.db.receivedToken.findMany({ where: { partyKey: `${EMSP.country_code}${EMSP.party_id}` } });
    expect(stored.map((t) => t.uidKey)).toEqual([token.uid.toUpperCase()]);
  });
});

test("a real-time authorization of the 2.1.1 CPO reaches the token's eMSP through the hub; the answer comes back in the 2.1.1 form", async () => {
  const auth = await eventually(async () => {
    const res = await cpo
      .admin()
      .post(`${cpoPath}/authorize`, { uid: token.uid, type: 'OTHER', location: { location_id: location.id, evse_uids: [evse.uid] } })
      .expect(200);
    expect(res.body.source).toBe('PEER');
    return res.body;
  });
  expect(auth).toMatchObject({ allowed: 'ALLOWED', contract_id: token.contract_id });
  const asked = await arrived(emsp, 'POST', `/ocpi/emsp/2.2.1/tokens/${token.uid}/authorize`);
  expect(asked.headers).toMatchObject(fromCpoToEmsp);
  expect(asked.body).toEqual({ location_id: location.id, evse_uids: [evse.uid] });

  // What the hub answers a 2.1.1 CPO: a 2.1.1 AuthorizationInfo (no token, no authorization_reference).
  const hubPeerAtCpo = (await cpo.admin().get('/peers').expect(200)).body[0] as { id: string };
  const cpoToken = await tokenPresentedBy(cpo, hubPeerAtCpo.id);
  const direct = await fetch(`${hub.url}/ocpi/hub/2.1.1/tokens/${token.uid}/authorize?type=OTHER`, {
    method: 'POST',
    headers: { Authorization: `Token ${cpoToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ location_id: location.id, evse_uids: [evse.uid], connector_ids: ['1'] }),
  });
  const answer = (await direct.json()) as { status_code: number; data: unknown };
  expect(answer.status_code).toBe(1000);
  expect(AuthorizationInfo211.strict().safeParse(answer.data).success).toBe(true);
});

let sessionId: string;

test('START_SESSION of the eMSP reaches the 2.1.1 CPO through the hub; the result comes back through a hub alias', async () => {
  const sent = await emsp
    .admin()
    .post(`${emspPath}/commands/START_SESSION`, { location_id: location.id, evse_uid: evse.uid, token: { ...token, valid: true } })
    .expect(201);
  expect(sent.body.response).toMatchObject({ result: 'ACCEPTED' });
  const command = await arrived(cpo, 'POST', '/ocpi/cpo/2.1.1/commands/START_SESSION');
  expect(routingHeaders(command.headers)).toEqual([]);
  const body = command.body as { response_url: string; token: Record<string, unknown> };
  expect(body.response_url).toMatch(new RegExp(`^${hub.url}/ocpi/hub/alias/[0-9a-f]{32}$`));
  expect(body.token).toMatchObject({ uid: token.uid, auth_id: token.contract_id });
  // The simulator's result, posted to the alias in the 2.1.1 form, reaches the eMSP as a 2.2.1 CommandResult.
  await eventually(async () => {
    const stored = (await emsp.admin().get(`${emspPath}/sent-commands?command=START_SESSION`).expect(200)).body.items[0];
    expect(stored).toMatchObject({ status: 'RESULT', result: { result: 'ACCEPTED' } });
  }, 20_000);
  sessionId = await eventually(async () => {
    const own = (await cpo.admin().get(`${cpoPath}/sessions`).expect(200)).body;
    expect(own.items).toHaveLength(1);
    expect(own.items[0].cdr_token).toMatchObject({ country_code: EMSP.country_code, party_id: EMSP.party_id, uid: token.uid });
    return own.items[0].id as string;
  }, 20_000);
});

test("the 2.1.1 session reaches the eMSP in the 2.2.1 form, routed by its auth_id to the token's eMSP", async () => {
  const pushed = await arrived(hub, 'PUT', `/ocpi/hub/2.1.1/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`);
  expect(pushed.body).toMatchObject({ id: sessionId, auth_id: token.contract_id });
  expect(pushed.body).not.toHaveProperty('cdr_token');
  const put = await arrived(emsp, 'PUT', `/ocpi/emsp/2.2.1/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`);
  expect(put.headers).toMatchObject(fromCpoToEmsp);
  expect(put.body).toMatchObject({
    id: sessionId,
    country_code: CPO.country_code,
    party_id: CPO.party_id,
    location_id: location.id,
    evse_uid: evse.uid,
    cdr_token: { country_code: EMSP.country_code, party_id: EMSP.party_id, uid: token.uid, type: token.type, contract_id: token.contract_id },
  });
  expect(put.body).not.toHaveProperty('auth_id');
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`)).status).toBe(200));
  // The simulator's meter updates are PATCHes: 2.1.1 numbers become 2.2.1 Prices on the way.
  const patchPath = `/ocpi/emsp/2.2.1/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`;
  const kwh = await arrived(emsp, 'PATCH', patchPath);
  expect(kwh.headers).toMatchObject(fromCpoToEmsp);
  expect(kwh.body).toEqual({ kwh: expect.any(Number), last_updated: expect.any(String) });
  // A 2.1.1 PATCH with a cost (a number in 2.1.1) and a period: the hub routes it by the session's PUT and writes 2.2.1.
  const hubPeerAtCpo = (await cpo.admin().get('/peers').expect(200)).body[0] as { id: string };
  const res = await fetch(`${hub.url}/ocpi/hub/2.1.1/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`, {
    method: 'PATCH',
    headers: { Authorization: `Token ${await tokenPresentedBy(cpo, hubPeerAtCpo.id)}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      total_cost: 2.5,
      charging_periods: [{ start_date_time: new Date().toISOString(), dimensions: [{ type: 'ENERGY', volume: 1.5 }] }],
      last_updated: new Date().toISOString(),
    }),
  });
  expect(((await res.json()) as { status_code: number }).status_code).toBe(1000);
  const priced = await eventually(() => {
    const found = at(emsp, 'PATCH', patchPath).find((r) => (r.body as { total_cost?: unknown } | undefined)?.total_cost !== undefined);
    expect(found?.body).toBeDefined();
    return found;
  });
  expect(priced?.body).toMatchObject({
    total_cost: { excl_vat: 2.5 },
    charging_periods: [{ dimensions: [{ type: 'ENERGY', volume: 1.5 }] }],
  });
});

test('STOP_SESSION ends it through the hub; the session completes and the CDR reaches the eMSP in the 2.2.1 form', async () => {
  const sent = await emsp
    .admin()
    .post(`${emspPath}/commands/STOP_SESSION`, { session_id: sessionId, cpo: { country_code: CPO.country_code, party_id: CPO.party_id } })
    .expect(201);
  expect(sent.body.response).toMatchObject({ result: 'ACCEPTED' });
  const command = await arrived(cpo, 'POST', '/ocpi/cpo/2.1.1/commands/STOP_SESSION');
  expect(command.body).toMatchObject({ session_id: sessionId });
  await eventually(async () => {
    const stored = (await emsp.admin().get(`${emspPath}/sent-commands?command=STOP_SESSION`).expect(200)).body.items[0];
    expect(stored).toMatchObject({ status: 'RESULT', result: { result: 'ACCEPTED' } });
  }, 20_000);
  await eventually(async () => {
    const session = (await emsp.admin().get(`${emspPath}/received/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`).expect(200)).body;
    expect(session.status).toBe('COMPLETED');
  }, 20_000);

  // A 2.1.1 CDR names no session: its id, auth_id and numbers are what the eMSP gets, translated.
  const posted = await arrived(hub, 'POST', '/ocpi/hub/2.1.1/cdrs');
  const cdrId = (posted.body as { id: string }).id;
  expect(posted.body).toMatchObject({ auth_id: token.contract_id, total_cost: expect.any(Number) });
  const cdr = await arrived(emsp, 'POST', '/ocpi/emsp/2.2.1/cdrs');
  expect(cdr.headers).toMatchObject(fromCpoToEmsp);
  expect(cdr.body).toMatchObject({
    id: cdrId,
    country_code: CPO.country_code,
    party_id: CPO.party_id,
    cdr_token: { country_code: EMSP.country_code, party_id: EMSP.party_id, uid: token.uid, type: token.type, contract_id: token.contract_id },
    total_cost: { excl_vat: (posted.body as { total_cost: number }).total_cost },
  });
  await eventually(async () => {
    const list = (await emsp.admin().get(`${emspPath}/received/cdrs`).expect(200)).body;
    expect(list.items.map((c: { id: string }) => c.id)).toContain(cdrId);
  }, 20_000);
});

test('UNLOCK_CONNECTOR names no eMSP: the 2.1.1 CPO takes it as from the only eMSP behind its hub connection', async () => {
  const connector = evse.connectors[0].id;
  const sent = await emsp.admin().post(`${emspPath}/commands/UNLOCK_CONNECTOR`, { location_id: location.id, evse_uid: evse.uid, connector_id: connector }).expect(201);
  // Routed and answered by the CPO (the simulator's charge points cannot unlock: NOT_SUPPORTED), not refused for routing.
  expect(sent.body).toMatchObject({ response: { result: 'NOT_SUPPORTED' }, failure: null });
  const command = await arrived(cpo, 'POST', '/ocpi/cpo/2.1.1/commands/UNLOCK_CONNECTOR');
  expect(command.body).toMatchObject({ location_id: location.id, evse_uid: evse.uid, connector_id: connector });
});

test('a 2.1.1 session whose auth_id names no token that passed the hub is refused as for an unknown receiver (4001), never guessed', async () => {
  const hubPeerAtCpo = (await cpo.admin().get('/peers').expect(200)).body[0] as { id: string };
  const cpoToken = await tokenPresentedBy(cpo, hubPeerAtCpo.id);
  const stray = {
    id: 'S-STRAY',
    start_datetime: '2026-01-01T10:00:00Z',
    kwh: 0,
    auth_id: 'NO-SUCH-CONTRACT',
    auth_method: 'WHITELIST',
    location: { ...(pushedLocation() as object) },
    currency: 'EUR',
    status: 'ACTIVE',
    last_updated: '2026-01-01T10:00:00Z',
  };
  const res = await fetch(`${hub.url}/ocpi/hub/2.1.1/sessions/${CPO.country_code}/${CPO.party_id}/S-STRAY`, {
    method: 'PUT',
    headers: { Authorization: `Token ${cpoToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(stray),
  });
  const answer = (await res.json()) as { status_code: number; status_message: string };
  expect(answer.status_code).toBe(4001);
  expect(answer.status_message).toContain('auth_id');
  expect(at(emsp, 'PUT', '/ocpi/emsp/2.2.1/sessions/').filter((r) => r.path.endsWith('/S-STRAY'))).toEqual([]);
});

/** The 2.1.1 Location the CPO pushed to the hub (what a 2.1.1 session embeds). */
function pushedLocation(): unknown {
  return at(hub, 'PUT', `/ocpi/hub/2.1.1/locations/${CPO.country_code}/${CPO.party_id}/${location.id}`)[0]?.body;
}

/** The token a platform presents on its connection `peerId` (read from its recorded calls to the hub). */
async function tokenPresentedBy(platform: TestPlatform, peerId: string): Promise<string> {
  const peer = await platform.ctx.peerStore.get(peerId);
  return platform.ctx.secrets.decrypt(peer?.peerTokenEnc ?? '');
}
