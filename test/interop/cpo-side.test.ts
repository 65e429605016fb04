/**
 * Our CPO parties facing eMSP peers the way real ones behave (issue 12, section 5). We host two
 * CPO parties (NL/CPO with a webhook backend, NL/CPB with the simulator); eMSP peer A registered
 * two eMSP parties (DE/EMS, DE/EMT) and offers a tokens SENDER list, eMSP peer B registered
 * FR/OTH. Tokens are pulled from A per (our CPO party, their eMSP party) and meet pushes in the
 * same Receiver rules; tokens pushed without `?type=` are keyed on their own type; reservation ids
 * belong to the eMSP that made them; charging profiles reach PENDING sessions and only set
 * requests are rate-limited; X-Limit is the limit a page was cut at.
 */
import type { Request, Response } from 'express';
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../helpers/fake-peer.js';
import { aLocation, anEvse } from '../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { aSession } from '../helpers/sessions.js';

type Party = { cc: string; pid: string };
const CPO: Party = { cc: 'NL', pid: 'CPO' };
const CPB: Party = { cc: 'NL', pid: 'CPB' };
const EMS: Party = { cc: 'DE', pid: 'EMS' };
const EMT: Party = { cc: 'DE', pid: 'EMT' };
const OTH: Party = { cc: 'FR', pid: 'OTH' };

let platform: TestPlatform;
let emspA: FakePeer;
let emspB: FakePeer;
let backend: FakePeer;
let peerA: string;
let tokenA: string;
let tokenB: string;

let clock = Date.parse('2026-03-01T00:00:00Z');
const stamp = () => new Date((clock += 1000)).toISOString();

function aToken(owner: Party, uid: string, overrides: Record<string, unknown> = {}) {
  return {
    country_code: owner.cc,
    party_id: owner.pid,
    uid,
    type: 'RFID',
    contract_id: `${owner.cc}-${owner.pid}-${uid}`.slice(0, 36),
    issuer: 'Peer eMSP',
    valid: true,
    whitelist: 'ALLOWED',
    last_updated: stamp(),
    ...overrides,
  };
}

/** What peer A's tokens SENDER lists, per eMSP party it is asked as (OCPI-to-*). */
const listed: Record<string, Array<Record<string, unknown> & { last_updated: string }>> = {
  'DE/EMS': [
    aToken(EMS, 'EMS-1'),
    aToken(EMS, 'EMS-APP', { type: 'APP_USER', whitelist: 'NEVER' }),
    { ...aToken(EMS, 'BAD'), last_updated: 'yesterday' },
    aToken({ cc: 'XX', pid: 'FOO' }, 'FOREIGN'),
  ],
  'DE/EMT': [aToken(EMT, 'EMT-1')],
};
const tokenPulls = () => emspA.received.filter((r) => r.method === 'GET' && r.path === '/emsp/tokens');
const pullState = () => platform.ctx.db.pullState.findUniqueOrThrow({ where: { peerId_module: { peerId: peerA, module: 'tokens' } } });
const stored = (owner: Party, uid: string, type = 'RFID') => platform.ctx.services.receivedTokens.store.find(owner.cc, owner.pid, uid, type);

function serveTokens(req: Request, res: Response) {
  const to = `${req.get('ocpi-to-country-code')}/${req.get('ocpi-to-party-id')}`;
  const dateFrom = typeof req.query.date_from === 'string' ? Date.parse(req.query.date_from) : undefined;
  const set = (listed[to] ?? []).filter((t) => dateFrom === undefined || Date.parse(t.last_updated) >= dateFrom);
  res.set('X-Total-Count', String(set.length)).json(ok(set));
}

/** Makes the next tokens pull due now (full with `full`) and waits until it succeeded. */
async function pullNow(full = false): Promise<void> {
  const asked = new Date();
  if (full)
    await platform
      .admin()
      .post(`/peers/${peerA}/resync`, { modules: ['tokens'] })
      .expect(200);
  else await platform.ctx.db.pullState.update({ where: { peerId_module: { peerId: peerA, module: 'tokens' } }, data: { nextPullAt: new Date() } });
  await eventually(async () => {
    const s = await pullState();
    expect(s.lastError).toBeNull();
    expect(s.lastSuccessAt?.getTime()).toBeGreaterThanOrEqual(asked.getTime() - 5);
  }, 20000);
}

/** An OCPI request from one of a peer's parties to one of ours, with all four routing headers. */
function ocpi(token: string, from: Party, to: Party) {
  const headers = {
    Authorization: tokenHeader(token),
    'OCPI-from-country-code': from.cc,
    'OCPI-from-party-id': from.pid,
    'OCPI-to-country-code': to.cc,
    'OCPI-to-party-id': to.pid,
  };
  return {
    get: (path: string) => request(platform.url).get(path).set(headers),
    put: (path: string, body: object) => request(platform.url).put(path).set(headers).send(body),
    post: (path: string, body: object) => request(platform.url).post(path).set(headers).send(body),
    patch: (path: string, body: object) => request(platform.url).patch(path).set(headers).send(body),
    delete: (path: string) => request(platform.url).delete(path).set(headers),
  };
}

async function register(fake: FakePeer, token: string, roles: object[]): Promise<{ peerId: string; tokenC: string }> {
  fake.acceptedTokens.add(token);
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  const res = await request(platform.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token, url: fake.versionsUrl, roles })
    .expect(200);
  return { peerId: invitation.body.peer_id, tokenC: res.body.data.token };
}

beforeAll(async () => {
  platform = await startTestPlatform('interop_cpo_side', {
    env: {
      ...FAST_DELIVERY,
      PULL_INTERVAL_MINUTES: '60',
      PULL_JITTER_MINUTES: '0',
      COMMAND_TIMEOUT_SECONDS: '30',
      CHARGING_PROFILE_MIN_INTERVAL_SECONDS: '300',
      PAGE_SIZE_DEFAULT: '3',
      PAGE_SIZE_MAX: '4',
    },
  });
  for (const p of [CPO, CPB]) await platform.admin().post('/parties', { country_code: p.cc, party_id: p.pid, role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  const reservable = anEvse('EVSE1', { capabilities: ['RESERVABLE', 'REMOTE_START_STOP_CAPABLE'] });
  await platform
    .admin()
    .put('/parties/NL/CPO/locations/LOC1', aLocation('LOC1', { evses: [reservable] }))
    .expect(200);
  for (const id of ['LOC2', 'LOC3', 'LOC4', 'LOC5', 'LOC6'])
    await platform
      .admin()
      .put(`/parties/NL/CPO/locations/${id}`, aLocation(id, { evses: [anEvse(`${id}-E1`)] }))
      .expect(200);
  await platform
    .admin()
    .put('/parties/NL/CPB/locations/LOC-CP', aLocation('LOC-CP', { party_id: 'CPB', evses: [anEvse('EVSE-CP', { capabilities: ['CHARGING_PROFILE_CAPABLE'] })] }))
    .expect(200);
  backend = await startFakePeer();
  backend.on('POST', '/hook', (_req, res) => void res.status(202).json({}));
  await platform
    .admin()
    .put('/parties/NL/CPO/backend', { adapter: 'webhook', url: `${backend.url}/hook`, secret: 'cpo-side-secret-0123456' })
    .expect(200);
  await platform.admin().put('/parties/NL/CPB/backend', { adapter: 'simulator' }).expect(200);

  emspA = await startFakePeer([{ identifier: 'tokens', role: 'SENDER', path: '/emsp/tokens' }]);
  emspA.on('GET', '/emsp/tokens', serveTokens);
  emspA.on('POST', '/results/*', (_req, res) => void res.json(ok()));
  emspB = await startFakePeer();
  emspB.on('POST', '/results/*', (_req, res) => void res.json(ok()));
  ({ peerId: peerA, tokenC: tokenA } = await register(emspA, 'cpo-side-a', [
    aCredentialsRole({ country_code: 'DE', party_id: 'EMS' }),
    aCredentialsRole({ country_code: 'DE', party_id: 'EMT' }),
  ]));
  ({ tokenC: tokenB } = await register(emspB, 'cpo-side-b', [aCredentialsRole({ country_code: 'FR', party_id: 'OTH' })]));
  // The first full pull starts right after registration, without anyone asking.
  await eventually(async () => expect((await pullState()).lastSuccessAt).not.toBeNull(), 30000);
});

afterAll(async () => {
  await emspA?.close();
  await emspB?.close();
  await backend?.close();
  await platform?.stop();
});

describe('tokens pulled from eMSP peers', () => {
  test('the first pull after registration is full and runs once per (our CPO party, their eMSP party), from = our CPO, to = their eMSP', async () => {
    const first = tokenPulls();
    const pairs = first
      .map((r) => `${r.headers['ocpi-from-country-code']}/${r.headers['ocpi-from-party-id']}->${r.headers['ocpi-to-country-code']}/${r.headers['ocpi-to-party-id']}`)
      .sort();
    expect(pairs).toEqual(['NL/CPB->DE/EMS', 'NL/CPB->DE/EMT', 'NL/CPO->DE/EMS', 'NL/CPO->DE/EMT']);
    expect(first.every((r) => r.query.date_from === undefined)).toBe(true);
    expect(await stored(EMS, 'EMS-1')).toMatchObject({ uid: 'EMS-1', type: 'RFID' });
    expect(await stored(EMS, 'EMS-APP', 'APP_USER')).toMatchObject({ uid: 'EMS-APP', whitelist: 'NEVER' });
    expect(await stored(EMT, 'EMT-1')).toMatchObject({ uid: 'EMT-1' });
  });

  test('a token unreadable even after repair and a token of a party the peer did not register are skipped with a warning naming their place, never their uid', async () => {
    expect(await stored(EMS, 'BAD')).toBeNull();
    expect(await stored({ cc: 'XX', pid: 'FOO' }, 'FOREIGN')).toBeNull();
    const warnings = platform.logs.filter((l) => l.includes('"module":"tokens"'));
    expect(
      warnings.some((l) => l.includes('pulled object is unreadable') && l.includes('"list":"NL/CPO->DE/EMS"') && l.includes('"position":2') && l.includes('last_updated')),
    ).toBe(true);
    expect(warnings.some((l) => l.includes('did not register') && l.includes('"position":3') && l.includes('"owner":"XX/FOO"'))).toBe(true);
    expect(warnings.some((l) => l.includes('BAD') || l.includes('FOREIGN'))).toBe(false);
  });

  test('the next pull is incremental: date_from = the start of the last successful pull', async () => {
    const since = (await pullState()).lastSuccessAt!;
    const before = tokenPulls().length;
    listed['DE/EMT'].push(aToken(EMT, 'EMT-NEW', { last_updated: new Date(Date.now() + 60_000).toISOString() }));
    await pullNow();
    const sent = tokenPulls().slice(before);
    expect(sent).toHaveLength(4);
    expect(sent.every((r) => r.query.date_from === since.toISOString())).toBe(true);
    expect(await stored(EMT, 'EMT-NEW')).not.toBeNull();
  });

  test('a pushed newer token is not overwritten by an older pulled one, and a pulled newer one replaces an older push', async () => {
    const push = (body: Record<string, unknown>) => ocpi(tokenA, EMS, CPO).put(`/ocpi/cpo/2.2.1/tokens/DE/EMS/${body.uid}`, body);
    const pulledOld = aToken(EMS, 'PUSHED', { contract_id: 'PULLED-OLD' });
    await push(aToken(EMS, 'PUSHED', { contract_id: 'PUSHED-NEW' })).expect(201);
    await push(aToken(EMS, 'PULLED', { contract_id: 'PUSHED-OLD' })).expect(201);
    listed['DE/EMS'].push(pulledOld, aToken(EMS, 'PULLED', { contract_id: 'PULLED-NEW' }));
    await pullNow(true);
    expect(await stored(EMS, 'PUSHED')).toMatchObject({ contract_id: 'PUSHED-NEW' });
    expect(await stored(EMS, 'PULLED')).toMatchObject({ contract_id: 'PULLED-NEW' });
  });
});

describe('tokens RECEIVER without ?type=', () => {
  const url = (uid: string, query = '') => `/ocpi/cpo/2.2.1/tokens/DE/EMS/${uid}${query}`;

  test('an APP_USER token PUT without ?type= lands as APP_USER, and a GET without ?type= finds it while it is the only token with that uid', async () => {
    const as = ocpi(tokenA, EMS, CPO);
    await as.put(url('APP-ONLY'), aToken(EMS, 'APP-ONLY', { type: 'APP_USER', whitelist: 'NEVER' })).expect(201);
    expect(await stored(EMS, 'APP-ONLY', 'APP_USER')).toMatchObject({ type: 'APP_USER' });
    expect(await stored(EMS, 'APP-ONLY', 'RFID')).toBeNull();
    expect((await as.get(url('APP-ONLY')).expect(200)).body.data).toMatchObject({ uid: 'APP-ONLY', type: 'APP_USER' });
    expect((await as.put(url('APP-ONLY', '?type=APP_USER'), aToken(EMS, 'APP-ONLY', { type: 'APP_USER', valid: false })).expect(200)).body.status_code).toBe(1000);
  });

  test('a PATCH without ?type= changes the only token with that uid; once two types share the uid, RFID is meant', async () => {
    const as = ocpi(tokenA, EMS, CPO);
    await as.put(url('TWIN', '?type=APP_USER'), aToken(EMS, 'TWIN', { type: 'APP_USER' })).expect(201);
    expect((await as.patch(url('TWIN'), { valid: false, last_updated: stamp() }).expect(200)).body.status_code).toBe(1000);
    expect(await stored(EMS, 'TWIN', 'APP_USER')).toMatchObject({ valid: false });
    await as.put(url('TWIN'), aToken(EMS, 'TWIN', { contract_id: 'RFID-TWIN' })).expect(201);
    expect((await as.get(url('TWIN')).expect(200)).body.data).toMatchObject({ type: 'RFID', contract_id: 'RFID-TWIN' });
    expect((await as.get(url('TWIN', '?type=APP_USER')).expect(200)).body.data).toMatchObject({ type: 'APP_USER', valid: false });
  });
});

describe('reservations are per eMSP', () => {
  const token = (owner: Party) => ({ country_code: owner.cc, party_id: owner.pid, uid: `${owner.pid}-CARD`, type: 'RFID', contract_id: `${owner.cc}-${owner.pid}-CARD` });
  let n = 0;
  const responseUrl = (fake: FakePeer) => `${fake.url}/results/${++n}`;
  const webhooks = () =>
    backend.received
      .filter((r) => r.path === '/hook')
      .map(
        (r) =>
          r.body as {
            command: string;
            requester?: { country_code: string; party_id: string };
            reservation?: { id: string; emsp_reservation_id: string; replaces?: boolean };
            request: Record<string, unknown>;
          },
      );
  const reserve = (as: { token: string; party: Party; fake: FakePeer }, reservationId: string) =>
    ocpi(as.token, as.party, CPO).post('/ocpi/cpo/2.2.1/commands/RESERVE_NOW', {
      response_url: responseUrl(as.fake),
      token: token(as.party),
      expiry_date: '2030-01-01T00:00:00Z',
      reservation_id: reservationId,
      location_id: 'LOC1',
      evse_uid: 'EVSE1',
    });
  const cancel = (as: { token: string; party: Party; fake: FakePeer }, reservationId: string) =>
    ocpi(as.token, as.party, CPO).post('/ocpi/cpo/2.2.1/commands/CANCEL_RESERVATION', { response_url: responseUrl(as.fake), reservation_id: reservationId });
  /** Sends a command and returns what the backend received for it. */
  async function forwarded(send: () => Promise<{ body: { data: { result: string } } }>) {
    const before = webhooks().length;
    const res = await send();
    expect(res.body.data.result).toBe('ACCEPTED');
    await eventually(() => expect(webhooks()).toHaveLength(before + 1));
    return webhooks()[before];
  }
  const a = () => ({ token: tokenA, party: EMS, fake: emspA });
  const b = () => ({ token: tokenB, party: OTH, fake: emspB });

  test('the same reservation_id used by two eMSPs is two reservations, each replaced only by its own eMSP', async () => {
    const first = await forwarded(() => reserve(a(), 'R1'));
    const other = await forwarded(() => reserve(b(), 'R1'));
    expect(first.reservation).toEqual({ id: expect.stringMatching(/^\d+$/), emsp_reservation_id: 'R1', replaces: false });
    expect(other.reservation).toMatchObject({ emsp_reservation_id: 'R1', replaces: false });
    expect(other.reservation!.id).not.toBe(first.reservation!.id);
    // The backend never sees the eMSP's id, so it cannot confuse the two at the charge point.
    expect(first.request.reservation_id).toBe(first.reservation!.id);
    const again = await forwarded(() => reserve(a(), 'r1'));
    expect(again.reservation).toEqual({ id: first.reservation!.id, emsp_reservation_id: 'r1', replaces: true });
    const cancelled = await forwarded(() => cancel(b(), 'R1'));
    expect(cancelled.request.reservation_id).toBe(other.reservation!.id);
  });

  test("an eMSP cannot cancel another eMSP's reservation: the id is unknown to it and nothing reaches the backend", async () => {
    const made = await forwarded(() => reserve(a(), 'ONLY-A'));
    const before = webhooks().length;
    const res = await cancel(b(), 'ONLY-A').expect(200);
    expect(res.body).toMatchObject({ status_code: 1000, data: { result: 'REJECTED', message: [{ language: 'en', text: 'Unknown reservation ONLY-A' }] } });
    await platform.whenIdle();
    expect(webhooks()).toHaveLength(before);
    expect((await forwarded(() => cancel(a(), 'ONLY-A'))).request.reservation_id).toBe(made.reservation!.id);
  });

  test('the backend is told which eMSP party asks', async () => {
    expect((await forwarded(() => reserve(b(), 'R-WHO'))).requester).toEqual({ country_code: 'FR', party_id: 'OTH' });
    const start = await forwarded(() =>
      ocpi(tokenA, EMT, CPO).post('/ocpi/cpo/2.2.1/commands/START_SESSION', { response_url: responseUrl(emspA), token: token(EMT), location_id: 'LOC1', evse_uid: 'EVSE1' }),
    );
    expect(start).toMatchObject({ command: 'START_SESSION', requester: { country_code: 'DE', party_id: 'EMT' } });
    expect(start.reservation).toBeUndefined();
  });
});

describe('charging profiles', () => {
  const profile = { charging_rate_unit: 'A', charging_profile_period: [{ start_period: 0, limit: 16 }] };
  let n = 0;
  const responseUrl = () => `${emspA.url}/results/cp-${++n}`;
  const as = () => ocpi(tokenA, EMS, CPB);
  const session = (id: string, status: string) =>
    platform
      .admin()
      .put(`/parties/NL/CPB/sessions/${id}`, aSession(id, { party_id: 'CPB', location_id: 'LOC-CP', evse_uid: 'EVSE-CP', status }))
      .expect(200);
  const put = (id: string) => as().put(`/ocpi/cpo/2.2.1/chargingprofiles/${id}`, { charging_profile: profile, response_url: responseUrl() });
  const get = (id: string) => as().get(`/ocpi/cpo/2.2.1/chargingprofiles/${id}?duration=900&response_url=${encodeURIComponent(responseUrl())}`);
  const del = (id: string) => as().delete(`/ocpi/cpo/2.2.1/chargingprofiles/${id}?response_url=${encodeURIComponent(responseUrl())}`);

  test('a charging profile for a PENDING session is accepted and reaches the charge point', async () => {
    await session('S-PENDING', 'PENDING');
    const url = `${emspA.url}/results/cp-${n + 1}`;
    expect((await put('S-PENDING').expect(200)).body).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } });
    await eventually(() => expect(emspA.received.find((r) => r.method === 'POST' && r.path === new URL(url).pathname)?.body).toEqual({ result: 'ACCEPTED' }));
  });

  test('GET and DELETE are never TOO_OFTEN and do not count toward it; a second set request within the interval is', async () => {
    await session('S-RATE', 'ACTIVE');
    for (const call of [get, del, get]) expect((await call('S-RATE').expect(200)).body.data.result).toBe('ACCEPTED');
    expect((await put('S-RATE').expect(200)).body.data.result).toBe('ACCEPTED');
    for (const call of [get, del]) expect((await call('S-RATE').expect(200)).body.data.result).toBe('ACCEPTED');
    expect((await put('S-RATE').expect(200)).body.data.result).toBe('TOO_OFTEN');
  });
});

describe('pagination', () => {
  const list = (query: string) => ocpi(tokenA, EMS, CPO).get(`/ocpi/cpo/2.2.1/locations${query}`).expect(200);

  test("X-Limit equals the limit applied to the page: the client's when under the cap, else the cap; the default without one", async () => {
    const small = await list('?limit=2');
    expect(small.headers['x-limit']).toBe('2');
    expect(small.body.data).toHaveLength(2);
    const capped = await list('?limit=1000');
    expect(capped.headers['x-limit']).toBe('4');
    expect(capped.body.data).toHaveLength(4);
    expect(capped.headers.link).toContain('limit=4');
    expect((await list('')).headers['x-limit']).toBe('3');
    const last = await list('?offset=5&limit=2');
    expect(last.body.data).toHaveLength(1);
    expect(last.headers['x-limit']).toBe('2');
  });
});
