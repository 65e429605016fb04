/**
 * Tokens and commands over OCPI 2.1.1 between two platform instances over real HTTP: platform A's
 * CPO (the simulator as its backend) registers with platform B's eMSP, both pinned to 2.1.1.
 * The eMSP's token is pushed in the 2.1.1 form (auth_id, OTHER for an APP_USER token), the CPO
 * authorizes it in real time at the eMSP's 2.1.1 endpoint (an AuthorizationInfo without token),
 * and START_SESSION / STOP_SESSION go to the CPO's 2.1.1 commands interface, their results back
 * to the eMSP's 2.1.1 response_url as a CommandResponse. Also: an invitation pinned to 2.1.1
 * does not register over 2.2.1.
 */
import { CPO, EMSP, businessDetails, driverToken, locations, tariffs } from '../../src/demo/fixture.js';
import { AuthorizationInfo211, Token211 } from '../../src/modules/2.1.1/tokens/schemas.js';
import { StartSession211 } from '../../src/modules/2.1.1/commands/schemas.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { arrivedAt, receivedAt } from '../helpers/recorded.js';
import { type TestPlatform, startTestPlatform } from '../helpers/platform.js';

let cpo: TestPlatform;
let emsp: TestPlatform;

const cpoPath = `/parties/${CPO.country_code}/${CPO.party_id}`;
const emspPath = `/parties/${EMSP.country_code}/${EMSP.party_id}`;
const location = locations()[0];
const evse = location.evses[0];
const token = driverToken();
const ocpiAt = receivedAt;
const arrived = arrivedAt;

beforeAll(async () => {
  const env = { ...FAST_DELIVERY, SIMULATOR_SPEED: '3600', SIMULATOR_TICK_MS: '100', SIMULATOR_POWER_KW: '11' };
  [cpo, emsp] = await Promise.all([startTestPlatform('e2e_211tc_cpo', { env }), startTestPlatform('e2e_211tc_emsp', { env })]);
  await cpo
    .admin()
    .post('/parties', { country_code: CPO.country_code, party_id: CPO.party_id, role: 'CPO', business_details: businessDetails(CPO.name) })
    .expect(201);
  await cpo.admin().put(`${cpoPath}/backend`, { adapter: 'simulator' }).expect(200);
  // The simulator refuses a session it could not bill.
  for (const t of tariffs()) await cpo.admin().put(`${cpoPath}/tariffs/${t.id}`, t).expect(200);
  for (const l of locations()) await cpo.admin().put(`${cpoPath}/locations/${l.id}`, l).expect(200);
  await emsp
    .admin()
    .post('/parties', { country_code: EMSP.country_code, party_id: EMSP.party_id, role: 'EMSP', business_details: businessDetails(EMSP.name) })
    .expect(201);
});

afterAll(async () => {
  await Promise.all([cpo?.stop(), emsp?.stop()]);
});

test('an invitation pinned to 2.1.1 does not register over 2.2.1: the peer gets 3002', async () => {
  const invitation = await emsp.admin().post('/peers/invitations', { label: 'pinned', version: '2.1.1' }).expect(201);
  const res = await fetch(`${emsp.url}/ocpi/2.2.1/credentials`, {
    method: 'POST',
    headers: { Authorization: `Token ${Buffer.from(invitation.body.token).toString('base64')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      token: 'some-token-b-for-the-emsp',
      url: `${cpo.url}/ocpi/versions`,
      roles: [{ role: 'CPO', country_code: CPO.country_code, party_id: CPO.party_id, business_details: businessDetails(CPO.name) }],
    }),
  });
  const body = (await res.json()) as { status_code: number; status_message: string };
  expect(body.status_code).toBe(3002);
  expect(body.status_message).toContain('2.1.1');
  expect((await emsp.admin().get(`/peers/${invitation.body.peer_id}`).expect(200)).body.status).toBe('PENDING');
  await emsp.admin().delete(`/peers/${invitation.body.peer_id}`).expect(200);
});

test("the CPO registers with the eMSP over 2.1.1 and the eMSP pulls the CPO's locations", async () => {
  const invitation = await emsp.admin().post('/peers/invitations', { label: CPO.name, version: '2.1.1' }).expect(201);
  const res = await cpo
    .admin()
    .post('/peers/connect', { versions_url: invitation.body.versions_url, token: invitation.body.token, label: EMSP.name, version: '2.1.1' })
    .expect(201);
  expect(res.body).toMatchObject({ status: 'REGISTERED', version: '2.1.1' });
  expect(res.body.endpoints).toEqual(
    expect.arrayContaining([
      { identifier: 'tokens', role: 'SENDER', url: `${emsp.url}/ocpi/emsp/2.1.1/tokens` },
      { identifier: 'commands', role: 'SENDER', url: `${emsp.url}/ocpi/emsp/2.1.1/commands` },
    ]),
  );
  const atEmsp = (await emsp.admin().get(`/peers/${invitation.body.peer_id}`).expect(200)).body;
  expect(atEmsp.endpoints).toEqual(
    expect.arrayContaining([
      { identifier: 'tokens', role: 'RECEIVER', url: `${cpo.url}/ocpi/cpo/2.1.1/tokens` },
      { identifier: 'commands', role: 'RECEIVER', url: `${cpo.url}/ocpi/cpo/2.1.1/commands` },
    ]),
  );
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/locations`).expect(200)).body.total).toBe(locations().length), 20_000);
});

test("the eMSP's APP_USER token is pushed as a 2.1.1 Token (OTHER, auth_id) and the CPO authorizes it in real time at the eMSP", async () => {
  await emsp.admin().put(`${emspPath}/tokens/${token.uid}`, token).expect(201);
  const put = await arrived(cpo, 'PUT', `/ocpi/cpo/2.1.1/tokens/${EMSP.country_code}/${EMSP.party_id}/${token.uid}`);
  expect(Token211.strict().safeParse(put.body).success).toBe(true);
  expect(put.body).toMatchObject({ uid: token.uid, type: 'OTHER', auth_id: token.contract_id, whitelist: 'ALLOWED' });

  const auth = await eventually(async () => {
    const res = await cpo
      .admin()
      .post(`${cpoPath}/authorize`, { uid: token.uid, type: 'OTHER', location: { location_id: location.id, evse_uids: [evse.uid] } })
      .expect(200);
    expect(res.body.source).toBe('PEER');
    return res.body;
  });
  // The 2.1.1 answer carries no token: the CPO's cached copy (the push) stands for it.
  expect(auth).toMatchObject({ allowed: 'ALLOWED', auth_method: 'AUTH_REQUEST', contract_id: token.contract_id, location: { location_id: location.id } });
  expect(auth).not.toHaveProperty('authorization_reference');
  const asked = await arrived(emsp, 'POST', `/ocpi/emsp/2.1.1/tokens/${token.uid}/authorize`);
  expect(asked.query).toMatchObject({ type: 'OTHER' });
  expect(asked.body).toEqual({ location_id: location.id, evse_uids: [evse.uid] });
});

test("the eMSP's answer is a 2.1.1 AuthorizationInfo; blocking the token is pushed as a PATCH and answered BLOCKED", async () => {
  const direct = await fetch(`${emsp.url}/ocpi/emsp/2.1.1/tokens/${token.uid}/authorize?type=OTHER`, {
    method: 'POST',
    headers: { Authorization: `Token ${await cpoTokenAtEmsp()}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ location_id: location.id, evse_uids: [evse.uid], connector_ids: ['1'] }),
  });
  const answer = (await direct.json()) as { status_code: number; data: unknown };
  expect(answer.status_code).toBe(1000);
  expect(AuthorizationInfo211.strict().safeParse(answer.data).success).toBe(true);

  // The list a CPO pulls: the presented eMSP party's tokens in the 2.1.1 form (the CPO's tokens pull reads it too).
  const list = (await (await fetch(`${emsp.url}/ocpi/emsp/2.1.1/tokens`, { headers: { Authorization: `Token ${await cpoTokenAtEmsp()}` } })).json()) as {
    data: unknown[];
  };
  expect(list.data).toHaveLength(1);
  expect(Token211.strict().parse(list.data[0])).toMatchObject({ uid: token.uid, type: 'OTHER', auth_id: token.contract_id });
  await eventually(() => expect(ocpiAt(emsp, 'GET', '/ocpi/emsp/2.1.1/tokens').length).toBeGreaterThan(0), 20_000);

  await emsp.admin().post(`${emspPath}/tokens/${token.uid}/block?type=${token.type}`).expect(200);
  const patch = await arrived(cpo, 'PATCH', `/ocpi/cpo/2.1.1/tokens/${EMSP.country_code}/${EMSP.party_id}/${token.uid}`);
  expect(patch.body).toEqual({ valid: false, last_updated: expect.any(String) });
  await eventually(async () => {
    const res = await cpo.admin().post(`${cpoPath}/authorize`, { uid: token.uid, type: 'OTHER' }).expect(200);
    expect(res.body).toMatchObject({ allowed: 'BLOCKED', source: 'PEER' });
  });
  await emsp.admin().post(`${emspPath}/tokens/${token.uid}/unblock?type=${token.type}`).expect(200);
  await arrived(cpo, 'PATCH', `/ocpi/cpo/2.1.1/tokens/${EMSP.country_code}/${EMSP.party_id}/${token.uid}`, 1);
});

let sessionId: string;

test('START_SESSION goes to the CPO in the 2.1.1 form; the simulator starts charging and the result comes to the 2.1.1 response_url', async () => {
  const sent = await emsp
    .admin()
    .post(`${emspPath}/commands/START_SESSION`, { location_id: location.id, evse_uid: evse.uid, token: { ...token, valid: true } })
    .expect(201);
  // No timeout in 2.1.1: the eMSP waits its own default.
  expect(sent.body.response).toMatchObject({ result: 'ACCEPTED', timeout: expect.any(Number) });
  const command = await arrived(cpo, 'POST', '/ocpi/cpo/2.1.1/commands/START_SESSION');
  expect(StartSession211.strict().safeParse(command.body).success).toBe(true);
  const body = command.body as { response_url: string; token: Record<string, unknown> };
  expect(new URL(body.response_url).pathname).toBe(`/ocpi/emsp/2.1.1/commands/START_SESSION/${sent.body.id}`);
  expect(body.token).toMatchObject({ uid: token.uid, type: 'OTHER', auth_id: token.contract_id });
  expect(body.token).not.toHaveProperty('country_code');

  const result = await arrived(emsp, 'POST', `/ocpi/emsp/2.1.1/commands/START_SESSION/${sent.body.id}`);
  expect(result.body).toEqual({ result: 'ACCEPTED' });
  await eventually(async () => {
    const stored = (await emsp.admin().get(`${emspPath}/sent-commands?command=START_SESSION`).expect(200)).body.items[0];
    expect(stored).toMatchObject({ status: 'RESULT', result: { result: 'ACCEPTED' } });
  });
  sessionId = await eventually(async () => {
    const own = (await cpo.admin().get(`${cpoPath}/sessions`).expect(200)).body;
    expect(own.items).toHaveLength(1);
    // The session is the eMSP's: its token came in the 2.1.1 form, owned by the connection's party.
    expect(own.items[0].cdr_token).toMatchObject({ country_code: EMSP.country_code, party_id: EMSP.party_id, uid: token.uid, contract_id: token.contract_id });
    return own.items[0].id as string;
  }, 20_000);
});

test('STOP_SESSION of that session is accepted and its result arrives; an unknown session is UNKNOWN_SESSION', async () => {
  const cpoRef = { country_code: CPO.country_code, party_id: CPO.party_id };
  const sent = await emsp.admin().post(`${emspPath}/commands/STOP_SESSION`, { session_id: sessionId, cpo: cpoRef }).expect(201);
  expect(sent.body.response).toMatchObject({ result: 'ACCEPTED' });
  const command = await arrived(cpo, 'POST', '/ocpi/cpo/2.1.1/commands/STOP_SESSION');
  expect(command.body).toEqual({ response_url: `${emsp.url}/ocpi/emsp/2.1.1/commands/STOP_SESSION/${sent.body.id}`, session_id: sessionId });
  const result = await arrived(emsp, 'POST', `/ocpi/emsp/2.1.1/commands/STOP_SESSION/${sent.body.id}`);
  expect(result.body).toEqual({ result: 'ACCEPTED' });
  await eventually(async () => expect((await cpo.admin().get(`${cpoPath}/sessions/${sessionId}`).expect(200)).body.status).toBe('COMPLETED'), 20_000);

  const unknown = await emsp.admin().post(`${emspPath}/commands/STOP_SESSION`, { session_id: 'NO-SUCH-SESSION', cpo: cpoRef }).expect(201);
  expect(unknown.body).toMatchObject({ status: 'REJECTED', response: { result: 'UNKNOWN_SESSION' } });
});

test('a command 2.1.1 cannot express is refused naming it, before anything is sent', async () => {
  const before = ocpiAt(cpo, 'POST', '/ocpi/cpo/2.1.1/commands').length;
  const res = await emsp.admin().post(`${emspPath}/commands/CANCEL_RESERVATION`, { reservation_id: '7', cpo: { country_code: CPO.country_code, party_id: CPO.party_id } });
  expect(res.status).toBe(400);
  expect(JSON.stringify(res.body)).toContain('CANCEL_RESERVATION');
  expect(ocpiAt(cpo, 'POST', '/ocpi/cpo/2.1.1/commands')).toHaveLength(before);
});

/** The token the CPO platform presents to the eMSP platform (its credentials token C): read from the CPO's recorded calls. */
async function cpoTokenAtEmsp(): Promise<string> {
  const [call] = ocpiAt(emsp, 'POST', `/ocpi/emsp/2.1.1/tokens/${token.uid}/authorize`);
  return String(call.headers.authorization).replace(/^Token /, '');
}
