/**
 * Commands received by a CPO party: answered at once, forwarded to the party's backend (signed
 * webhook), and the backend's result delivered to the eMSP's unique response_url; TIMEOUT when
 * the backend stays silent.
 */
import crypto from 'node:crypto';
import { CommandResponse } from '../../../src/model/command.js';
import { aBusinessDetails, aCredentialsRole } from '../../helpers/builders.js';
import { FAST_DELIVERY } from '../../helpers/delivery.js';
import { eventually } from '../../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../../helpers/fake-peer.js';
import { aLocation, anEvse } from '../../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { aSession } from '../../helpers/sessions.js';

let platform: TestPlatform;
let emsp: FakePeer;
let backend: FakePeer;
let tokenC: string;
const SECRET = 'webhook-secret-0123456789';
const results = () => emsp.received.filter((r) => r.path.startsWith('/results/'));
const webhooks = () => backend.received.filter((r) => r.path === '/hook');

const token = {
  country_code: 'DE',
  party_id: 'EMS',
  uid: 'APP123',
  type: 'APP_USER',
  contract_id: 'DE-EMS-C1',
  issuer: 'eMSP',
  valid: true,
  whitelist: 'ALLOWED',
  last_updated: '2025-01-01T00:00:00Z',
};
let n = 0;
const responseUrl = () => `${emsp.url}/results/${++n}`;
const send = (command: string, body: object) => request(platform.url).post(`/ocpi/cpo/2.2.1/commands/${command}`).set('Authorization', tokenHeader(tokenC)).send(body);

beforeAll(async () => {
  platform = await startTestPlatform('commands_cpo', { env: { ...FAST_DELIVERY, COMMAND_TIMEOUT_SECONDS: '2' } });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  await platform
    .admin()
    .put('/parties/NL/CPO/locations/LOC1', aLocation('LOC1', { evses: [anEvse('EVSE1'), anEvse('EVSE2', { capabilities: ['RFID_READER'] })] }))
    .expect(200);
  emsp = await startFakePeer();
  emsp.on('POST', '/results/*', (_req, res) => void res.json(ok()));
  emsp.acceptedTokens.add('emsp-b');
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  tokenC = (
    await request(platform.url)
      .post('/ocpi/2.2.1/credentials')
      .set('Authorization', tokenHeader(invitation.body.token))
      .send({ token: 'emsp-b', url: emsp.versionsUrl, roles: [aCredentialsRole()] })
  ).body.data.token;
  backend = await startFakePeer();
  backend.on('POST', '/hook', (_req, res) => void res.status(202).json({}));
});

afterAll(async () => {
  await emsp?.close();
  await backend?.close();
  await platform?.stop();
});

test('without a connected backend START_SESSION is NOT_SUPPORTED', async () => {
  const res = await send('START_SESSION', { response_url: responseUrl(), token, location_id: 'LOC1', evse_uid: 'EVSE1' }).expect(200);
  expect(res.body.status_code).toBe(1000);
  expect(CommandResponse.parse(res.body.data)).toMatchObject({ result: 'NOT_SUPPORTED', timeout: 2 });
});

describe('with a webhook backend', () => {
  beforeAll(async () => {
    await platform
      .admin()
      .put('/parties/NL/CPO/backend', { adapter: 'webhook', url: `${backend.url}/hook`, secret: SECRET })
      .expect(200);
  });

  test('START_SESSION is accepted at once, forwarded signed, and the result reaches the unique response_url', async () => {
    const url = responseUrl();
    const res = await send('START_SESSION', { response_url: url, token, location_id: 'LOC1', evse_uid: 'EVSE1', authorization_reference: 'AUTH1' }).expect(200);
    expect(res.body.data).toEqual({ result: 'ACCEPTED', timeout: 2 });
    await eventually(() => expect(webhooks()).toHaveLength(1));
    const hook = webhooks()[0];
    const raw = JSON.stringify(hook.body);
    expect(hook.headers['x-signature']).toBe(`sha256=${crypto.createHmac('sha256', SECRET).update(raw).digest('hex')}`);
    const payload = hook.body as { command_id: string; command: string; result_url: string; request: Record<string, unknown> };
    expect(payload).toMatchObject({ command: 'START_SESSION', request: { location_id: 'LOC1', evse_uid: 'EVSE1', authorization_reference: 'AUTH1' } });
    expect(payload.request.response_url).toBeUndefined();
    expect(payload.result_url).toBe(`${platform.url}/admin/parties/NL/CPO/commands/${payload.command_id}/result`);

    await platform.admin().post(`/parties/NL/CPO/commands/${payload.command_id}/result`, { result: 'ACCEPTED' }).expect(200);
    await eventually(() => expect(results()).toHaveLength(1));
    expect(results()[0]).toMatchObject({ method: 'POST', path: new URL(url).pathname, body: { result: 'ACCEPTED' } });
    expect(results()[0].headers).toMatchObject({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'CPO', 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'EMS' });
    const stored = await platform.admin().get(`/parties/NL/CPO/commands/${payload.command_id}`).expect(200);
    expect(stored.body).toMatchObject({ status: 'ANSWERED', result: 'ACCEPTED' });
    await platform.admin().post(`/parties/NL/CPO/commands/${payload.command_id}/result`, { result: 'FAILED' }).expect(409);
  });

  test('a backend that never answers produces a TIMEOUT result', async () => {
    const url = responseUrl();
    const res = await send('START_SESSION', { response_url: url, token, location_id: 'LOC1', evse_uid: 'EVSE1', connector_id: '1' }).expect(200);
    expect(res.body.data.result).toBe('ACCEPTED');
    await eventually(
      () =>
        expect(results().find((r) => r.path === new URL(url).pathname)?.body).toEqual({
          result: 'TIMEOUT',
          message: [{ language: 'en', text: 'The charge point did not answer in time' }],
        }),
      10000,
    );
  });

  test.each([
    ['an unknown location', 'START_SESSION', () => ({ response_url: responseUrl(), token, location_id: 'NOPE' }), 2003, 'REJECTED'],
    ['an EVSE without remote start', 'START_SESSION', () => ({ response_url: responseUrl(), token, location_id: 'LOC1', evse_uid: 'EVSE2' }), 1000, 'NOT_SUPPORTED'],
    ['an unknown EVSE', 'START_SESSION', () => ({ response_url: responseUrl(), token, location_id: 'LOC1', evse_uid: 'EVSE9' }), 1000, 'REJECTED'],
    ["another eMSP's token", 'START_SESSION', () => ({ response_url: responseUrl(), token: { ...token, party_id: 'XXX' }, location_id: 'LOC1' }), 1000, 'REJECTED'],
    ['an unknown session', 'STOP_SESSION', () => ({ response_url: responseUrl(), session_id: 'NOPE' }), 1000, 'UNKNOWN_SESSION'],
    [
      'an EVSE that is not reservable',
      'RESERVE_NOW',
      () => ({ response_url: responseUrl(), token, expiry_date: '2030-01-01T00:00:00Z', reservation_id: 'R1', location_id: 'LOC1', evse_uid: 'EVSE2' }),
      1000,
      'NOT_SUPPORTED',
    ],
  ])('%s (%s) is answered without forwarding anything', async (_name, command, body, statusCode, result) => {
    const before = webhooks().length;
    const res = await send(command, body()).expect(200);
    expect(res.body).toMatchObject({ status_code: statusCode, data: { result, timeout: 2 } });
    await new Promise((r) => setTimeout(r, 100));
    expect(webhooks()).toHaveLength(before);
  });

  test("STOP_SESSION for another eMSP's session is UNKNOWN_SESSION, as for a session that does not exist", async () => {
    await platform
      .admin()
      .put('/parties/NL/CPO/sessions/S-OTHER', aSession('S-OTHER', { cdr_token: { country_code: 'FR', party_id: 'OTH', uid: 'X', type: 'RFID', contract_id: 'FR-1' } }))
      .expect(200);
    const res = await send('STOP_SESSION', { response_url: responseUrl(), session_id: 'S-OTHER' }).expect(200);
    expect(res.body.data.result).toBe('UNKNOWN_SESSION');
  });

  test.each([
    ['an unknown command', 'BOOT', () => ({ response_url: responseUrl() }), 'path.command'],
    ['a missing response_url', 'STOP_SESSION', () => ({ session_id: 'S1' }), 'response_url'],
    ['a response_url at a metadata address', 'STOP_SESSION', () => ({ response_url: 'http://169.254.169.254/x', session_id: 'S1' }), 'response_url'],
    ['a connector without an EVSE', 'START_SESSION', () => ({ response_url: responseUrl(), token, location_id: 'LOC1', connector_id: '1' }), 'evse_uid'],
  ])('%s is a 2001 naming the field', async (_name, command, body, field) => {
    const res = await send(command, body()).expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain(field);
  });

  test('UNLOCK_CONNECTOR needs an UNLOCK_CAPABLE EVSE', async () => {
    const res = await send('UNLOCK_CONNECTOR', { response_url: responseUrl(), location_id: 'LOC1', evse_uid: 'EVSE1', connector_id: '1' }).expect(200);
    expect(res.body.data.result).toBe('NOT_SUPPORTED');
  });

  test('a backend that cannot be reached makes the result FAILED', async () => {
    await platform.admin().put('/parties/NL/CPO/backend', { adapter: 'webhook', url: 'http://127.0.0.1:9/hook', secret: SECRET }).expect(200);
    const url = responseUrl();
    await send('STOP_SESSION', { response_url: url, session_id: 'S-MINE' }).expect(200);
    // No such session: UNKNOWN_SESSION, nothing forwarded. Create it and try again.
    await platform.admin().put('/parties/NL/CPO/sessions/S-MINE', aSession('S-MINE')).expect(200);
    const url2 = responseUrl();
    expect((await send('STOP_SESSION', { response_url: url2, session_id: 'S-MINE' }).expect(200)).body.data.result).toBe('ACCEPTED');
    await eventually(() => expect(results().find((r) => r.path === new URL(url2).pathname)?.body).toMatchObject({ result: 'FAILED' }));
  });
});
