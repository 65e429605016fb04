/**
 * Bugs found on the way (issue 12, section 7): closing a session with a CDR is all or nothing,
 * the simulator refuses a remote start it could never bill, and a dead-lettered delivery shows
 * how often it was tried. Real HTTP, real database, a fake eMSP peer.
 */
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { ok } from '../helpers/fake-peer.js';
import { aLocation, anEvse } from '../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../helpers/registered-peer.js';
import { aCdr, aSession } from '../helpers/sessions.js';
import { aTariff } from '../helpers/tariffs.js';

let platform: TestPlatform;
let emsp: RegisteredPeer;
/** What the fake eMSP answers to a location PUT, per location id; default: accept. */
const locationAnswers = new Map<string, Array<{ status: number; body: object }>>();

const calls = (prefix: string) => emsp.fake.received.filter((r) => r.path.startsWith(prefix));
const session = async (id: string) => (await platform.admin().get(`/parties/NL/CPO/sessions/${id}`).expect(200)).body;
const timeline = {
  start: '2025-06-01T08:00:00.000Z',
  end: '2025-06-01T09:00:00.000Z',
  events: [
    { at: '2025-06-01T08:00:00.000Z', state: 'CHARGING', meter_kwh: 0, power_kw: 11 },
    { at: '2025-06-01T09:00:00.000Z', meter_kwh: 11 },
  ],
};

beforeAll(async () => {
  platform = await startTestPlatform('interop_bugs', { env: FAST_DELIVERY });
  for (const pid of ['CPO', 'SIM']) await platform.admin().post('/parties', { country_code: 'NL', party_id: pid, role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  emsp = await aRegisteredPeer(platform, [aCredentialsRole({ role: 'EMSP', country_code: 'DE', party_id: 'EMS' })], undefined, [
    { identifier: 'locations', role: 'RECEIVER', path: '/emsp/locations' },
    { identifier: 'sessions', role: 'RECEIVER', path: '/emsp/sessions' },
    { identifier: 'cdrs', role: 'RECEIVER', path: '/emsp/cdrs' },
  ]);
  emsp.fake.on('PUT', '/emsp/locations/*', (req, res) => {
    const next = locationAnswers.get(req.path.split('/')[5])?.shift();
    if (next) return void res.status(next.status).json(next.body);
    res.json(ok());
  });
  for (const method of ['PUT', 'PATCH', 'POST']) emsp.fake.on(method, '/emsp/*', (_req, res) => void res.set('Location', `${emsp.fake.url}/emsp/cdrs/1`).json(ok()));
  emsp.fake.on('POST', '/results/*', (_req, res) => void res.json(ok()));
});

afterAll(async () => {
  await emsp?.fake.close();
  await platform?.stop();
});

describe('closing a session with its CDR', () => {
  beforeAll(async () => {
    await platform.admin().put('/parties/NL/CPO/locations/LOC1', aLocation('LOC1')).expect(200);
    await platform.admin().put('/parties/NL/CPO/sessions/S1', aSession('S1')).expect(200);
    await eventually(() => expect(calls('/emsp/sessions/NL/CPO/S1')).toHaveLength(1));
  });

  test('a CDR that cannot be built leaves the session as it was', async () => {
    const before = await session('S1');
    // No tariff to price with.
    const noTariff = await platform.admin().post('/parties/NL/CPO/sessions/S1/cdr', { timeline }).expect(409);
    expect(noTariff.body.error.message).toMatch(/no tariffs/);
    await platform.admin().put('/parties/NL/CPO/tariffs/T1', aTariff('T1')).expect(200);
    // The tariff engine refuses the meter data.
    await platform
      .admin()
      .post('/parties/NL/CPO/sessions/S1/cdr', { timeline: { start: 'yesterday' } })
      .expect(400);

    expect(await session('S1')).toEqual(before);
    expect(await platform.ctx.db.outboxMessage.count({ where: { module: 'sessions' } })).toBe(1);
  });

  test('a CDR that cannot be stored (its id exists) rolls the COMPLETED change back', async () => {
    await platform.admin().post('/parties/NL/CPO/cdrs', aCdr('C1')).expect(201);
    const before = await session('S1');
    const taken = await platform.admin().post('/parties/NL/CPO/sessions/S1/cdr', { timeline, cdr_id: 'C1' }).expect(409);
    expect(taken.body.error.message).toMatch(/exists/);
    expect(await session('S1')).toEqual(before);
    expect(await platform.ctx.db.outboxMessage.count({ where: { module: 'sessions' } })).toBe(1);
  });

  test('a CDR that can be built completes the session and both are pushed', async () => {
    const res = await platform.admin().post('/parties/NL/CPO/sessions/S1/cdr', { timeline, end_date_time: '2025-06-01T09:00:00Z', cdr_id: 'C2' });
    expect(res.status).toBeLessThan(300);
    expect(res.body.cdr).toMatchObject({ id: 'C2', session_id: 'S1' });
    expect(await session('S1')).toMatchObject({ status: 'COMPLETED', end_date_time: '2025-06-01T09:00:00.000Z' });
    await eventually(() =>
      expect(calls('/emsp/sessions/NL/CPO/S1').map((c) => [c.method, (c.body as { status?: string }).status])).toEqual([
        ['PUT', 'ACTIVE'],
        ['PATCH', 'COMPLETED'],
      ]),
    );
    await eventually(() => expect(calls('/emsp/cdrs').filter((c) => (c.body as { id?: string }).id === 'C2')).toHaveLength(1));
  });
});

describe('the simulator', () => {
  const command = (body: object) =>
    request(platform.url)
      .post('/ocpi/cpo/2.2.1/commands/START_SESSION')
      .set('Authorization', tokenHeader(emsp.tokenC))
      .set({ 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': 'EMS', 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'SIM' })
      .send(body);
  const start = {
    response_url: 'http://127.0.0.1:1/results/1',
    token: {
      country_code: 'DE',
      party_id: 'EMS',
      uid: 'APP1',
      type: 'APP_USER',
      contract_id: 'DE-EMS-C1',
      issuer: 'eMSP',
      valid: true,
      whitelist: 'ALLOWED',
      last_updated: '2025-01-01T00:00:00Z',
    },
    location_id: 'LOCS',
    evse_uid: 'EVSE1',
  };

  test('START_SESSION on a party without tariff is REJECTED up front, with the reason', async () => {
    await platform.admin().put('/parties/NL/SIM/backend', { adapter: 'simulator' }).expect(200);
    await platform
      .admin()
      .put('/parties/NL/SIM/locations/LOCS', aLocation('LOCS', { party_id: 'SIM', evses: [anEvse('EVSES1')] }))
      .expect(200);
    const refused = await command({ ...start, evse_uid: 'EVSES1' }).expect(200);
    expect(refused.body.status_code).toBe(1000);
    expect(refused.body.data).toMatchObject({ result: 'REJECTED', message: [{ language: 'en', text: expect.stringMatching(/no tariff/) }] });
    expect(await platform.ctx.db.cpoCommand.count({ where: { partyKey: 'NLSIM' } })).toBe(0);

    // With a tariff the same command is accepted (and the simulated session can be billed).
    await platform
      .admin()
      .put('/parties/NL/SIM/tariffs/TS1', aTariff('TS1', { party_id: 'SIM' }))
      .expect(200);
    const accepted = await command({ ...start, evse_uid: 'EVSES1' }).expect(200);
    expect(accepted.body.data).toMatchObject({ result: 'ACCEPTED' });
  });
});

describe('dead letters', () => {
  const deliveries = async (status: string) =>
    (await platform.admin().get(`/peers/${emsp.peerId}/deliveries?status=${status}`).expect(200)).body.items as Array<{ object_key: string; attempts: number; last_error: string }>;

  test('a dead-lettered delivery reports its attempts', async () => {
    const refused = { status: 200, body: { status_code: 2001, status_message: 'Invalid location', timestamp: new Date().toISOString() } };
    locationAnswers.set('LOCD1', [refused]);
    locationAnswers.set('LOCD2', [{ status: 503, body: {} }, refused]);
    await platform
      .admin()
      .put('/parties/NL/CPO/locations/LOCD1', aLocation('LOCD1', { evses: [] }))
      .expect(200);
    await platform
      .admin()
      .put('/parties/NL/CPO/locations/LOCD2', aLocation('LOCD2', { evses: [] }))
      .expect(200);

    const dead = await eventually(async () => {
      const items = await deliveries('DEAD');
      expect(items.filter((d) => /LOCD/.test(d.object_key))).toHaveLength(2);
      return items;
    }, 15000);
    expect(dead.find((d) => d.object_key.endsWith('/LOCD1'))).toMatchObject({ attempts: 1, last_error: expect.stringMatching(/2001/) });
    expect(dead.find((d) => d.object_key.endsWith('/LOCD2'))).toMatchObject({ attempts: 2, last_error: expect.stringMatching(/2001/) });
  });
});
