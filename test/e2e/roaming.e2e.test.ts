/**
 * A roaming session between two platform instances over real HTTP: a CPO platform with the
 * built-in simulator as its backend, and an eMSP platform that registers with it. Each step is
 * driven through the admin APIs the operators' backends use, and checked on the wire (what the
 * other instance received, headers included) and in what each side stored.
 *
 * connect → full pull → EVSE status push → token push → real-time authorization →
 * START_SESSION (CommandResult at its unique response_url) → session updates → charging profile →
 * STOP_SESSION → priced CDR, and the eMSP backend told of each step through its webhook.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { CPO, EMSP, businessDetails, driverToken, locations, tariffs } from '../../src/demo/fixture.js';
import { Cdr } from '../../src/model/cdr.js';
import { price } from '../../src/tariffs/index.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { type RecordedRequest, type TestPlatform, startTestPlatform } from '../helpers/platform.js';

let cpo: TestPlatform;
let emsp: TestPlatform;
let webhook: http.Server;
const events: Array<{ type: string; data: any; signed: boolean }> = [];
const SECRET = 'emsp-webhook-secret-0123456789';

const cpoPath = `/parties/${CPO.country_code}/${CPO.party_id}`;
const emspPath = `/parties/${EMSP.country_code}/${EMSP.party_id}`;
const location = locations()[0];
const evse = location.evses[0];
const token = driverToken();
let sessionId: string;

beforeAll(async () => {
  const env = { ...FAST_DELIVERY, SIMULATOR_SPEED: '3600', SIMULATOR_TICK_MS: '100', SIMULATOR_POWER_KW: '11' };
  [cpo, emsp] = await Promise.all([startTestPlatform('e2e_roam_cpo', { env }), startTestPlatform('e2e_roam_emsp', { env })]);
  const hooks = express();
  hooks.use(express.raw({ type: '*/*' }));
  hooks.post('/events', (req, res) => {
    const body = req.body as Buffer;
    const expected = `sha256=${crypto.createHmac('sha256', SECRET).update(body).digest('hex')}`;
    const parsed = JSON.parse(body.toString('utf8'));
    events.push({ type: parsed.type, data: parsed.data, signed: req.get('x-signature') === expected });
    res.status(204).end();
  });
  webhook = http.createServer(hooks).listen(0, '127.0.0.1');
  await new Promise((r) => webhook.once('listening', r));

  await cpo
    .admin()
    .post('/parties', { country_code: CPO.country_code, party_id: CPO.party_id, role: 'CPO', business_details: businessDetails(CPO.name) })
    .expect(201);
  await cpo.admin().put(`${cpoPath}/backend`, { adapter: 'simulator' }).expect(200);
  for (const t of tariffs()) await cpo.admin().put(`${cpoPath}/tariffs/${t.id}`, t).expect(200);
  for (const l of locations()) await cpo.admin().put(`${cpoPath}/locations/${l.id}`, l).expect(200);
  await emsp
    .admin()
    .post('/parties', { country_code: EMSP.country_code, party_id: EMSP.party_id, role: 'EMSP', business_details: businessDetails(EMSP.name) })
    .expect(201);
  const url = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/events`;
  await emsp.admin().put(`${emspPath}/backend`, { adapter: 'webhook', url, secret: SECRET }).expect(200);
});

afterAll(async () => {
  await Promise.all([cpo?.stop(), emsp?.stop()]);
  webhook?.close();
});

const ocpiAt = (p: TestPlatform, method: string, prefix: string) => p.received.filter((r) => r.method === method && r.path.startsWith(prefix));

/** The routing headers a functional request between our two parties carries (transport §9). */
function expectRouted(r: RecordedRequest, from: { country_code: string; party_id: string }, to: { country_code: string; party_id: string }) {
  expect(r.headers['ocpi-from-country-code']).toBe(from.country_code);
  expect(r.headers['ocpi-from-party-id']).toBe(from.party_id);
  expect(r.headers['ocpi-to-country-code']).toBe(to.country_code);
  expect(r.headers['ocpi-to-party-id']).toBe(to.party_id);
  expect(r.headers['x-request-id']).toEqual(expect.any(String));
  expect(r.headers['x-correlation-id']).toEqual(expect.any(String));
}

test('the eMSP connects with Token A and both sides see each other registered', async () => {
  const invitation = await cpo.admin().post('/peers/invitations', { label: EMSP.name }).expect(201);
  await emsp.admin().post('/peers/connect', { versions_url: invitation.body.versions_url, token: invitation.body.token, label: CPO.name }).expect(201);
  for (const side of [cpo, emsp]) {
    const peers = (await side.admin().get('/peers').expect(200)).body;
    expect(peers.map((p: { status: string }) => p.status)).toEqual(['REGISTERED']);
  }
});

test("a full pull brings the CPO's locations and tariffs, asked with routing headers", async () => {
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/locations`).expect(200)).body.total).toBe(locations().length), 20_000);
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/tariffs`).expect(200)).body.total).toBe(tariffs().length), 20_000);
  const pulls = ocpiAt(cpo, 'GET', '/ocpi/cpo/2.2.1/locations');
  expect(pulls.length).toBeGreaterThan(0);
  expectRouted(pulls[0], EMSP, CPO);
  const stored = (await emsp.admin().get(`${emspPath}/received/locations/${CPO.country_code}/${CPO.party_id}/${location.id}`).expect(200)).body;
  expect(stored.evses.map((e: { uid: string }) => e.uid)).toEqual(location.evses.map((e) => e.uid));
});

test('an EVSE status change at the CPO is pushed as a PATCH and lands at the eMSP', async () => {
  const other = locations()[1];
  await cpo.admin().patch(`${cpoPath}/locations/${other.id}/${other.evses[0].uid}`, { status: 'OUTOFORDER' }).expect(200);
  await eventually(async () => {
    const stored = (await emsp.admin().get(`${emspPath}/received/locations?status=OUTOFORDER`).expect(200)).body;
    expect(stored.items.map((l: { id: string }) => l.id)).toEqual([other.id]);
  });
  const [patch] = ocpiAt(emsp, 'PATCH', `/ocpi/emsp/2.2.1/locations/${CPO.country_code}/${CPO.party_id}/${other.id}/${other.evses[0].uid}`);
  expectRouted(patch, CPO, EMSP);
  expect(patch.body).toMatchObject({ status: 'OUTOFORDER', last_updated: expect.any(String) });
});

test("the eMSP's new token is pushed to the CPO, which authorizes it in real time at the eMSP", async () => {
  await emsp.admin().put(`${emspPath}/tokens/${token.uid}`, token).expect(201);
  // A retried delivery (a slow answer under load) may arrive twice; once is what matters.
  await eventually(() => expect(ocpiAt(cpo, 'PUT', `/ocpi/cpo/2.2.1/tokens/${EMSP.country_code}/${EMSP.party_id}/${token.uid}`).length).toBeGreaterThanOrEqual(1));
  expectRouted(ocpiAt(cpo, 'PUT', '/ocpi/cpo/2.2.1/tokens')[0], EMSP, CPO);

  const auth = await cpo
    .admin()
    .post(`${cpoPath}/authorize`, { uid: token.uid, type: token.type, location: { location_id: location.id, evse_uids: [evse.uid] } })
    .expect(200);
  expect(auth.body).toMatchObject({ allowed: 'ALLOWED', source: 'PEER', authorization_reference: expect.any(String) });
  const [asked] = ocpiAt(emsp, 'POST', `/ocpi/emsp/2.2.1/tokens/${token.uid}/authorize`);
  expectRouted(asked, CPO, EMSP);
  expect(asked.body).toEqual({ location_id: location.id, evse_uids: [evse.uid] });
});

test('START_SESSION: the CPO answers at once, the simulator starts charging, the CommandResult comes to the unique response_url', async () => {
  const sent = await emsp.admin().post(`${emspPath}/commands/START_SESSION`, { location_id: location.id, evse_uid: evse.uid, token }).expect(201);
  expect(sent.body.response).toMatchObject({ result: 'ACCEPTED', timeout: expect.any(Number) });
  const [command] = ocpiAt(cpo, 'POST', '/ocpi/cpo/2.2.1/commands/START_SESSION');
  expectRouted(command, EMSP, CPO);
  const responseUrl = new URL((command.body as { response_url: string }).response_url);
  expect(responseUrl.pathname).toBe(`/ocpi/emsp/2.2.1/commands/START_SESSION/${sent.body.id}`);

  await eventually(async () =>
    expect((await emsp.admin().get(`${emspPath}/commands/${sent.body.id}`).expect(200)).body).toMatchObject({ status: 'RESULT', result: { result: 'ACCEPTED' } }),
  );
  const [result] = ocpiAt(emsp, 'POST', responseUrl.pathname);
  expectRouted(result, CPO, EMSP);
  await eventually(() => expect(events.some((e) => e.type === 'command.result')).toBe(true));
});

test('the session reaches the eMSP and its updates follow, in order', async () => {
  const session = await eventually(async () => {
    const list = (await emsp.admin().get(`${emspPath}/received/sessions?status=ACTIVE`).expect(200)).body;
    expect(list.items).toHaveLength(1);
    return list.items[0];
  }, 20_000);
  sessionId = session.id;
  expect(session).toMatchObject({ location_id: location.id, evse_uid: evse.uid, cdr_token: { uid: token.uid, contract_id: token.contract_id } });
  await eventually(
    async () => expect(Number((await emsp.admin().get(`${emspPath}/received/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`).expect(200)).body.kwh)).toBeGreaterThan(1),
    20_000,
  );
  const kwhs = ocpiAt(emsp, 'PATCH', `/ocpi/emsp/2.2.1/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`)
    .map((r) => (r.body as { kwh?: number } | undefined)?.kwh)
    .filter((k): k is number => k !== undefined);
  expect(kwhs).toEqual([...kwhs].sort((a, b) => a - b));
  await eventually(() => expect(events.find((e) => e.type === 'session.started')?.data).toMatchObject({ id: sessionId }));
  // The EVSE the driver uses turned CHARGING at the eMSP too.
  await eventually(async () =>
    expect((await emsp.admin().get(`${emspPath}/received/locations?status=CHARGING`).expect(200)).body.items.map((l: { id: string }) => l.id)).toEqual([location.id]),
  );
});

test('a charging profile set by the eMSP reaches the charge point and the result comes back', async () => {
  const profile = { charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: 7400 }] };
  const sent = await emsp.admin().put(`${emspPath}/sessions/${sessionId}/charging-profile`, { charging_profile: profile }).expect(201);
  const [put] = ocpiAt(cpo, 'PUT', `/ocpi/cpo/2.2.1/chargingprofiles/${sessionId}`);
  expectRouted(put, EMSP, CPO);
  await eventually(async () =>
    expect((await emsp.admin().get(`${emspPath}/sessions/${sessionId}/charging-profile/requests/${sent.body.id}`).expect(200)).body).toMatchObject({
      result: { result: 'ACCEPTED' },
    }),
  );
});

test('STOP_SESSION ends the session, and the priced CDR arrives, consistent with its tariff', async () => {
  const stop = await emsp.admin().post(`${emspPath}/commands/STOP_SESSION`, { session_id: sessionId }).expect(201);
  await eventually(async () =>
    expect((await emsp.admin().get(`${emspPath}/commands/${stop.body.id}`).expect(200)).body).toMatchObject({ status: 'RESULT', result: { result: 'ACCEPTED' } }),
  );
  const cdr = await eventually(async () => {
    const list = (await emsp.admin().get(`${emspPath}/received/cdrs`).expect(200)).body;
    expect(list.items).toHaveLength(1);
    return list.items[0];
  }, 20_000);
  expect(Cdr.safeParse(cdr).success).toBe(true);
  expect(cdr).toMatchObject({ session_id: sessionId, currency: 'EUR', cdr_token: { uid: token.uid }, tariffs: [{ id: 'AC-STANDARD' }] });
  expect(cdr.total_energy).toBeGreaterThan(1);
  // The eMSP can re-price the CDR from the tariff it carries and gets the same money.
  const repriced = price(cdr.tariffs, cdr.charging_periods, { timeZone: location.time_zone, sessionStart: cdr.start_date_time, sessionEnd: cdr.end_date_time });
  expect(repriced.total_cost).toEqual(cdr.total_cost);
  const [posted] = ocpiAt(emsp, 'POST', '/ocpi/emsp/2.2.1/cdrs');
  expectRouted(posted, CPO, EMSP);
  // The session's last PATCH and the CDR travel on their own modules' lanes: either may land first.
  await eventually(async () =>
    expect((await emsp.admin().get(`${emspPath}/received/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`).expect(200)).body.status).toBe('COMPLETED'),
  );
  await eventually(() =>
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['session.started', 'session.updated', 'session.ended', 'cdr.received', 'command.result'])),
  );
  expect(events.every((e) => e.signed)).toBe(true);
});
