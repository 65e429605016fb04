/**
 * Sessions and CDRs as a CPO: the backend reports them, each goes only to the eMSP owning the
 * session's token (never broadcast), and on the SENDER lists every eMSP sees only its own.
 */
import { Cdr } from '../../../src/model/cdr.js';
import { Session } from '../../../src/model/session.js';
import { aBusinessDetails, aCredentialsRole } from '../../helpers/builders.js';
import { FAST_DELIVERY } from '../../helpers/delivery.js';
import { eventually } from '../../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../../helpers/fake-peer.js';
import { later } from '../../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { aCdr, aSession } from '../../helpers/sessions.js';

let platform: TestPlatform;
const emsps: Record<string, { fake: FakePeer; token: string }> = {};

async function anEmsp(partyId: string, countryCode: string) {
  const fake = await startFakePeer([
    { identifier: 'sessions', role: 'RECEIVER', path: '/emsp/sessions' },
    { identifier: 'cdrs', role: 'RECEIVER', path: '/emsp/cdrs' },
  ]);
  for (const method of ['PUT', 'PATCH', 'POST']) fake.on(method, '/emsp/*', (_req, res) => void res.set('Location', `${fake.url}/emsp/cdrs/stored`).json(ok()));
  fake.acceptedTokens.add(`b-${partyId}`);
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  const reg = await request(platform.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: `b-${partyId}`, url: fake.versionsUrl, roles: [aCredentialsRole({ country_code: countryCode, party_id: partyId })] });
  return { fake, token: reg.body.data.token as string };
}

beforeAll(async () => {
  platform = await startTestPlatform('sessions_cpo', { env: FAST_DELIVERY });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  emsps.owner = await anEmsp('EMS', 'DE');
  emsps.other = await anEmsp('OTH', 'FR');
});

afterAll(async () => {
  for (const e of Object.values(emsps)) await e.fake.close();
  await platform?.stop();
});

const calls = (who: string, prefix: string) => emsps[who].fake.received.filter((r) => r.path.startsWith(prefix));
const list = (who: string, module: string) => request(platform.url).get(`/ocpi/cpo/2.2.1/${module}`).set('Authorization', tokenHeader(emsps[who].token));

describe('sessions', () => {
  test('a new session is PUT to the eMSP owning its token, and only to it', async () => {
    await platform.admin().put('/parties/NL/CPO/sessions/S1', aSession('S1')).expect(200);
    await eventually(() => expect(calls('owner', '/emsp/sessions')).toHaveLength(1));
    const put = calls('owner', '/emsp/sessions')[0];
    expect(put).toMatchObject({ method: 'PUT', path: '/emsp/sessions/NL/CPO/S1' });
    expect(put.headers).toMatchObject({ 'ocpi-from-party-id': 'CPO', 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'EMS' });
    expect(Session.parse(put.body).id).toBe('S1');
    expect(await platform.ctx.db.outboxMessage.count({ where: { module: 'sessions' } })).toBe(1);
  });

  test('a PATCH with charging periods appends them and pushes only the change', async () => {
    const period = (h: number) => ({ start_date_time: `2025-06-01T0${h}:00:00Z`, dimensions: [{ type: 'ENERGY', volume: 5 }] });
    await platform
      .admin()
      .patch('/parties/NL/CPO/sessions/S1', { kwh: 5, charging_periods: [period(8)], last_updated: later() })
      .expect(200);
    const res = await platform
      .admin()
      .patch('/parties/NL/CPO/sessions/S1', { kwh: 10, charging_periods: [period(9)], last_updated: later() })
      .expect(200);
    expect(res.body.charging_periods.map((p: { start_date_time: string }) => p.start_date_time)).toEqual(['2025-06-01T08:00:00.000Z', '2025-06-01T09:00:00.000Z']);
    await eventually(() => expect(calls('owner', '/emsp/sessions')).toHaveLength(3));
    const last = calls('owner', '/emsp/sessions')[2];
    expect(last.method).toBe('PATCH');
    // DateTimes go out normalised (UTC, milliseconds, Z).
    expect(last.body).toMatchObject({ kwh: 10, charging_periods: [{ ...period(9), start_date_time: '2025-06-01T09:00:00.000Z' }] });
  });

  test('a COMPLETED session is final', async () => {
    await platform.admin().patch('/parties/NL/CPO/sessions/S1', { status: 'COMPLETED', end_date_time: '2025-06-01T10:00:00Z', last_updated: later() }).expect(200);
    const res = await platform.admin().patch('/parties/NL/CPO/sessions/S1', { kwh: 99 }).expect(409);
    expect(res.body.error.message).toContain('COMPLETED');
  });

  test.each([
    ['an id not matching the path', () => aSession('SX'), 400, 'body.id'],
    ['a currency that is not ISO 4217', () => aSession('S9', { currency: 'euro' }), 400, 'body.currency'],
    ['an unknown status', () => aSession('S9', { status: 'RUNNING' }), 400, 'body.status'],
    ['a missing cdr_token', () => aSession('S9', { cdr_token: undefined }), 400, 'body.cdr_token'],
  ])('%s is refused and nothing is queued', async (_name, body, status, field) => {
    const before = await platform.ctx.db.outboxMessage.count();
    const res = await platform.admin().put('/parties/NL/CPO/sessions/S9', body()).expect(status);
    expect(res.body.error.message).toContain(field);
    expect(await platform.ctx.db.outboxMessage.count()).toBe(before);
  });

  test('each eMSP lists only the sessions of its own tokens', async () => {
    await platform
      .admin()
      .put('/parties/NL/CPO/sessions/S2', aSession('S2', { cdr_token: { country_code: 'FR', party_id: 'OTH', uid: 'X1', type: 'RFID', contract_id: 'FR-OTH-1' } }))
      .expect(200);
    const owner = await list('owner', 'sessions').expect(200);
    expect(owner.body.data.map((s: { id: string }) => Session.parse(s).id)).toEqual(['S1']);
    expect(owner.headers['x-total-count']).toBe('1');
    const other = await list('other', 'sessions').expect(200);
    expect(other.body.data.map((s: { id: string }) => s.id)).toEqual(['S2']);
    await eventually(() => expect(calls('other', '/emsp/sessions')).toHaveLength(1));
    expect(calls('other', '/emsp/sessions')[0].path).toBe('/emsp/sessions/NL/CPO/S2');
  });
});

describe('CDRs', () => {
  test('a CDR is stored and POSTed to the token owner only', async () => {
    const res = await platform.admin().post('/parties/NL/CPO/cdrs', aCdr('CDR1')).expect(201);
    expect(Cdr.parse(res.body).id).toBe('CDR1');
    await eventually(() => expect(calls('owner', '/emsp/cdrs')).toHaveLength(1));
    expect(calls('owner', '/emsp/cdrs')[0]).toMatchObject({ method: 'POST', path: '/emsp/cdrs' });
    expect(Cdr.parse(calls('owner', '/emsp/cdrs')[0].body).total_cost).toEqual({ excl_vat: 2.75, incl_vat: 3.33 });
    expect(calls('other', '/emsp/cdrs')).toHaveLength(0);
  });

  test('CDRs are immutable: the same id again is a 409', async () => {
    const res = await platform
      .admin()
      .post('/parties/NL/CPO/cdrs', aCdr('CDR1', { total_cost: { excl_vat: 1 } }))
      .expect(409);
    expect(res.body.error.message).toContain('credit CDR');
  });

  test('a credit CDR must reference an existing CDR', async () => {
    await platform
      .admin()
      .post('/parties/NL/CPO/cdrs', aCdr('CDR1-C', { credit: true, credit_reference_id: 'NOPE', total_cost: { excl_vat: -2.75 } }))
      .expect(400);
    await platform
      .admin()
      .post('/parties/NL/CPO/cdrs', aCdr('CDR1-C', { credit: true, credit_reference_id: 'CDR1', total_cost: { excl_vat: -2.75, incl_vat: -3.33 } }))
      .expect(201);
    await eventually(() => expect(calls('owner', '/emsp/cdrs')).toHaveLength(2));
  });

  test.each([
    [
      'a session-only dimension',
      () => aCdr('CDR9', { charging_periods: [{ start_date_time: '2025-06-01T08:00:00Z', dimensions: [{ type: 'STATE_OF_CHARGE', volume: 80 }] }] }),
      'charging_periods.0.dimensions.0.type',
    ],
    ['no charging periods', () => aCdr('CDR9', { charging_periods: [] }), 'body.charging_periods'],
    ['an end before the start', () => aCdr('CDR9', { end_date_time: '2025-06-01T07:00:00Z' }), 'body.end_date_time'],
    ['another party', () => aCdr('CDR9', { party_id: 'XXX' }), 'party_id'],
  ])('%s is refused and nothing is queued', async (_name, body, field) => {
    const before = await platform.ctx.db.outboxMessage.count();
    const res = await platform.admin().post('/parties/NL/CPO/cdrs', body()).expect(400);
    expect(res.body.error.message).toContain(field);
    expect(await platform.ctx.db.outboxMessage.count()).toBe(before);
  });

  test('each eMSP lists only its own CDRs', async () => {
    const owner = await list('owner', 'cdrs').expect(200);
    expect(owner.body.data.map((c: { id: string }) => Cdr.parse(c).id)).toEqual(['CDR1', 'CDR1-C']);
    expect((await list('other', 'cdrs').expect(200)).body.data).toEqual([]);
  });
});

describe('charging preferences', () => {
  let hook: FakePeer;
  const prefs = (who: string, sessionId: string, body: object) =>
    request(platform.url).put(`/ocpi/cpo/2.2.1/sessions/${sessionId}/charging_preferences`).set('Authorization', tokenHeader(emsps[who].token)).send(body);

  beforeAll(async () => {
    const { aLocation, anEvse } = await import('../../helpers/locations.js');
    await platform
      .admin()
      .put('/parties/NL/CPO/locations/LOCP', aLocation('LOCP', { evses: [anEvse('EP1', { capabilities: ['CHARGING_PREFERENCES_CAPABLE'] }), anEvse('EP2')] }))
      .expect(200);
    await platform
      .admin()
      .put('/parties/NL/CPO/sessions/SP1', aSession('SP1', { location_id: 'LOCP', evse_uid: 'EP1' }))
      .expect(200);
    await platform
      .admin()
      .put('/parties/NL/CPO/sessions/SP2', aSession('SP2', { location_id: 'LOCP', evse_uid: 'EP2' }))
      .expect(200);
    hook = await startFakePeer();
    hook.on('POST', '/hook', (_req, res) => void res.json({}));
  });
  afterAll(() => hook.close());

  test('without a backend the preferences cannot be applied: NOT_POSSIBLE', async () => {
    const res = await prefs('owner', 'SP1', { profile_type: 'CHEAP' }).expect(200);
    expect(res.body).toMatchObject({ status_code: 1000, data: 'NOT_POSSIBLE' });
  });

  test('with a backend they are forwarded and ACCEPTED; the answer is the bare enum', async () => {
    await platform
      .admin()
      .put('/parties/NL/CPO/backend', { adapter: 'webhook', url: `${hook.url}/hook`, secret: 'webhook-secret-0123456789' })
      .expect(200);
    const res = await prefs('owner', 'SP1', { profile_type: 'GREEN', departure_time: '2025-06-01T17:00:00Z', energy_need: 30 }).expect(200);
    expect(res.body.data).toBe('ACCEPTED');
    const forwarded = hook.received.find((r) => r.path === '/hook')!.body as { command: string; result_url: unknown; request: Record<string, unknown> };
    expect(forwarded).toMatchObject({ command: 'CHARGING_PREFERENCES', result_url: null, request: { session_id: 'SP1', profile_type: 'GREEN', energy_need: 30 } });
  });

  test('an EVSE that does not take preferences answers HTTP 404 with 2001', async () => {
    const res = await prefs('owner', 'SP2', { profile_type: 'FAST' }).expect(404);
    expect(res.body.status_code).toBe(2001);
  });

  test("another eMSP's session is answered as unknown", async () => {
    const res = await prefs('other', 'SP1', { profile_type: 'FAST' }).expect(404);
    expect(res.body.status_message).toContain('Unknown session');
  });

  test('an unknown profile type is a 2001 naming the field', async () => {
    const res = await prefs('owner', 'SP1', { profile_type: 'TURBO' }).expect(200);
    expect(res.body).toMatchObject({ status_code: 2001, status_message: expect.stringContaining('profile_type') });
  });

  test('a finished session: NOT_POSSIBLE', async () => {
    await platform.admin().patch('/parties/NL/CPO/sessions/SP1', { status: 'COMPLETED', end_date_time: '2025-06-01T12:00:00Z', last_updated: later() }).expect(200);
    expect((await prefs('owner', 'SP1', { profile_type: 'CHEAP' }).expect(200)).body.data).toBe('NOT_POSSIBLE');
  });
});
