/**
 * The built-in charge point simulator as a CPO party's backend: a remote start opens a metered
 * session, a remote stop ends it, and the eMSP receives every message of the flow, down to a CDR
 * priced by the tariff engine.
 */
import { Cdr } from '../../src/model/cdr.js';
import { Session } from '../../src/model/session.js';
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../helpers/fake-peer.js';
import { aLocation } from '../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';

let platform: TestPlatform;
let emsp: FakePeer;
let tokenC: string;
const token = {
  country_code: 'DE',
  party_id: 'EMS',
  uid: 'APP1',
  type: 'APP_USER',
  contract_id: 'DE-EMS-C1',
  issuer: 'eMSP',
  valid: true,
  whitelist: 'ALLOWED',
  last_updated: '2025-01-01T00:00:00Z',
};
const got = (method: string, prefix: string) => emsp.received.filter((r) => r.method === method && r.path.startsWith(prefix));
const command = (name: string, body: object) => request(platform.url).post(`/ocpi/cpo/2.2.1/commands/${name}`).set('Authorization', tokenHeader(tokenC)).send(body);

beforeAll(async () => {
  // One real second is one simulated hour; 11 kW.
  platform = await startTestPlatform('simulator', { env: { ...FAST_DELIVERY, SIMULATOR_SPEED: '3600', SIMULATOR_POWER_KW: '11', SIMULATOR_TICK_MS: '100' } });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  await platform.admin().put('/parties/NL/CPO/backend', { adapter: 'simulator' }).expect(200);
  await platform
    .admin()
    .put('/parties/NL/CPO/tariffs/T1', {
      country_code: 'NL',
      party_id: 'CPO',
      id: 'T1',
      currency: 'EUR',
      elements: [{ price_components: [{ type: 'ENERGY', price: 0.25, vat: 10, step_size: 1 }] }],
      last_updated: '2025-01-01T00:00:00Z',
    })
    .expect(200);
  await platform.admin().put('/parties/NL/CPO/locations/LOC1', aLocation('LOC1')).expect(200);
  emsp = await startFakePeer([
    { identifier: 'locations', role: 'RECEIVER', path: '/emsp/locations' },
    { identifier: 'sessions', role: 'RECEIVER', path: '/emsp/sessions' },
    { identifier: 'cdrs', role: 'RECEIVER', path: '/emsp/cdrs' },
  ]);
  for (const m of ['PUT', 'PATCH', 'POST']) emsp.on(m, '/emsp/*', (_req, res) => void res.set('Location', `${emsp.url}/emsp/cdrs/1`).json(ok()));
  emsp.on('POST', '/results/*', (_req, res) => void res.json(ok()));
  emsp.acceptedTokens.add('b');
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  tokenC = (
    await request(platform.url)
      .post('/ocpi/2.2.1/credentials')
      .set('Authorization', tokenHeader(invitation.body.token))
      .send({ token: 'b', url: emsp.versionsUrl, roles: [aCredentialsRole()] })
  ).body.data.token;
});

afterAll(async () => {
  await emsp?.close();
  await platform?.stop();
});

test('remote start, metering, remote stop and a priced CDR reach the eMSP', async () => {
  const start = await command('START_SESSION', {
    response_url: `${emsp.url}/results/start`,
    token,
    location_id: 'LOC1',
    evse_uid: 'EVSE1',
    authorization_reference: 'REF1',
  }).expect(200);
  expect(start.body.data.result).toBe('ACCEPTED');
  await eventually(() => expect(got('POST', '/results/start').map((r) => r.body)).toEqual([{ result: 'ACCEPTED' }]));
  await eventually(() => expect(got('PATCH', '/emsp/locations/NL/CPO/LOC1/EVSE1').map((r) => (r.body as { status: string }).status)).toContain('CHARGING'));
  await eventually(() => expect(got('PUT', '/emsp/sessions/NL/CPO/')).toHaveLength(1));
  const session = Session.parse(got('PUT', '/emsp/sessions/NL/CPO/')[0].body);
  expect(session).toMatchObject({ status: 'ACTIVE', auth_method: 'COMMAND', authorization_reference: 'REF1', evse_uid: 'EVSE1', cdr_token: { uid: 'APP1', party_id: 'EMS' } });
  // The meter runs: kWh updates flow as PATCHes.
  await eventually(() => expect(got('PATCH', `/emsp/sessions/NL/CPO/${session.id}`).length).toBeGreaterThanOrEqual(2));

  const busy = await command('START_SESSION', { response_url: `${emsp.url}/results/busy`, token, location_id: 'LOC1', evse_uid: 'EVSE1' }).expect(200);
  expect(busy.body.data.result).toBe('ACCEPTED');
  await eventually(() => expect(got('POST', '/results/busy').map((r) => (r.body as { result: string }).result)).toEqual(['EVSE_OCCUPIED']));

  const stop = await command('STOP_SESSION', { response_url: `${emsp.url}/results/stop`, session_id: session.id }).expect(200);
  expect(stop.body.data.result).toBe('ACCEPTED');
  await eventually(() => expect(got('POST', '/emsp/cdrs')).toHaveLength(1), 10000);
  const cdr = Cdr.parse(got('POST', '/emsp/cdrs')[0].body);
  expect(cdr.session_id).toBe(session.id);
  expect(cdr.total_energy).toBeGreaterThan(0);
  // Priced by the engine at 0.25/kWh + 10% VAT.
  expect(cdr.total_cost.excl_vat).toBeCloseTo(cdr.total_energy * 0.25, 2);
  expect(cdr.total_cost.incl_vat).toBeCloseTo(cdr.total_energy * 0.275, 2);
  // The session's COMPLETED PATCH travels on the sessions lane, the CDR on the cdrs lane: either may land first.
  await eventually(() => expect(got('PATCH', `/emsp/sessions/NL/CPO/${session.id}`).some((r) => (r.body as { status?: string } | undefined)?.status === 'COMPLETED')).toBe(true));
  await eventually(() =>
    expect(
      got('PATCH', '/emsp/locations/NL/CPO/LOC1/EVSE1')
        .map((r) => (r.body as { status: string }).status)
        .pop(),
    ).toBe('AVAILABLE'),
  );
  expect(got('POST', '/results/stop').map((r) => r.body)).toEqual([{ result: 'ACCEPTED' }]);
});

test('stopping a session the simulator does not run is REJECTED by the charge point', async () => {
  await platform
    .admin()
    .put('/parties/NL/CPO/sessions/S-MANUAL', {
      country_code: 'NL',
      party_id: 'CPO',
      id: 'S-MANUAL',
      start_date_time: '2025-06-01T08:00:00Z',
      kwh: 0,
      cdr_token: { country_code: 'DE', party_id: 'EMS', uid: 'APP1', type: 'APP_USER', contract_id: 'DE-EMS-C1' },
      auth_method: 'WHITELIST',
      location_id: 'LOC1',
      evse_uid: 'EVSE2',
      connector_id: '1',
      currency: 'EUR',
      status: 'ACTIVE',
      last_updated: '2025-06-01T08:00:00Z',
    })
    .expect(200);
  await command('STOP_SESSION', { response_url: `${emsp.url}/results/manual`, session_id: 'S-MANUAL' }).expect(200);
  await eventually(() => expect(got('POST', '/results/manual').map((r) => (r.body as { result: string }).result)).toEqual(['REJECTED']));
});

test('a shutdown waits for the session start the simulator has in hand', async () => {
  // The start's session write is held, so the shutdown surely begins while the start is running.
  const sessions = platform.ctx.services.ownSessions;
  const put = sessions.put.bind(sessions);
  let entered = false;
  let written = false;
  jest.spyOn(sessions, 'put').mockImplementation(async (...args) => {
    entered = true;
    await sleep(1500);
    const stored = await put(...args);
    written = true;
    return stored;
  });
  const start = await command('START_SESSION', { response_url: `${emsp.url}/results/late`, token, location_id: 'LOC1', evse_uid: 'EVSE1' }).expect(200);
  expect(start.body.data.result).toBe('ACCEPTED');
  await eventually(() => expect(entered).toBe(true));
  await platform.stop();
  expect(written).toBe(true);
});
