/**
 * Real-time authorization, CPO side (07-tokens §2.2, §4), over real HTTP and a real database:
 * the CPO backend asks `POST /admin/parties/{cc}/{pid}/authorize`, the platform decides from the
 * tokens a fake eMSP pushed, or asks that eMSP's tokens SENDER, or falls back per whitelist.
 */
import type { Request, Response } from 'express';
import { aBusinessDetails, aCredentialsRole } from '../../helpers/builders.js';
import { type FakePeer, decodeToken, ok, startFakePeer } from '../../helpers/fake-peer.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../../helpers/registered-peer.js';

/** Short, so a slow owner costs the test little; the slow owner answers well after it. */
const TIMEOUT_MS = 400;
const SLOW_MS = 1500;

let platform: TestPlatform;
let emsp: FakePeer;
let tokenB: string;
let tokenC: string;

let clock = Date.parse('2026-01-01T00:00:00Z');
const later = () => new Date((clock += 1000)).toISOString();

function aToken(uid: string, overrides: Record<string, unknown> = {}) {
  return {
    country_code: 'DE',
    party_id: 'EMS',
    uid,
    type: 'RFID',
    contract_id: `DE-EMS-${uid}`,
    visual_number: `V-${uid}`,
    issuer: 'Test eMSP',
    group_id: 'G1',
    valid: true,
    whitelist: 'ALLOWED',
    last_updated: later(),
    ...overrides,
  };
}

/** What the fake eMSP answers per token uid; a uid not listed gets ALLOWED with a reference. */
type Behaviour =
  | { allowed: string; reference?: string; info?: object }
  | 'unknown'
  | 'unknown-http-only'
  | 'unknown-ocpi-only'
  | 'slow'
  | 'error'
  | 'not-enough'
  | 'invalid'
  | 'other-token';
const behaviours = new Map<string, Behaviour>();

async function answer(req: Request, res: Response) {
  const m = /^\/emsp\/tokens\/([^/]+)\/authorize$/.exec(req.path);
  if (!m) return void res.status(404).json({ status_code: 2000, timestamp: new Date().toISOString() });
  const uid = decodeURIComponent(m[1]);
  const type = String(req.query.type ?? 'RFID');
  const b = behaviours.get(uid) ?? { allowed: 'ALLOWED', reference: `REF-${uid}` };
  const status = (code: number, http = 200) => void res.status(http).json({ status_code: code, status_message: 'x', timestamp: new Date().toISOString() });
  if (b === 'unknown') return status(2004, 404);
  if (b === 'unknown-ocpi-only') return status(2004, 200);
  if (b === 'unknown-http-only') return void res.status(404).send('Not Found');
  if (b === 'not-enough') return status(2002);
  if (b === 'error') return status(3000, 500);
  if (b === 'slow') await new Promise((r) => setTimeout(r, SLOW_MS));
  if (b === 'invalid') return void res.json(ok({ allowed: 'MAYBE', token: aToken(uid) }));
  if (b === 'other-token') return void res.json(ok({ allowed: 'ALLOWED', token: aToken('SOMEONEELSE') }));
  const verdict = typeof b === 'object' ? b : { allowed: 'ALLOWED' };
  const body = req.body && typeof req.body === 'object' && 'location_id' in req.body ? (req.body as { location_id: string }) : undefined;
  res.json(
    ok({
      allowed: verdict.allowed,
      token: aToken(uid, { type, whitelist: 'NEVER' }),
      ...(verdict.reference ? { authorization_reference: verdict.reference } : {}),
      // The owner echoes the allowed EVSEs: here the first one of the request.
      ...(body ? { location: { location_id: body.location_id, evse_uids: ((req.body as { evse_uids?: string[] }).evse_uids ?? []).slice(0, 1) } } : {}),
      ...(verdict.info ? { info: verdict.info } : {}),
    }),
  );
}

const push = (uid: string, overrides: Record<string, unknown> = {}, query = '') =>
  request(platform.url).put(`/ocpi/cpo/2.2.1/tokens/DE/EMS/${uid}${query}`).set('Authorization', tokenHeader(tokenC)).send(aToken(uid, overrides)).expect(201);
const authorize = (body: object, party = 'NL/CPO') => platform.admin().post(`/parties/${party}/authorize`, body);
const calls = () => emsp.received.filter((r) => r.method === 'POST' && r.path.startsWith('/emsp/tokens/'));
const callsFor = (uid: string) => calls().filter((r) => r.path === `/emsp/tokens/${uid}/authorize`);

beforeAll(async () => {
  platform = await startTestPlatform('tokens_authorize_cpo', { env: { AUTHORIZATION_TIMEOUT_MS: String(TIMEOUT_MS) } });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'MSP', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
  emsp = await startFakePeer([{ identifier: 'tokens', role: 'SENDER', path: '/emsp/tokens' }]);
  emsp.on('POST', '/emsp/tokens/*', answer);
  tokenB = `b-${Math.random().toString(36).slice(2)}`;
  emsp.acceptedTokens.add(tokenB);
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  const reg = await request(platform.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: tokenB, url: emsp.versionsUrl, roles: [aCredentialsRole({ country_code: 'DE', party_id: 'EMS' })] });
  if (reg.body.status_code !== 1000) throw new Error(JSON.stringify(reg.body));
  tokenC = reg.body.data.token;
});

afterAll(async () => {
  await emsp?.close();
  await platform?.stop();
});

describe('whitelist ALWAYS: answered from the cache, never in real time', () => {
  test('a valid token is ALLOWED from the store without calling the eMSP', async () => {
    await push('ALWAYS1', { whitelist: 'ALWAYS' });
    const res = await authorize({ uid: 'always1' }).expect(200);
    expect(res.body).toMatchObject({ allowed: 'ALLOWED', source: 'STORE', auth_method: 'WHITELIST', contract_id: 'DE-EMS-ALWAYS1', visual_number: 'V-ALWAYS1', group_id: 'G1' });
    expect(res.body.token).toMatchObject({ uid: 'ALWAYS1', whitelist: 'ALWAYS' });
    expect(res.body).not.toHaveProperty('authorization_reference');
    expect(callsFor('ALWAYS1')).toHaveLength(0);
  });

  test('an invalidated token is BLOCKED from the store, still without a call', async () => {
    await push('ALWAYS2', { whitelist: 'ALWAYS', valid: false });
    const res = await authorize({ uid: 'ALWAYS2', location: { location_id: 'LOC1' } }).expect(200);
    expect(res.body).toMatchObject({ allowed: 'BLOCKED', source: 'STORE', contract_id: 'DE-EMS-ALWAYS2' });
    expect(callsFor('ALWAYS2')).toHaveLength(0);
  });
});

describe('real-time authorization with the owner', () => {
  test('whitelist ALLOWED asks the owner and returns its answer with the authorization_reference and allowed EVSEs', async () => {
    await push('ALLOW1', { whitelist: 'ALLOWED' });
    const res = await authorize({ uid: 'ALLOW1', location: { location_id: 'LOC1', evse_uids: ['EVSE1', 'EVSE2'] } }).expect(200);
    expect(res.body).toMatchObject({
      allowed: 'ALLOWED',
      source: 'PEER',
      auth_method: 'AUTH_REQUEST',
      authorization_reference: 'REF-ALLOW1',
      contract_id: 'DE-EMS-ALLOW1',
      location: { location_id: 'LOC1', evse_uids: ['EVSE1'] },
    });
    // The token in the result is the owner's current one, not our cached copy.
    expect(res.body.token.whitelist).toBe('NEVER');
  });

  test('the request carries ?type=, the LocationReferences, routing headers and the token the peer issued us', async () => {
    const [call] = callsFor('ALLOW1');
    expect(call.query).toEqual({ type: 'RFID' });
    expect(call.body).toEqual({ location_id: 'LOC1', evse_uids: ['EVSE1', 'EVSE2'] });
    expect(decodeToken(call.headers.authorization as string)).toBe(tokenB);
    expect(call.headers).toMatchObject({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'CPO', 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'EMS' });
    expect(call.headers['x-request-id']).toBeTruthy();
  });

  test("the owner's verdict wins over a valid cached token (NO_CREDIT) and its info is passed on", async () => {
    await push('ALLOW2', { whitelist: 'ALLOWED_OFFLINE' });
    behaviours.set('ALLOW2', { allowed: 'NO_CREDIT', info: { language: 'en', text: 'Top up your account' } });
    const res = await authorize({ uid: 'ALLOW2' }).expect(200);
    expect(res.body).toMatchObject({ allowed: 'NO_CREDIT', source: 'PEER', info: { language: 'en', text: 'Top up your account' } });
    expect(callsFor('ALLOW2')[0].body).toEqual({});
  });

  test('whitelist NEVER always asks, and the type of the token is part of the call', async () => {
    await push('APP1', { type: 'APP_USER', whitelist: 'NEVER', valid: false }, '?type=APP_USER');
    const res = await authorize({ uid: 'APP1', type: 'APP_USER' }).expect(200);
    // valid: false in the cache does not spare the call (§4): the token may be valid again.
    expect(res.body).toMatchObject({ allowed: 'ALLOWED', source: 'PEER', authorization_reference: 'REF-APP1' });
    expect(callsFor('APP1')[0].query).toEqual({ type: 'APP_USER' });
  });

  test('an uncached token with token_owner is asked of that owner', async () => {
    const res = await authorize({ uid: 'NOTCACHED1', token_owner: { country_code: 'de', party_id: 'ems' } }).expect(200);
    expect(res.body).toMatchObject({ allowed: 'ALLOWED', source: 'PEER', contract_id: 'DE-EMS-NOTCACHED1' });
    expect(callsFor('NOTCACHED1')[0].headers).toMatchObject({ 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'EMS' });
  });

  test('the owner answering 2002 (not enough information) is a refusal, not a fallback', async () => {
    await push('NEEDLOC', { whitelist: 'ALLOWED_OFFLINE' });
    behaviours.set('NEEDLOC', 'not-enough');
    const res = await authorize({ uid: 'NEEDLOC' }).expect(200);
    expect(res.body).toMatchObject({ allowed: 'NOT_ALLOWED', source: 'PEER' });
    expect(res.body.info.text).toContain('location');
  });
});

describe('unknown tokens', () => {
  test.each([
    ['HTTP 404 with 2004', 'UNKNOWN1', 'unknown'],
    ['2004 behind HTTP 200', 'UNKNOWN2', 'unknown-ocpi-only'],
    ['HTTP 404 without an envelope', 'UNKNOWN3', 'unknown-http-only'],
  ] as const)('%s from the owner is NOT_ALLOWED, without the ALLOWED_OFFLINE fallback', async (_name, uid, behaviour) => {
    await push(uid, { whitelist: 'ALLOWED_OFFLINE' });
    behaviours.set(uid, behaviour);
    const res = await authorize({ uid }).expect(200);
    expect(res.body).toMatchObject({ allowed: 'NOT_ALLOWED', source: 'PEER' });
    expect(res.body.info.text).toContain('unknown');
    expect(callsFor(uid)).toHaveLength(1);
  });

  test('a token neither cached nor given an owner is NOT_ALLOWED without any call, and says why', async () => {
    const before = calls().length;
    const res = await authorize({ uid: 'NOBODY' }).expect(200);
    expect(res.body).toMatchObject({ allowed: 'NOT_ALLOWED', source: 'STORE', auth_method: 'WHITELIST' });
    expect(res.body.info.text).toContain('token_owner');
    expect(res.body).not.toHaveProperty('token');
    expect(calls()).toHaveLength(before);
  });

  test('a token_owner no registered peer speaks for is NOT_ALLOWED (owner unreachable)', async () => {
    const res = await authorize({ uid: 'ORPHAN', token_owner: { country_code: 'FR', party_id: 'XXX' } }).expect(200);
    expect(res.body).toMatchObject({ allowed: 'NOT_ALLOWED', source: 'FALLBACK' });
    expect(res.body.info.text).toContain('FR/XXX');
  });
});

describe('owner unreachable: fallback per whitelist', () => {
  test('a slow owner: ALLOWED_OFFLINE with a valid cached token is ALLOWED, within the deadline', async () => {
    await push('SLOW1', { whitelist: 'ALLOWED_OFFLINE' });
    behaviours.set('SLOW1', 'slow');
    const started = Date.now();
    const res = await authorize({ uid: 'SLOW1' }).expect(200);
    expect(Date.now() - started).toBeLessThan(SLOW_MS);
    expect(res.body).toMatchObject({ allowed: 'ALLOWED', source: 'FALLBACK', auth_method: 'WHITELIST', contract_id: 'DE-EMS-SLOW1' });
    expect(res.body.info.text).toContain(`${TIMEOUT_MS} ms`);
    expect(res.body).not.toHaveProperty('authorization_reference');
    expect(callsFor('SLOW1')).toHaveLength(1);
  });

  test('a slow owner: NEVER is NOT_ALLOWED', async () => {
    await push('SLOW2', { whitelist: 'NEVER' });
    behaviours.set('SLOW2', 'slow');
    const res = await authorize({ uid: 'SLOW2' }).expect(200);
    expect(res.body).toMatchObject({ allowed: 'NOT_ALLOWED', source: 'FALLBACK' });
    expect(res.body.info.text).toContain('NEVER');
  });

  test('a slow owner: ALLOWED_OFFLINE with an invalidated cached token is BLOCKED (fallback only for valid tokens)', async () => {
    await push('SLOW3', { whitelist: 'ALLOWED_OFFLINE', valid: false });
    behaviours.set('SLOW3', 'slow');
    expect((await authorize({ uid: 'SLOW3' }).expect(200)).body).toMatchObject({ allowed: 'BLOCKED', source: 'FALLBACK' });
  });

  test('an owner failing with HTTP 500: whitelist ALLOWED falls back to the cached validity', async () => {
    await push('DOWN1', { whitelist: 'ALLOWED' });
    behaviours.set('DOWN1', 'error');
    expect((await authorize({ uid: 'DOWN1' }).expect(200)).body).toMatchObject({ allowed: 'ALLOWED', source: 'FALLBACK' });
  });

  test('an answer that is not a valid AuthorizationInfo counts as no answer', async () => {
    await push('BADANSWER', { whitelist: 'NEVER' });
    behaviours.set('BADANSWER', 'invalid');
    const res = await authorize({ uid: 'BADANSWER' }).expect(200);
    expect(res.body).toMatchObject({ allowed: 'NOT_ALLOWED', source: 'FALLBACK' });
    expect(res.body.info.text).toContain('allowed');
  });

  test('an answer about another token counts as no answer', async () => {
    await push('WRONGTOKEN', { whitelist: 'ALLOWED_OFFLINE' });
    behaviours.set('WRONGTOKEN', 'other-token');
    const res = await authorize({ uid: 'WRONGTOKEN' }).expect(200);
    expect(res.body).toMatchObject({ allowed: 'ALLOWED', source: 'FALLBACK', contract_id: 'DE-EMS-WRONGTOKEN' });
    expect(res.body.info.text).toContain('SOMEONEELSE');
  });

  test('the call uses the uid as the owner spelled it, whatever case the backend gives', async () => {
    await push('MixedCase', { whitelist: 'NEVER' });
    expect((await authorize({ uid: 'MIXEDCASE' }).expect(200)).body).toMatchObject({ allowed: 'ALLOWED', source: 'PEER' });
    expect(callsFor('MixedCase')).toHaveLength(1);
  });
});

describe('several eMSPs', () => {
  let other: RegisteredPeer;
  beforeAll(async () => {
    // A second eMSP without a tokens SENDER interface, holding a token with an existing uid.
    other = await aRegisteredPeer(platform, [aCredentialsRole({ country_code: 'DE', party_id: 'OTH' })]);
    await request(platform.url)
      .put('/ocpi/cpo/2.2.1/tokens/DE/OTH/ALLOW1')
      .set('Authorization', tokenHeader(other.tokenC))
      .send(aToken('ALLOW1', { party_id: 'OTH', contract_id: 'DE-OTH-1' }))
      .expect(201);
  });
  afterAll(() => other?.fake.close());

  test('a uid cached for two owners is refused without token_owner rather than guessed', async () => {
    const before = calls().length;
    const res = await authorize({ uid: 'ALLOW1' }).expect(200);
    expect(res.body).toMatchObject({ allowed: 'NOT_ALLOWED', source: 'STORE' });
    expect(res.body.info.text).toContain('token_owner');
    expect(calls()).toHaveLength(before);
  });

  test('token_owner picks the token; an owner without a tokens SENDER is unreachable, so ALLOWED falls back', async () => {
    const res = await authorize({ uid: 'ALLOW1', token_owner: { country_code: 'DE', party_id: 'OTH' } }).expect(200);
    expect(res.body).toMatchObject({ allowed: 'ALLOWED', source: 'FALLBACK', contract_id: 'DE-OTH-1' });
    expect(res.body.info.text).toContain('tokens SENDER');
    expect(other.fake.received.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});

describe('admin request validation', () => {
  test.each([
    ['a missing uid', {}, 'body.uid'],
    ['an empty uid', { uid: '' }, 'body.uid'],
    ['an over-long uid', { uid: 'X'.repeat(37) }, 'body.uid'],
    ['an unknown type', { uid: 'A', type: 'NFC' }, 'body.type'],
    ['a bad token_owner party_id', { uid: 'A', token_owner: { country_code: 'DE', party_id: 'TOOLONG' } }, 'body.token_owner.party_id'],
    ['a location without location_id', { uid: 'A', location: { evse_uids: ['E1'] } }, 'body.location.location_id'],
  ])('%s is refused with 400 naming the field', async (_name, body, field) => {
    const res = await authorize(body).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.fields.map((f: { path: string }) => f.path)).toContain(field);
  });

  test('a party that is not one of our CPO parties is 404', async () => {
    await authorize({ uid: 'ALWAYS1' }, 'NL/MSP').expect(404);
    await authorize({ uid: 'ALWAYS1' }, 'NL/ZZZ').expect(404);
  });

  test('the admin key is required', async () => {
    await request(platform.url).post('/admin/parties/NL/CPO/authorize').send({ uid: 'ALWAYS1' }).expect(401);
  });
});
