/**
 * Our platform as a client of peers (issue 12, section 6): what a push does when the peer does
 * not know the object, how a removal travels, how a resent session PATCH is received, how a
 * CommandResponse without timeout is read, and what a full tariff pull does with tariffs the CPO
 * no longer lists. Real HTTP, real database, fake peers.
 */
import type { Request, Response } from 'express';
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { anOwnToken } from '../helpers/emsp-tokens.js';
import { eventually } from '../helpers/eventually.js';
import { ok } from '../helpers/fake-peer.js';
import { aLocation, anEvse, later } from '../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../helpers/registered-peer.js';
import { aSession } from '../helpers/sessions.js';
import { aTariff } from '../helpers/tariffs.js';

const COMMAND_TIMEOUT_SECONDS = 45;

let platform: TestPlatform;
/** The eMSP peer DE/EMS: receives our CPO party's locations and sessions. */
let emsp: RegisteredPeer;
/** The CPO peer BE/CPX: receives our eMSP party's tokens, commands and profiles; lists its tariffs. */
let cpo: RegisteredPeer;
/** Paths (method + path prefix) the fake peers answer as "unknown object". */
const unknown = new Map<string, { status: number; code: number }>();
let tariffs: Array<Record<string, unknown> & { id: string; last_updated: string }> = [];
let tariffList: (req: Request, res: Response) => void;

const answer = (req: Request, res: Response) => {
  const hit = [...unknown].find(([k]) => `${req.method} ${req.path}`.startsWith(k));
  if (hit) return void res.status(hit[1].status).json({ status_code: hit[1].code, status_message: 'Unknown object', timestamp: new Date().toISOString() });
  res.json(ok());
};
const calls = (peer: RegisteredPeer, prefix: string) => peer.fake.received.filter((r) => r.path.startsWith(prefix) && r.method !== 'GET');
const outbox = (module: string) => platform.ctx.db.outboxMessage.findMany({ where: { module }, orderBy: { id: 'asc' } });
const serveTariffs = (req: Request, res: Response) => {
  const from = typeof req.query.date_from === 'string' ? Date.parse(req.query.date_from) : 0;
  const list = tariffs.filter((t) => Date.parse(t.last_updated) >= from);
  res.set('X-Total-Count', String(list.length)).json(ok(list));
};
const emspToken = (uid: string, overrides: Record<string, unknown> = {}) => anOwnToken(uid, { country_code: 'FR', party_id: 'EMP', ...overrides });

beforeAll(async () => {
  platform = await startTestPlatform('interop_push_clients', {
    env: { ...FAST_DELIVERY, COMMAND_TIMEOUT_SECONDS: String(COMMAND_TIMEOUT_SECONDS), PULL_INTERVAL_MINUTES: '60', PULL_JITTER_MINUTES: '0' },
  });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  await platform.admin().post('/parties', { country_code: 'FR', party_id: 'EMP', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
  emsp = await aRegisteredPeer(platform, [aCredentialsRole({ role: 'EMSP', country_code: 'DE', party_id: 'EMS' })], undefined, [
    { identifier: 'locations', role: 'RECEIVER', path: '/emsp/locations' },
    { identifier: 'sessions', role: 'RECEIVER', path: '/emsp/sessions' },
  ]);
  for (const method of ['PUT', 'PATCH']) emsp.fake.on(method, '/emsp/*', answer);
  tariffList = serveTariffs;
  cpo = await aRegisteredPeer(platform, [aCredentialsRole({ role: 'CPO', country_code: 'BE', party_id: 'CPX' })], undefined, [
    { identifier: 'tokens', role: 'RECEIVER', path: '/cpo/tokens' },
    { identifier: 'commands', role: 'RECEIVER', path: '/cpo/commands' },
    { identifier: 'chargingprofiles', role: 'RECEIVER', path: '/cpo/chargingprofiles' },
    { identifier: 'tariffs', role: 'SENDER', path: '/cpo/tariffs' },
  ]);
  for (const method of ['PUT', 'PATCH']) cpo.fake.on(method, '/cpo/tokens/*', answer);
  cpo.fake.on('GET', '/cpo/tariffs', (req, res) => tariffList(req, res));
});

afterEach(() => unknown.clear());

afterAll(async () => {
  await emsp?.fake.close();
  await cpo?.fake.close();
  await platform?.stop();
});

describe('a PATCH the peer answers with "unknown object"', () => {
  test('a PATCH answered 2003 is followed by a PUT of the full location', async () => {
    await platform.admin().put('/parties/NL/CPO/locations/LOC1', aLocation('LOC1')).expect(200);
    await eventually(() => expect(calls(emsp, '/emsp/locations/NL/CPO/LOC1')).toHaveLength(1));
    // The eMSP lost the location: every PATCH under it is unknown (HTTP 404, OCPI 2003).
    unknown.set('PATCH /emsp/locations/NL/CPO/LOC1', { status: 404, code: 2003 });
    await platform.admin().patch('/parties/NL/CPO/locations/LOC1/EVSE1', { status: 'CHARGING' }).expect(200);

    await eventually(() => expect(calls(emsp, '/emsp/locations/NL/CPO/LOC1')).toHaveLength(3));
    const [, patch, put] = calls(emsp, '/emsp/locations/NL/CPO/LOC1');
    expect(patch).toMatchObject({ method: 'PATCH', path: '/emsp/locations/NL/CPO/LOC1/EVSE1', body: { status: 'CHARGING' } });
    expect(put).toMatchObject({ method: 'PUT', path: '/emsp/locations/NL/CPO/LOC1', body: { id: 'LOC1', country_code: 'NL', party_id: 'CPO' } });
    expect((put.body as { evses: Array<{ uid: string; status: string }> }).evses.find((e) => e.uid === 'EVSE1')?.status).toBe('CHARGING');
    expect(put.headers).toMatchObject({ 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'EMS' });
    await eventually(async () => expect((await outbox('locations')).at(-1)).toMatchObject({ method: 'PATCH', status: 'DELIVERED' }));
  });

  test('a PATCH answered 2004 is followed by a PUT of the full token', async () => {
    await platform.admin().put('/parties/FR/EMP/tokens/UID1', emspToken('UID1')).expect(201);
    await eventually(() => expect(calls(cpo, '/cpo/tokens/FR/EMP/UID1')).toHaveLength(1));
    unknown.set('PATCH /cpo/tokens/FR/EMP/UID1', { status: 404, code: 2004 });
    await platform.admin().post('/parties/FR/EMP/tokens/UID1/block').expect(200);

    await eventually(() => expect(calls(cpo, '/cpo/tokens/FR/EMP/UID1')).toHaveLength(3));
    const [, patch, put] = calls(cpo, '/cpo/tokens/FR/EMP/UID1');
    expect(patch).toMatchObject({ method: 'PATCH', body: { valid: false } });
    expect(put).toMatchObject({ method: 'PUT', query: { type: 'RFID' }, body: { uid: 'UID1', valid: false, contract_id: 'NL-MSP-UID1' } });
    await eventually(async () => expect((await outbox('tokens')).at(-1)).toMatchObject({ method: 'PATCH', status: 'DELIVERED' }));
  });

  test('a session PATCH answered 404 is followed by a PUT of the full session', async () => {
    await platform.admin().put('/parties/NL/CPO/sessions/S1', aSession('S1')).expect(200);
    await eventually(() => expect(calls(emsp, '/emsp/sessions/NL/CPO/S1')).toHaveLength(1));
    unknown.set('PATCH /emsp/sessions/NL/CPO/S1', { status: 404, code: 2000 });
    const period = { start_date_time: '2025-06-01T08:00:00.000Z', dimensions: [{ type: 'ENERGY', volume: 3 }] };
    await platform
      .admin()
      .patch('/parties/NL/CPO/sessions/S1', { kwh: 3, charging_periods: [period] })
      .expect(200);

    await eventually(() => expect(calls(emsp, '/emsp/sessions/NL/CPO/S1')).toHaveLength(3));
    const put = calls(emsp, '/emsp/sessions/NL/CPO/S1')[2];
    expect(put).toMatchObject({ method: 'PUT', body: { id: 'S1', kwh: 3, charging_periods: [period] } });
  });

  test('a PATCH answered with another 2xxx stays dead-lettered, no PUT follows', async () => {
    unknown.set('PATCH /emsp/locations/NL/CPO/LOC1', { status: 200, code: 2001 });
    const before = calls(emsp, '/emsp/locations/NL/CPO/LOC1').length;
    await platform.admin().patch('/parties/NL/CPO/locations/LOC1/EVSE2', { status: 'BLOCKED' }).expect(200);
    await eventually(async () => expect((await outbox('locations')).at(-1)).toMatchObject({ status: 'DEAD' }));
    expect(
      calls(emsp, '/emsp/locations/NL/CPO/LOC1')
        .slice(before)
        .map((c) => c.method),
    ).toEqual(['PATCH']);
  });
});

describe('a change that removes information', () => {
  test('clearing a field is pushed as a PUT, not a PATCH with null', async () => {
    await platform
      .admin()
      .put('/parties/NL/CPO/locations/LOC2', aLocation('LOC2', { evses: [anEvse('EVSE21', { floor_level: '-1' })], directions: [{ language: 'en', text: 'Behind the station' }] }))
      .expect(200);
    await eventually(() => expect(calls(emsp, '/emsp/locations/NL/CPO/LOC2')).toHaveLength(1));

    await platform.admin().patch('/parties/NL/CPO/locations/LOC2/EVSE21', { floor_level: null }).expect(200);
    // Delivered before the next change: a location PUT would supersede an undelivered EVSE PUT.
    await eventually(() => expect(calls(emsp, '/emsp/locations/NL/CPO/LOC2')).toHaveLength(2));
    await platform.admin().patch('/parties/NL/CPO/locations/LOC2', { directions: null, name: 'Renamed' }).expect(200);
    await eventually(() => expect(calls(emsp, '/emsp/locations/NL/CPO/LOC2')).toHaveLength(3));
    const [, evse, location] = calls(emsp, '/emsp/locations/NL/CPO/LOC2');
    expect(evse).toMatchObject({ method: 'PUT', path: '/emsp/locations/NL/CPO/LOC2/EVSE21', body: { uid: 'EVSE21', status: 'AVAILABLE' } });
    expect(evse.body).not.toHaveProperty('floor_level');
    expect(location).toMatchObject({ method: 'PUT', path: '/emsp/locations/NL/CPO/LOC2', body: { id: 'LOC2', name: 'Renamed' } });
    expect(location.body).not.toHaveProperty('directions');
    // Stored without the field too, so the SENDER interface agrees with what was pushed.
    const stored = await platform.admin().get('/parties/NL/CPO/locations/LOC2').expect(200);
    expect(stored.body).not.toHaveProperty('directions');
    expect(JSON.stringify([evse.body, location.body])).not.toContain('null');
  });

  test('clearing a session field is pushed as a PUT of the whole session', async () => {
    await platform
      .admin()
      .put('/parties/NL/CPO/sessions/S2', aSession('S2', { meter_id: 'M-1' }))
      .expect(200);
    await eventually(() => expect(calls(emsp, '/emsp/sessions/NL/CPO/S2')).toHaveLength(1));
    await platform.admin().patch('/parties/NL/CPO/sessions/S2', { meter_id: null, kwh: 2 }).expect(200);
    await eventually(() => expect(calls(emsp, '/emsp/sessions/NL/CPO/S2')).toHaveLength(2));
    const put = calls(emsp, '/emsp/sessions/NL/CPO/S2')[1];
    expect(put).toMatchObject({ method: 'PUT', body: { id: 'S2', kwh: 2, cdr_token: { uid: 'RFID001' } } });
    expect(put.body).not.toHaveProperty('meter_id');
  });

  test('clearing a token field is pushed as a PUT of the whole token', async () => {
    await platform
      .admin()
      .put('/parties/FR/EMP/tokens/UID2', emspToken('UID2', { group_id: 'G1' }))
      .expect(201);
    // Delivered first: a newer full version still waiting would supersede it (coalescing).
    await eventually(() => expect(calls(cpo, '/cpo/tokens/FR/EMP/UID2')).toHaveLength(1));
    await platform.admin().patch('/parties/FR/EMP/tokens/UID2', { group_id: null }).expect(200);
    await eventually(() => expect(calls(cpo, '/cpo/tokens/FR/EMP/UID2')).toHaveLength(2));
    const put = calls(cpo, '/cpo/tokens/FR/EMP/UID2')[1];
    expect(put).toMatchObject({ method: 'PUT', body: { uid: 'UID2', contract_id: 'NL-MSP-UID2' } });
    expect(put.body).not.toHaveProperty('group_id');
    // A change that only sets values still goes as a PATCH.
    await platform.admin().patch('/parties/FR/EMP/tokens/UID2', { visual_number: 'V-NEW' }).expect(200);
    await eventually(() => expect(calls(cpo, '/cpo/tokens/FR/EMP/UID2')).toHaveLength(3));
    expect(calls(cpo, '/cpo/tokens/FR/EMP/UID2')[2]).toMatchObject({ method: 'PATCH', body: { visual_number: 'V-NEW' } });
  });
});

describe('sessions received from a CPO', () => {
  const base = '/ocpi/emsp/2.2.1/sessions/BE/CPX/RS1';
  const asCpo = (r: request.Test) =>
    r.set('Authorization', tokenHeader(cpo.tokenC)).set({ 'OCPI-from-country-code': 'BE', 'OCPI-from-party-id': 'CPX', 'OCPI-to-country-code': 'FR', 'OCPI-to-party-id': 'EMP' });
  const cdrToken = { country_code: 'FR', party_id: 'EMP', uid: 'UID1', type: 'RFID', contract_id: 'NL-MSP-UID1' };

  test('a session PATCH resent with the same last_updated does not duplicate charging periods', async () => {
    await asCpo(request(platform.url).put(base))
      .send(aSession('RS1', { country_code: 'BE', party_id: 'CPX', cdr_token: cdrToken }))
      .expect(201);
    const first = { start_date_time: '2025-06-01T08:00:00.000Z', dimensions: [{ type: 'ENERGY', volume: 4 }] };
    const patch = { kwh: 4, charging_periods: [first], last_updated: later() };
    await asCpo(request(platform.url).patch(base)).send(patch).expect(200);
    // The CPO did not see our answer and sends the same PATCH again.
    await asCpo(request(platform.url).patch(base)).send(patch).expect(200);
    let held = await asCpo(request(platform.url).get(base)).expect(200);
    expect(held.body.data.charging_periods).toEqual([first]);

    // A new period with a newer last_updated is still appended.
    const second = { start_date_time: '2025-06-01T08:30:00.000Z', dimensions: [{ type: 'ENERGY', volume: 2 }] };
    await asCpo(request(platform.url).patch(base))
      .send({ kwh: 6, charging_periods: [second], last_updated: later() })
      .expect(200);
    held = await asCpo(request(platform.url).get(base)).expect(200);
    expect(held.body.data.charging_periods).toEqual([first, second]);
    expect(held.body.data.kwh).toBe(6);
  });
});

describe('answers to our commands', () => {
  test('a CommandResponse without timeout is ACCEPTED with COMMAND_TIMEOUT_SECONDS', async () => {
    cpo.fake.on('POST', '/cpo/commands/START_SESSION', (_req, res) => void res.json(ok({ result: 'ACCEPTED' })));
    const sent = Date.now();
    const res = await platform
      .admin()
      .post('/parties/FR/EMP/commands/START_SESSION', {
        token: { ...emspToken('UID1'), last_updated: '2025-06-01T08:00:00.000Z' },
        location_id: 'LOC9',
        cpo: { country_code: 'BE', party_id: 'CPX' },
      })
      .expect(201);
    expect(res.body).toMatchObject({ status: 'ACCEPTED', response: { result: 'ACCEPTED', timeout: COMMAND_TIMEOUT_SECONDS } });
    const stored = await platform.ctx.db.emspCommand.findUniqueOrThrow({ where: { id: res.body.id } });
    // The command waits our own timeout for its result instead of failing at once.
    expect(stored.deadlineAt.getTime()).toBeGreaterThanOrEqual(sent + COMMAND_TIMEOUT_SECONDS * 1000);
  });

  test('a ChargingProfileResponse without timeout is ACCEPTED with COMMAND_TIMEOUT_SECONDS', async () => {
    cpo.fake.on('PUT', '/cpo/chargingprofiles/*', (_req, res) => void res.json(ok({ result: 'ACCEPTED' })));
    const profile = { charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: 11000 }] };
    const res = await platform.admin().put('/parties/FR/EMP/sessions/RS1/charging-profile', { charging_profile: profile }).expect(201);
    expect(res.body).toMatchObject({ status: 'ACCEPTED', response: { result: 'ACCEPTED', timeout: COMMAND_TIMEOUT_SECONDS } });
  });
});

describe('tariff pulls', () => {
  const state = () => platform.ctx.db.pullState.findUniqueOrThrow({ where: { peerId_module: { peerId: cpo.peerId, module: 'tariffs' } } });
  const held = async () => (await platform.ctx.db.receivedTariff.findMany({ where: { partyKey: 'BECPX' } })).map((t) => (t.document as { id: string }).id).sort();
  async function pullNow(full: boolean): Promise<void> {
    const asked = new Date();
    if (full)
      await platform
        .admin()
        .post(`/peers/${cpo.peerId}/resync`, { modules: ['tariffs'] })
        .expect(200);
    else await platform.ctx.db.pullState.update({ where: { peerId_module: { peerId: cpo.peerId, module: 'tariffs' } }, data: { nextPullAt: new Date() } });
    await eventually(async () => {
      const s = await state();
      expect(s.lastError).toBeNull();
      expect(s.lastSuccessAt?.getTime()).toBeGreaterThanOrEqual(asked.getTime() - 5);
    }, 20000);
  }

  test('a full tariff pull retires a tariff the CPO no longer lists; an incremental one does not', async () => {
    const cpx = { country_code: 'BE', party_id: 'CPX' };
    tariffs = [aTariff('TA', cpx), aTariff('TB', cpx), aTariff('TC', cpx)];
    await pullNow(true);
    expect(await held()).toEqual(['TA', 'TB', 'TC']);

    tariffs = tariffs.filter((t) => t.id !== 'TB');
    await pullNow(false);
    expect(await held()).toEqual(['TA', 'TB', 'TC']);

    await pullNow(true);
    expect(await held()).toEqual(['TA', 'TC']);
  });

  test('a full tariff pull that fails, or meets an invalid tariff, retires nothing', async () => {
    const cpx = { country_code: 'BE', party_id: 'CPX' };
    tariffList = (_req, res) => void res.status(503).send('down');
    try {
      await platform
        .admin()
        .post(`/peers/${cpo.peerId}/resync`, { modules: ['tariffs'] })
        .expect(200);
      await eventually(async () => expect((await state()).lastError).toMatch(/HTTP 503/), 20000);
      expect(await held()).toEqual(['TA', 'TC']);
    } finally {
      tariffList = serveTariffs;
    }
    // TA is now invalid in the list and TC gone: with one object unreadable, nothing is retired.
    tariffs = [aTariff('TA', { ...cpx, currency: 'euro' })];
    await pullNow(true);
    expect(await held()).toEqual(['TA', 'TC']);
  });
});
