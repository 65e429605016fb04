/**
 * Charging profiles sent by an eMSP party (09-chargingprofiles, Sender side): set, get and clear
 * through the admin API go to the chargingprofiles RECEIVER of the CPO that owns the received
 * session, each with its own response_url; the results posted there and the CPO's
 * ActiveChargingProfile updates are stored.
 */
import type { Request, Response } from 'express';
import { aBusinessDetails, aCredentialsRole } from '../../helpers/builders.js';
import { FAST_DELIVERY } from '../../helpers/delivery.js';
import { eventually, sleep } from '../../helpers/eventually.js';
import { type FakePeer, decodeToken, ok, startFakePeer } from '../../helpers/fake-peer.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../../helpers/registered-peer.js';
import { aSession } from '../../helpers/sessions.js';

let platform: TestPlatform;
let cpo: RegisteredPeer;
let other: RegisteredPeer;
let backend: FakePeer;
let answer: (req: Request, res: Response) => void;
const accept =
  (timeout = 30) =>
  (_req: Request, res: Response) =>
    void res.json(ok({ result: 'ACCEPTED', timeout }));

const PROFILES = [{ identifier: 'chargingprofiles', role: 'RECEIVER', path: '/cpo/chargingprofiles' }];
const profile = {
  charging_rate_unit: 'W',
  min_charging_rate: 1400.5,
  charging_profile_period: [
    { start_period: 0, limit: 11000 },
    { start_period: 1800, limit: 7400.5 },
  ],
};
const active = { start_date_time: '2025-06-01T08:30:00.000Z', charging_profile: { charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: 7400 }] } };
const path = (session: string) => `/parties/DE/EMS/sessions/${session}/charging-profile`;
const received = (peer: RegisteredPeer, method: string) => peer.fake.received.filter((r) => r.method === method && r.path.startsWith('/cpo/chargingprofiles/'));
const postResult = (url: string, body: object, as: RegisteredPeer = cpo) =>
  request(platform.url).post(new URL(url).pathname).set('Authorization', tokenHeader(as.tokenC)).send(body);
const putActive = (session: string, body: object, as: RegisteredPeer = cpo) =>
  request(platform.url).put(`/ocpi/emsp/2.2.1/chargingprofiles/${session}`).set('Authorization', tokenHeader(as.tokenC)).send(body);
const requestView = (session: string, id: string) =>
  platform
    .admin()
    .get(`${path(session)}/requests/${id}`)
    .expect(200);
const push = (peer: RegisteredPeer, p: string, body: object) => request(platform.url).put(`/ocpi/emsp/2.2.1/${p}`).set('Authorization', tokenHeader(peer.tokenC)).send(body);

beforeAll(async () => {
  platform = await startTestPlatform('chargingprofiles_emsp_sender', { env: FAST_DELIVERY });
  await platform.admin().post('/parties', { country_code: 'DE', party_id: 'EMS', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
  cpo = await aRegisteredPeer(platform, [aCredentialsRole({ role: 'CPO', country_code: 'NL', party_id: 'CPO' })], undefined, PROFILES);
  other = await aRegisteredPeer(platform, [aCredentialsRole({ role: 'CPO', country_code: 'NL', party_id: 'OTH' })], undefined, PROFILES);
  answer = accept();
  for (const method of ['PUT', 'GET', 'DELETE']) cpo.fake.on(method, '/cpo/chargingprofiles/*', (req, res) => answer(req, res));
  for (const id of ['S1', 'S2', 'S3']) await push(cpo, `sessions/NL/CPO/${id}`, aSession(id)).expect(201);
  backend = await startFakePeer();
  backend.on('POST', '/events', (_req, res) => void res.json({}));
  await platform
    .admin()
    .put('/parties/DE/EMS/backend', { adapter: 'webhook', url: `${backend.url}/events`, secret: 'a-webhook-secret-0123' })
    .expect(200);
});

afterEach(() => {
  answer = accept();
});

afterAll(async () => {
  for (const peer of [cpo, other]) await peer?.fake.close();
  await backend?.close();
  await platform?.stop();
});

const eventFor = (id: string, type: string) =>
  backend.received.find((r) => (r.body as { type: string; data: { id?: string } }).type === type && (r.body as { data: { id?: string } }).data.id === id)?.body as
    | { data: Record<string, unknown> }
    | undefined;

describe('sending', () => {
  test('PUT sends SetChargingProfile to the CPO of the session with routing headers and a response_url of its own', async () => {
    const res = await platform.admin().put(path('s1'), { charging_profile: profile }).expect(201);
    expect(res.body).toMatchObject({
      kind: 'SET',
      session_id: 'S1',
      status: 'ACCEPTED',
      cpo: { country_code: 'NL', party_id: 'CPO' },
      response: { result: 'ACCEPTED', timeout: 30 },
      result: null,
    });
    const put = received(cpo, 'PUT').at(-1)!;
    expect(put.path).toBe('/cpo/chargingprofiles/S1');
    expect(put.headers).toMatchObject({ 'ocpi-from-country-code': 'DE', 'ocpi-from-party-id': 'EMS', 'ocpi-to-country-code': 'NL', 'ocpi-to-party-id': 'CPO' });
    expect(decodeToken(put.headers.authorization as string)).toBe(cpo.tokenB);
    expect(put.body).toEqual({ charging_profile: profile, response_url: `${platform.url}/ocpi/emsp/2.2.1/chargingprofiles/set/${res.body.id}` });
  });

  test('GET asks for the active profile with duration and response_url in the query; DELETE clears with response_url in the query', async () => {
    const get = await platform
      .admin()
      .get(`${path('S1')}?duration=900`)
      .expect(201);
    expect(received(cpo, 'GET').at(-1)).toMatchObject({
      path: '/cpo/chargingprofiles/S1',
      query: { duration: '900', response_url: `${platform.url}/ocpi/emsp/2.2.1/chargingprofiles/get/${get.body.id}` },
    });
    const del = await platform.admin().delete(path('S1')).expect(201);
    expect(received(cpo, 'DELETE').at(-1)).toMatchObject({
      path: '/cpo/chargingprofiles/S1',
      query: { response_url: `${platform.url}/ocpi/emsp/2.2.1/chargingprofiles/clear/${del.body.id}` },
    });
    expect(del.body).toMatchObject({ kind: 'CLEAR', status: 'ACCEPTED' });
  });

  test('a TOO_OFTEN answer is stored as REJECTED with the CPO’s result', async () => {
    answer = (_req, res) => void res.json(ok({ result: 'TOO_OFTEN', timeout: 5 }));
    expect((await platform.admin().delete(path('S1')).expect(201)).body).toMatchObject({ status: 'REJECTED', response: { result: 'TOO_OFTEN', timeout: 5 } });
  });

  test('an unreachable CPO makes the request FAILED (502) with the reason', async () => {
    answer = (req) => void req.socket.destroy();
    const res = await platform.admin().put(path('S1'), { charging_profile: profile }).expect(502);
    expect(res.body).toMatchObject({ status: 'FAILED', response: null, failure: expect.stringContaining('/cpo/chargingprofiles/S1 failed') });
    expect(JSON.stringify(res.body)).not.toContain(cpo.tokenB);
  });

  test('an unknown session is 404, and bad input names the field', async () => {
    expect((await platform.admin().put(path('NOPE'), { charging_profile: profile }).expect(404)).body.error.code).toBe('unknown_session');
    expect((await platform.admin().get(path('S1')).expect(400)).body.error.fields[0].path).toBe('query.duration');
    const bad = await platform
      .admin()
      .put(path('S1'), { charging_profile: { ...profile, charging_profile_period: [{ start_period: 0, limit: 16.25 }] } })
      .expect(400);
    expect(bad.body.error.fields[0].path).toBe('body.charging_profile.charging_profile_period.0.limit');
  });
});

describe('results and active profiles', () => {
  test('each result posted to its response_url is stored with its request, told to the backend, and a GET result keeps the active profile', async () => {
    const set = (await platform.admin().put(path('S2'), { charging_profile: profile }).expect(201)).body;
    const get = (
      await platform
        .admin()
        .get(`${path('S2')}?duration=600`)
        .expect(201)
    ).body;
    expect((await postResult(set.request.response_url, { result: 'ACCEPTED' }).expect(200)).body.status_code).toBe(1000);
    expect((await postResult(get.request.response_url, { result: 'ACCEPTED', profile: active }).expect(200)).body.status_code).toBe(1000);

    expect((await requestView('S2', set.id)).body).toMatchObject({ kind: 'SET', status: 'RESULT', result: { result: 'ACCEPTED' } });
    expect((await requestView('S2', get.id)).body).toMatchObject({ kind: 'GET', status: 'RESULT', result: { result: 'ACCEPTED', profile: active } });
    expect(
      (
        await platform
          .admin()
          .get(`${path('S2')}/active`)
          .expect(200)
      ).body,
    ).toMatchObject({ session_id: 'S2', source: 'RESULT', active_charging_profile: active });
    await eventually(() => expect(eventFor(get.id, 'chargingprofile.result')?.data).toMatchObject({ status: 'RESULT', result: { profile: active } }));

    const again = await postResult(set.request.response_url, { result: 'REJECTED' }).expect(200);
    expect(again.body.status_message).toMatch(/^Ignored/);
    expect((await requestView('S2', set.id)).body.result).toEqual({ result: 'ACCEPTED' });
  });

  test('a peer that did not register the CPO party, an unknown id or the wrong kind of URL is 404 and changes nothing', async () => {
    const set = (await platform.admin().put(path('S3'), { charging_profile: profile }).expect(201)).body;
    const url: string = set.request.response_url;
    expect((await postResult(url, { result: 'ACCEPTED' }, other).expect(404)).body.status_code).toBe(2000);
    await postResult(url.replace('/set/', '/clear/'), { result: 'ACCEPTED' }).expect(404);
    await postResult(url.replace(set.id, '00000000-0000-4000-8000-000000000000'), { result: 'ACCEPTED' }).expect(404);
    expect((await postResult(url, { result: 'MAYBE' }).expect(200)).body.status_code).toBe(2001);
    expect((await requestView('S3', set.id)).body).toMatchObject({ status: 'ACCEPTED', result: null });
  });

  test('an ActiveChargingProfile PUT by the CPO of the session is kept and told to the backend; another CPO peer gets 404', async () => {
    const res = await putActive('s3', active).expect(200);
    expect(res.body).toMatchObject({ status_code: 1000 });
    expect(
      (
        await platform
          .admin()
          .get(`${path('S3')}/active`)
          .expect(200)
      ).body,
    ).toMatchObject({ session_id: 'S3', source: 'PUT', active_charging_profile: active });
    await eventually(() =>
      expect(
        backend.received.some(
          (r) =>
            (r.body as { type: string; data: { session_id?: string } }).type === 'chargingprofile.active' && (r.body as { data: { session_id?: string } }).data.session_id === 'S3',
        ),
      ).toBe(true),
    );
    expect((await putActive('S3', active, other).expect(404)).body.status_code).toBe(2000);
    expect((await putActive('S3', { charging_profile: active.charging_profile }).expect(200)).body).toMatchObject({
      status_code: 2001,
      status_message: expect.stringContaining('start_date_time'),
    });
    await platform
      .admin()
      .get(`${path('S1')}/active`)
      .expect(404);
  });

  test('without a result within the response timeout the request becomes TIMEOUT', async () => {
    answer = accept(1);
    const sent = (await platform.admin().delete(path('S3')).expect(201)).body;
    await sleep(500);
    expect((await requestView('S3', sent.id)).body.status).toBe('ACCEPTED');
    await eventually(async () => expect((await requestView('S3', sent.id)).body).toMatchObject({ status: 'TIMEOUT', result: null }), 15000);
    await eventually(() => expect(eventFor(sent.id, 'chargingprofile.result')?.data).toMatchObject({ status: 'TIMEOUT' }));
  }, 30000);
});
