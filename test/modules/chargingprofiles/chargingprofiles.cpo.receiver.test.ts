/**
 * Charging profile requests received by a CPO party: answered at once with a
 * ChargingProfileResponse, forwarded to the party's backend (simulator or signed webhook), the
 * result POSTed to the sender's unique response_url, and ActiveChargingProfile updates PUT to the
 * senders whose profile was accepted.
 */
import { ChargingProfileResponse } from '../../../src/model/charging-profile.js';
import { aBusinessDetails, aCredentialsRole } from '../../helpers/builders.js';
import { FAST_DELIVERY } from '../../helpers/delivery.js';
import { eventually, sleep } from '../../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../../helpers/fake-peer.js';
import { aLocation, anEvse } from '../../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { aSession } from '../../helpers/sessions.js';

let platform: TestPlatform;
let emsp: FakePeer;
let backend: FakePeer;
let tokenC: string;
const BASE = '/ocpi/cpo/2.2.1/chargingprofiles';
const profile = {
  charging_rate_unit: 'A',
  min_charging_rate: 6.5,
  charging_profile_period: [
    { start_period: 0, limit: 16 },
    { start_period: 900, limit: 8.5 },
  ],
};
let n = 0;
const responseUrl = () => `${emsp.url}/results/${++n}?request_id=${n}`;
const resultAt = (url: string) => emsp.received.find((r) => r.method === 'POST' && r.path === new URL(url).pathname);
const auth = () => ({ Authorization: tokenHeader(tokenC) });
const put = (sessionId: string, body: object) => request(platform.url).put(`${BASE}/${sessionId}`).set(auth()).send(body);
const get = (sessionId: string, query: Record<string, string>) => request(platform.url).get(`${BASE}/${sessionId}`).query(query).set(auth());
const del = (sessionId: string, query: Record<string, string>) => request(platform.url).delete(`${BASE}/${sessionId}`).query(query).set(auth());
const session = (id: string, overrides: Record<string, unknown> = {}) => platform.admin().put(`/parties/NL/CPO/sessions/${id}`, aSession(id, overrides)).expect(200);
const INTERVAL_MS = 1000;

beforeAll(async () => {
  platform = await startTestPlatform('chargingprofiles_cpo', {
    env: { ...FAST_DELIVERY, COMMAND_TIMEOUT_SECONDS: '2', CHARGING_PROFILE_MIN_INTERVAL_SECONDS: String(INTERVAL_MS / 1000) },
  });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  emsp = await startFakePeer([{ identifier: 'chargingprofiles', role: 'SENDER', path: '/emsp/chargingprofiles' }]);
  emsp.on('POST', '/results/*', (_req, res) => void res.json(ok()));
  emsp.on('PUT', '/emsp/chargingprofiles/*', (_req, res) => void res.json(ok()));
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

test('without a connected backend a known session is NOT_SUPPORTED', async () => {
  await session('S-NOBACKEND');
  const res = await put('S-NOBACKEND', { charging_profile: profile, response_url: responseUrl() }).expect(200);
  expect(res.body.status_code).toBe(1000);
  expect(ChargingProfileResponse.strict().parse(res.body.data)).toEqual({ result: 'NOT_SUPPORTED', timeout: 2 });
});

describe('with the simulator as backend', () => {
  beforeAll(async () => {
    await platform.admin().put('/parties/NL/CPO/backend', { adapter: 'simulator' }).expect(200);
    expect((await platform.admin().get('/parties/NL/CPO/backend').expect(200)).body).toEqual({ adapter: 'simulator' });
    await platform
      .admin()
      .put('/parties/NL/CPO/locations/LOC-NOCAP', aLocation('LOC-NOCAP', { evses: [anEvse('EVSE-NOCAP')] }))
      .expect(200);
    await platform
      .admin()
      .put('/parties/NL/CPO/locations/LOC-CAP', aLocation('LOC-CAP', { evses: [anEvse('EVSE1', { capabilities: ['CHARGING_PROFILE_CAPABLE'] })] }))
      .expect(200);
  });

  test('set, get and clear: each result reaches its own response_url with routing headers', async () => {
    await session('S-SIM', { location_id: 'LOC-CAP', evse_uid: 'EVSE1' });
    const setUrl = responseUrl();
    expect((await put('S-SIM', { charging_profile: profile, response_url: setUrl }).expect(200)).body.data).toEqual({ result: 'ACCEPTED', timeout: 2 });
    await eventually(() => expect(resultAt(setUrl)?.body).toEqual({ result: 'ACCEPTED' }));
    expect(resultAt(setUrl)?.query).toEqual({ request_id: String(n) });
    expect(resultAt(setUrl)?.headers).toMatchObject({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'CPO', 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'EMS' });

    await sleep(INTERVAL_MS + 100);
    const getUrl = responseUrl();
    expect((await get('S-SIM', { duration: '900', response_url: getUrl }).expect(200)).body.data.result).toBe('ACCEPTED');
    await eventually(() => expect(resultAt(getUrl)?.body).toMatchObject({ result: 'ACCEPTED', profile: { charging_profile: profile } }));
    expect((resultAt(getUrl)?.body as { profile: { start_date_time: string } }).profile.start_date_time).toMatch(/Z$/);

    await sleep(INTERVAL_MS + 100);
    const clearUrl = responseUrl();
    expect((await del('S-SIM', { response_url: clearUrl }).expect(200)).body.data.result).toBe('ACCEPTED');
    await eventually(() => expect(resultAt(clearUrl)?.body).toEqual({ result: 'ACCEPTED' }));

    await sleep(INTERVAL_MS + 100);
    const afterClear = responseUrl();
    await get('S-SIM', { duration: '60', response_url: afterClear }).expect(200);
    await eventually(() => expect(resultAt(afterClear)?.body).toEqual({ result: 'REJECTED' }));
  });

  test('a second set request within the interval is TOO_OFTEN, one after it is ACCEPTED', async () => {
    await session('S-FAST');
    expect((await put('S-FAST', { charging_profile: profile, response_url: responseUrl() }).expect(200)).body.data.result).toBe('ACCEPTED');
    expect((await put('S-FAST', { charging_profile: profile, response_url: responseUrl() }).expect(200)).body.data).toEqual({ result: 'TOO_OFTEN', timeout: 2 });
    await sleep(INTERVAL_MS + 100);
    expect((await put('S-FAST', { charging_profile: profile, response_url: responseUrl() }).expect(200)).body.data.result).toBe('ACCEPTED');
  });

  test.each([
    ['an unknown session', 'UNKNOWN_SESSION', 'NOPE', null],
    [
      "another eMSP's session (answered like an unknown one)",
      'UNKNOWN_SESSION',
      'S-OTHER',
      { cdr_token: { country_code: 'FR', party_id: 'OTH', uid: 'X', type: 'RFID', contract_id: 'FR-1' } },
    ],
    ['a session that has ended', 'REJECTED', 'S-DONE', { status: 'COMPLETED', end_date_time: '2026-01-01T01:00:00Z' }],
    ['a session on an EVSE without CHARGING_PROFILE_CAPABLE', 'NOT_SUPPORTED', 'S-NOCAP', { location_id: 'LOC-NOCAP', evse_uid: 'EVSE-NOCAP' }],
  ])('%s is %s and nothing is forwarded', async (_name, result, id, overrides) => {
    if (overrides) await session(id, overrides);
    const url = responseUrl();
    expect((await put(id, { charging_profile: profile, response_url: url }).expect(200)).body).toMatchObject({ status_code: 1000, data: { result, timeout: 2 } });
    await platform.whenIdle();
    expect(resultAt(url)).toBeUndefined();
  });

  test('an ActiveChargingProfile change is PUT to the sender that set a profile, and only for that session', async () => {
    await session('S-UPD');
    await session('S-NOSET');
    const setUrl = responseUrl();
    await put('S-UPD', { charging_profile: profile, response_url: setUrl }).expect(200);
    await eventually(() => expect(resultAt(setUrl)).toBeDefined());
    const active = { start_date_time: '2025-06-01T08:30:00.000Z', charging_profile: { charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: 7400 }] } };
    expect((await platform.admin().put('/parties/NL/CPO/sessions/S-UPD/active-charging-profile', active).expect(200)).body).toEqual({ notified: 1 });
    expect((await platform.admin().put('/parties/NL/CPO/sessions/S-NOSET/active-charging-profile', active).expect(200)).body).toEqual({ notified: 0 });
    await platform.admin().put('/parties/NL/CPO/sessions/NOPE/active-charging-profile', active).expect(404);
    await eventually(() => expect(emsp.received.find((r) => r.method === 'PUT' && r.path === '/emsp/chargingprofiles/S-UPD')?.body).toEqual(active));
    expect(emsp.received.find((r) => r.method === 'PUT' && r.path === '/emsp/chargingprofiles/S-UPD')?.headers).toMatchObject({
      'ocpi-from-party-id': 'CPO',
      'ocpi-to-party-id': 'EMS',
    });
    await platform.whenIdle();
    expect(emsp.received.some((r) => r.path === '/emsp/chargingprofiles/S-NOSET')).toBe(false);
  });

  test.each([
    ['GET without duration', () => get('S-SIM', { response_url: responseUrl() }), 'query.duration'],
    ['GET without response_url', () => get('S-SIM', { duration: '60' }), 'query.response_url'],
    ['DELETE without response_url', () => del('S-SIM', {}), 'query.response_url'],
    [
      'PUT without charging_rate_unit',
      () => put('S-SIM', { response_url: responseUrl(), charging_profile: { charging_profile_period: [] } }),
      'charging_profile.charging_rate_unit',
    ],
    ['PUT without response_url', () => put('S-SIM', { charging_profile: profile }), 'response_url'],
    ['a response_url at a metadata address', () => put('S-SIM', { charging_profile: profile, response_url: 'http://169.254.169.254/x' }), 'response_url'],
    [
      'PUT with a limit that is not a number',
      () => put('S-SIM', { response_url: responseUrl(), charging_profile: { ...profile, charging_profile_period: [{ start_period: 0, limit: 'max' }] } }),
      'charging_profile.charging_profile_period.0.limit',
    ],
  ])('%s is a 2001 naming the field', async (_name, send, field) => {
    const res = await send().expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain(field);
  });

  test('PUT with a limit of two decimals is cut to one decimal toward zero (a limit never grows) and answered as usual', async () => {
    const res = await put('S-SIM', { response_url: responseUrl(), charging_profile: { ...profile, charging_profile_period: [{ start_period: 0, limit: 8.25 }] } }).expect(200);
    expect(res.body.status_code).toBe(1000);
    expect(res.body.data.result).toBe('ACCEPTED');
    expect(res.body.status_message).toContain('charging_profile.charging_profile_period[].limit (rounded_number)');
  });
});

describe('with a webhook backend', () => {
  const hooks = () => backend.received.filter((r) => r.path === '/hook');
  beforeAll(async () => {
    await platform
      .admin()
      .put('/parties/NL/CPO/backend', { adapter: 'webhook', url: `${backend.url}/hook`, secret: 'webhook-secret-0123456789' })
      .expect(200);
  });

  test("the backend's answer through the admin API becomes the ActiveChargingProfileResult", async () => {
    await session('S-HOOK');
    const url = responseUrl();
    await get('S-HOOK', { duration: '900', response_url: url }).expect(200);
    await eventually(() => expect(hooks().find((h) => (h.body as { request: { session_id: string } }).request.session_id === 'S-HOOK')).toBeDefined());
    const hook = hooks().find((h) => (h.body as { request: { session_id: string } }).request.session_id === 'S-HOOK')!.body as {
      command_id: string;
      command: string;
      result_url: string;
      request: Record<string, unknown>;
    };
    expect(hook).toMatchObject({ command: 'GET_ACTIVE_CHARGING_PROFILE', request: { duration: 900, session_id: 'S-HOOK' } });
    expect(hook.request.response_url).toBeUndefined();
    expect(hook.result_url).toBe(`${platform.url}/admin/parties/NL/CPO/charging-profiles/${hook.command_id}/result`);

    const path = `/parties/NL/CPO/charging-profiles/${hook.command_id}/result`;
    await platform.admin().post(path, { result: 'ACCEPTED' }).expect(400);
    const active = { start_date_time: '2025-06-01T08:30:00.000Z', charging_profile: profile };
    expect((await platform.admin().post(path, { result: 'ACCEPTED', profile: active }).expect(200)).body).toMatchObject({ kind: 'GET', status: 'ANSWERED', result: 'ACCEPTED' });
    await eventually(() => expect(resultAt(url)?.body).toEqual({ result: 'ACCEPTED', profile: active }));
    await platform.admin().post(path, { result: 'REJECTED' }).expect(409);
  });

  test('a backend that never answers: the sweep sends REJECTED after the timeout', async () => {
    await session('S-SILENT');
    const url = responseUrl();
    expect((await del('S-SILENT', { response_url: url }).expect(200)).body.data.result).toBe('ACCEPTED');
    await eventually(() => expect(resultAt(url)?.body).toEqual({ result: 'REJECTED' }), 10000);
  });
});
