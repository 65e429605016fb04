/**
 * Tokens SENDER interface of our eMSP parties (07-tokens §2.2), over real HTTP and a real
 * database: CPO peers list the addressed party's tokens and ask for real-time authorization,
 * answered by the token store or by the party's webhook backend within its deadline.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { AuthorizationInfo } from '../../../src/model/authorization.js';
import { Token } from '../../../src/model/token.js';
import { aBusinessDetails, aCredentialsRole } from '../../helpers/builders.js';
import { anOwnToken, nextStamp } from '../../helpers/emsp-tokens.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../../helpers/registered-peer.js';

const SECRET = 'webhook-secret-0123456789';
/** Short, so the slow backend costs the test little; the slow backend answers well after it. */
const TIMEOUT_MS = 300;
const SLOW_MS = 1500;

let platform: TestPlatform;
let cpo: RegisteredPeer;
let emspPeer: RegisteredPeer;

/** The eMSP backend of NL/MS2: checks the signature of every call and answers as told. */
let hook: http.Server;
let hookUrl: string;
const hookCalls: Array<{ body: Record<string, unknown>; signed: boolean }> = [];
let hookBehaviour: 'slow' | 'error' | 'garbage' | { status?: number; body: object } = { body: { allowed: 'ALLOWED' } };

const routing = (to: string, from = 'DE/CPA') => ({
  'OCPI-from-country-code': from.split('/')[0],
  'OCPI-from-party-id': from.split('/')[1],
  'OCPI-to-country-code': to.split('/')[0],
  'OCPI-to-party-id': to.split('/')[1],
});
const list = (query = '', to = 'NL/MSP', peer = () => cpo, from = 'DE/CPA') =>
  request(platform.url).get(`/ocpi/emsp/2.2.1/tokens${query}`).set('Authorization', tokenHeader(peer().tokenC)).set(routing(to, from));
const authorize = (uid: string, body?: unknown, opts: { to?: string; query?: string } = {}) => {
  const req = request(platform.url)
    .post(`/ocpi/emsp/2.2.1/tokens/${encodeURIComponent(uid)}/authorize${opts.query ?? ''}`)
    .set('Authorization', tokenHeader(cpo.tokenC))
    .set(routing(opts.to ?? 'NL/MSP'));
  return body === undefined ? req : req.send(body as object);
};
const issue = (uid: string, overrides: Record<string, unknown> = {}, party = 'NL/MSP') => {
  const [cc, pid] = party.split('/');
  return platform
    .admin()
    .put(`/parties/${party}/tokens/${uid}`, anOwnToken(uid, { country_code: cc, party_id: pid, ...overrides }))
    .expect((r) => expect([200, 201]).toContain(r.status));
};

beforeAll(async () => {
  platform = await startTestPlatform('tokens_emsp_sender', { env: { EMSP_AUTHORIZE_TIMEOUT_MS: String(TIMEOUT_MS) } });
  for (const party_id of ['MSP', 'MS2']) await platform.admin().post('/parties', { country_code: 'NL', party_id, role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  cpo = await aRegisteredPeer(platform, [aCredentialsRole({ role: 'CPO', country_code: 'DE', party_id: 'CPA' })]);
  emspPeer = await aRegisteredPeer(platform, [aCredentialsRole({ role: 'EMSP', country_code: 'FR', party_id: 'EMX' })]);

  const app = express();
  app.use(express.raw({ type: () => true }));
  app.post('/hook', async (req, res) => {
    const raw = req.body as Buffer;
    const expected = `sha256=${crypto.createHmac('sha256', SECRET).update(raw).digest('hex')}`;
    hookCalls.push({ body: JSON.parse(raw.toString('utf8')), signed: req.get('x-signature') === expected });
    const b = hookBehaviour;
    if (b === 'slow') await new Promise((r) => setTimeout(r, SLOW_MS));
    if (b === 'error') return void res.status(500).json({ error: 'down' });
    if (b === 'garbage') return void res.json({ allowed: 'PERHAPS' });
    if (typeof b === 'object') return void res.status(b.status ?? 200).json(b.body);
    res.json({ allowed: 'ALLOWED' });
  });
  hook = http.createServer(app);
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  hook?.closeAllConnections();
  await new Promise((r) => hook?.close(r));
  await cpo?.fake.close();
  await emspPeer?.fake.close();
  await platform?.stop();
});

describe('GET list', () => {
  const stamps: string[] = [];
  beforeAll(async () => {
    for (const uid of ['L1', 'L2', 'L3']) {
      stamps.push(nextStamp());
      await issue(uid, { last_updated: stamps[stamps.length - 1] });
    }
    await issue('OTHERPARTY', { last_updated: nextStamp() }, 'NL/MS2');
  });

  test("lists only the addressed eMSP party's tokens, oldest change first, paginated with Link", async () => {
    const first = await list('?limit=2').expect(200);
    expect(first.body.status_code).toBe(1000);
    expect(first.body.data.map((t: unknown) => Token.parse(t).uid)).toEqual(['L1', 'L2']);
    expect(first.headers['x-total-count']).toBe('3');
    expect(first.headers.link).toContain('offset=2');
    expect(first.headers['ocpi-from-party-id']).toBe('MSP');
    const next = /<([^>]+)>/.exec(first.headers.link)![1];
    const second = await request(next).get('').set('Authorization', tokenHeader(cpo.tokenC)).set(routing('NL/MSP')).expect(200);
    expect(second.body.data.map((t: { uid: string }) => t.uid)).toEqual(['L3']);
    expect(second.headers.link).toBeUndefined();
    const other = await list('', 'NL/MS2').expect(200);
    expect(other.body.data.map((t: { uid: string }) => t.uid)).toEqual(['OTHERPARTY']);
  });

  test('date_from is inclusive and date_to exclusive', async () => {
    const res = await list(`?date_from=${stamps[1]}&date_to=${stamps[2]}`).expect(200);
    expect(res.body.data.map((t: { uid: string }) => t.uid)).toEqual(['L2']);
    expect(res.headers['x-total-count']).toBe('1');
  });

  test('the platform rules of a token are never part of what a CPO reads', async () => {
    await issue('RULES1', { expires_at: '2030-01-01T00:00:00Z', allowed_locations: [{ location_id: 'LOC1' }], last_updated: nextStamp() });
    const res = await list(`?date_from=${encodeURIComponent(stamps[2])}`).expect(200);
    const doc = res.body.data.find((t: { uid: string }) => t.uid === 'RULES1');
    expect(doc).toBeDefined();
    expect(doc).not.toHaveProperty('expires_at');
    expect(doc).not.toHaveProperty('allowed_locations');
  });

  test('a party that registered no CPO role may not list tokens (403)', async () => {
    const res = await list('', 'NL/MSP', () => emspPeer, 'FR/EMX').expect(403);
    expect(res.body.status_code).toBe(2000);
    expect(res.body).not.toHaveProperty('data');
  });

  test('a CPO may not speak for a party it did not register (403)', async () => {
    const res = await list('', 'NL/MSP', () => cpo, 'FR/EMX').expect(403);
    expect(res.body.status_code).toBe(2000);
  });

  test('addressing a party that is not one of our eMSPs is refused (404)', async () => {
    const res = await list('', 'NL/CPO').expect(404);
    expect(res.body.status_code).toBe(2000);
  });
});

describe('POST authorize, answered from the token store', () => {
  beforeAll(async () => {
    await issue('OK1');
    await issue('BLOCKED1', { valid: false });
    await issue('EXPIRED1', { expires_at: '2020-01-01T00:00:00Z' });
    await issue('FUTURE1', { expires_at: '2099-01-01T00:00:00Z' });
    await issue('SOMEWHERE', { allowed_locations: [{ location_id: 'LOC1', evse_uids: ['EVSE1', 'EVSE2'] }, { location_id: 'LOC2' }] });
    await issue('SAME', { type: 'RFID', contract_id: 'RFID-CONTRACT' });
    await issue('SAME', { type: 'APP_USER', contract_id: 'APP-CONTRACT', whitelist: 'NEVER' });
    await issue('APPONLY', { type: 'APP_USER', whitelist: 'NEVER' });
  });

  test('a valid token is ALLOWED with the complete Token and a fresh authorization_reference per answer', async () => {
    const a = await authorize('OK1').expect(200);
    const b = await authorize('OK1').expect(200);
    expect(a.body.status_code).toBe(1000);
    const info = AuthorizationInfo.parse(a.body.data);
    expect(info).toMatchObject({ allowed: 'ALLOWED', token: { uid: 'OK1', type: 'RFID', contract_id: 'NL-MSP-OK1', country_code: 'NL', party_id: 'MSP' } });
    expect(info.authorization_reference).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.body.data.authorization_reference).not.toBe(info.authorization_reference);
    expect(a.body.data).not.toHaveProperty('location');
  });

  test('an empty body or null means no LocationReferences', async () => {
    for (const body of [{}, null]) {
      const res = await authorize('OK1', body).set('Content-Type', 'application/json').expect(200);
      expect(res.body.data.allowed).toBe('ALLOWED');
      expect(res.body.data).not.toHaveProperty('location');
    }
  });

  test('the uid is matched case-insensitively', async () => {
    const res = await authorize('ok1').expect(200);
    expect(res.body.data).toMatchObject({ allowed: 'ALLOWED', token: { uid: 'OK1' } });
  });

  test('with LocationReferences an ALLOWED answer echoes the location and the requested EVSEs', async () => {
    const res = await authorize('OK1', { location_id: 'ANY', evse_uids: ['E1', 'E2'] }).expect(200);
    expect(res.body.data).toMatchObject({ allowed: 'ALLOWED', location: { location_id: 'ANY', evse_uids: ['E1', 'E2'] } });
  });

  test('an invalidated token is BLOCKED, with no location', async () => {
    const res = await authorize('BLOCKED1', { location_id: 'LOC1' }).expect(200);
    expect(res.body.status_code).toBe(1000);
    expect(res.body.data).toMatchObject({ allowed: 'BLOCKED', token: { uid: 'BLOCKED1', valid: false } });
    expect(res.body.data).not.toHaveProperty('location');
  });

  test('a token past its expires_at is EXPIRED; before it, ALLOWED', async () => {
    expect((await authorize('EXPIRED1').expect(200)).body.data.allowed).toBe('EXPIRED');
    expect((await authorize('FUTURE1').expect(200)).body.data.allowed).toBe('ALLOWED');
  });

  test('a location outside the allowed_locations is NOT_ALLOWED', async () => {
    const res = await authorize('SOMEWHERE', { location_id: 'LOC9', evse_uids: ['EVSE1'] }).expect(200);
    expect(res.body.data.allowed).toBe('NOT_ALLOWED');
    expect(res.body.data).not.toHaveProperty('location');
  });

  test('at an allowed location only the permitted EVSEs are echoed; none permitted is NOT_ALLOWED', async () => {
    const some = await authorize('SOMEWHERE', { location_id: 'loc1', evse_uids: ['EVSE2', 'EVSE3'] }).expect(200);
    expect(some.body.data).toMatchObject({ allowed: 'ALLOWED', location: { location_id: 'loc1', evse_uids: ['EVSE2'] } });
    const whole = await authorize('SOMEWHERE', { location_id: 'LOC1' }).expect(200);
    expect(whole.body.data.location).toEqual({ location_id: 'LOC1', evse_uids: ['EVSE1', 'EVSE2'] });
    const anyEvse = await authorize('SOMEWHERE', { location_id: 'LOC2', evse_uids: ['X9'] }).expect(200);
    expect(anyEvse.body.data.location).toEqual({ location_id: 'LOC2', evse_uids: ['X9'] });
    const none = await authorize('SOMEWHERE', { location_id: 'LOC1', evse_uids: ['EVSE3'] }).expect(200);
    expect(none.body.data.allowed).toBe('NOT_ALLOWED');
  });

  test('a token restricted to some locations cannot be decided without LocationReferences: 2002', async () => {
    const res = await authorize('SOMEWHERE').expect(200);
    expect(res.body.status_code).toBe(2002);
    expect(res.body).not.toHaveProperty('data');
  });

  test('an unknown token is HTTP 404 with 2004 and no data', async () => {
    const res = await authorize('NOSUCHTOKEN', { location_id: 'LOC1' }).expect(404);
    expect(res.body.status_code).toBe(2004);
    expect(res.body).not.toHaveProperty('data');
    expect(res.body.status_message).not.toContain('NOSUCHTOKEN');
  });

  test('?type= selects the token of that type and defaults to RFID', async () => {
    const app = await authorize('SAME', undefined, { query: '?type=APP_USER' }).expect(200);
    expect(app.body.data.token).toMatchObject({ type: 'APP_USER', contract_id: 'APP-CONTRACT' });
    const rfid = await authorize('SAME').expect(200);
    expect(rfid.body.data.token).toMatchObject({ type: 'RFID', contract_id: 'RFID-CONTRACT' });
    const missing = await authorize('APPONLY').expect(404);
    expect(missing.body.status_code).toBe(2004);
    const bad = await authorize('SAME', undefined, { query: '?type=CARD' }).expect(200);
    expect(bad.body.status_code).toBe(2001);
    expect(bad.body.status_message).toContain('type');
  });

  test.each([
    ['a location_id longer than 36 characters', { location_id: 'L'.repeat(37) }, 'location_id'],
    ['a missing location_id', { evse_uids: ['E1'] }, 'location_id'],
    ['evse_uids that is not a list', { location_id: 'LOC1', evse_uids: 'E1' }, 'evse_uids'],
  ])('LocationReferences with %s is 2001 naming the field', async (_name, body, field) => {
    const res = await authorize('OK1', body).expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain(field);
    expect(res.body).not.toHaveProperty('data');
  });

  test('a token of another of our eMSP parties is unknown to the addressed one (404, 2004)', async () => {
    const res = await authorize('OK1', undefined, { to: 'NL/MS2' }).expect(404);
    expect(res.body.status_code).toBe(2004);
  });

  test('a party that registered no CPO role may not authorize (403)', async () => {
    const res = await request(platform.url)
      .post('/ocpi/emsp/2.2.1/tokens/OK1/authorize')
      .set('Authorization', tokenHeader(emspPeer.tokenC))
      .set(routing('NL/MSP', 'FR/EMX'))
      .expect(403);
    expect(res.body.status_code).toBe(2000);
  });
});

describe('POST authorize, answered by the eMSP backend', () => {
  const warnings = () => platform.logs.filter((l) => l.includes('eMSP backend gave no authorization answer'));

  beforeAll(async () => {
    await platform.admin().put('/parties/NL/MS2/backend', { adapter: 'webhook', url: hookUrl, secret: SECRET, authorize: true }).expect(200);
    await issue('HOOK1', {}, 'NL/MS2');
    await issue('HOOKBLOCKED', { valid: false }, 'NL/MS2');
  });
  beforeEach(() => {
    hookCalls.length = 0;
  });

  test('GET backend tells the adapter, URL and authorization flag, never the secret', async () => {
    const res = await platform.admin().get('/parties/NL/MS2/backend').expect(200);
    expect(res.body).toEqual({ adapter: 'webhook', url: hookUrl, authorize: true });
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    await platform.admin().get('/parties/XX/NOP/backend').expect(404);
  });

  test("the backend's verdict is answered, asked with a signed token.authorize event", async () => {
    hookBehaviour = { body: { allowed: 'NO_CREDIT', info: { language: 'en', text: 'Top up your account' } } };
    const res = await authorize('HOOK1', { location_id: 'LOC1', evse_uids: ['E1'] }, { to: 'NL/MS2' }).expect(200);
    expect(res.body.data).toMatchObject({ allowed: 'NO_CREDIT', token: { uid: 'HOOK1', party_id: 'MS2' }, info: { text: 'Top up your account' } });
    expect(res.body.data).not.toHaveProperty('location');
    expect(res.body.data.authorization_reference).toMatch(/^[0-9a-f-]{36}$/);
    expect(hookCalls).toHaveLength(1);
    expect(hookCalls[0].signed).toBe(true);
    expect(hookCalls[0].body).toMatchObject({ type: 'token.authorize', token: { uid: 'HOOK1', type: 'RFID' }, location: { location_id: 'LOC1', evse_uids: ['E1'] } });
  });

  test("the backend's authorization_reference and allowed EVSEs are passed on; no location is sent as null", async () => {
    hookBehaviour = { body: { allowed: 'ALLOWED', authorization_reference: 'BACKEND-REF-1', location: { location_id: 'LOC1', evse_uids: ['E2'] } } };
    const res = await authorize('HOOK1', { location_id: 'LOC1', evse_uids: ['E1', 'E2'] }, { to: 'NL/MS2' }).expect(200);
    expect(res.body.data).toMatchObject({ allowed: 'ALLOWED', authorization_reference: 'BACKEND-REF-1', location: { location_id: 'LOC1', evse_uids: ['E2'] } });
    await authorize('HOOK1', undefined, { to: 'NL/MS2' }).expect(200);
    expect(hookCalls[1].body.location).toBeNull();
  });

  test('the backend may allow a token the store would block: it decides', async () => {
    hookBehaviour = { body: { allowed: 'ALLOWED' } };
    const res = await authorize('HOOKBLOCKED', undefined, { to: 'NL/MS2' }).expect(200);
    expect(res.body.data.allowed).toBe('ALLOWED');
  });

  test.each([
    ['does not answer within EMSP_AUTHORIZE_TIMEOUT_MS', 'slow' as const],
    ['fails with HTTP 500', 'error' as const],
    ['answers something that is not an AuthorizationInfo', 'garbage' as const],
  ])('a backend that %s is replaced by the store, with a warning that does not name the token', async (_name, behaviour) => {
    hookBehaviour = behaviour;
    const before = warnings().length;
    const res = await authorize('HOOKBLOCKED', undefined, { to: 'NL/MS2' }).expect(200);
    expect(res.body.data).toMatchObject({ allowed: 'BLOCKED', token: { uid: 'HOOKBLOCKED' } });
    expect(hookCalls).toHaveLength(1);
    const added = warnings().slice(before);
    expect(added).toHaveLength(1);
    expect(JSON.parse(added[0])).toMatchObject({ level: 40, party: 'NL/MS2' });
    expect(added[0]).not.toContain('HOOKBLOCKED');
  });

  test('an unknown token is 404 with 2004 without asking the backend', async () => {
    hookBehaviour = { body: { allowed: 'ALLOWED' } };
    const res = await authorize('NOTISSUED', undefined, { to: 'NL/MS2' }).expect(404);
    expect(res.body.status_code).toBe(2004);
    expect(hookCalls).toHaveLength(0);
  });

  test('a party whose backend does not authorize is answered from the store without a call', async () => {
    const res = await authorize('OK1').expect(200);
    expect(res.body.data.allowed).toBe('ALLOWED');
    expect(hookCalls).toHaveLength(0);
  });
});
