/**
 * Tokens RECEIVER interface of a CPO party (07-tokens §2.1): an eMSP peer pushes its tokens
 * with PUT/PATCH and reads our copy back with GET, over real HTTP and a real database.
 */
import { Token } from '../../../src/model/token.js';
import { aBusinessDetails, aCredentialsRole } from '../../helpers/builders.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../../helpers/registered-peer.js';

let platform: TestPlatform;
let emsp: RegisteredPeer;
let other: RegisteredPeer;

let clock = Date.parse('2026-01-01T00:00:00Z');
function later(): string {
  clock += 1000;
  return new Date(clock).toISOString();
}

function aToken(uid: string, overrides: Record<string, unknown> = {}) {
  return {
    country_code: 'DE',
    party_id: 'EMS',
    uid,
    type: 'RFID',
    contract_id: 'DE-EMS-C12345678-X',
    visual_number: 'DF000-2001-8999-1',
    issuer: 'Test eMSP',
    group_id: 'GROUP1',
    valid: true,
    whitelist: 'ALLOWED',
    language: 'de',
    default_profile_type: 'GREEN',
    energy_contract: { supplier_name: 'Green Power', contract_id: 'GP-1' },
    last_updated: later(),
    ...overrides,
  };
}

const url = (path: string) => `/ocpi/cpo/2.2.1/tokens${path}`;
const as = (peer: RegisteredPeer) => ({
  get: (path: string) => request(platform.url).get(url(path)).set('Authorization', tokenHeader(peer.tokenC)),
  put: (path: string, body: object) => request(platform.url).put(url(path)).set('Authorization', tokenHeader(peer.tokenC)).send(body),
  patch: (path: string, body: object) => request(platform.url).patch(url(path)).set('Authorization', tokenHeader(peer.tokenC)).send(body),
});
const stored = (uid: string) => platform.ctx.db.receivedToken.count({ where: { uidKey: uid.toUpperCase() } });

beforeAll(async () => {
  platform = await startTestPlatform('tokens_cpo_receiver');
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  emsp = await aRegisteredPeer(platform, [aCredentialsRole({ country_code: 'DE', party_id: 'EMS' })]);
  other = await aRegisteredPeer(platform, [aCredentialsRole({ country_code: 'DE', party_id: 'OTH' })]);
});

afterAll(async () => {
  await emsp?.fake.close();
  await other?.fake.close();
  await platform?.stop();
});

describe('PUT, GET and PATCH', () => {
  test('a PUT of a new token answers 201 without data, a second PUT replaces it with 200', async () => {
    const created = await as(emsp).put('/DE/EMS/TOK1', aToken('TOK1')).expect(201);
    expect(created.body).toMatchObject({ status_code: 1000 });
    expect(created.body).not.toHaveProperty('data');
    const replaced = await as(emsp)
      .put('/DE/EMS/TOK1', aToken('TOK1', { whitelist: 'NEVER', visual_number: null }))
      .expect(200);
    expect(replaced.body.status_code).toBe(1000);
    const token = Token.parse((await as(emsp).get('/DE/EMS/TOK1').expect(200)).body.data);
    expect(token).toMatchObject({ uid: 'TOK1', type: 'RFID', whitelist: 'NEVER', visual_number: null });
  });

  test('GET returns the stored Token with every field, answered from our CPO party', async () => {
    const body = aToken('TOK2');
    await as(emsp).put('/DE/EMS/TOK2', body).expect(201);
    const res = await as(emsp).get('/DE/EMS/TOK2').expect(200);
    expect(res.body.data).toEqual({ ...body, last_updated: new Date(body.last_updated).toISOString() });
    expect(res.headers).toMatchObject({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'CPO', 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'EMS' });
  });

  test('a PATCH changes only the given fields (invalidation with valid: false)', async () => {
    const stamp = later();
    const res = await as(emsp).patch('/DE/EMS/TOK2', { valid: false, last_updated: stamp }).expect(200);
    expect(res.body.status_code).toBe(1000);
    const token = (await as(emsp).get('/DE/EMS/TOK2').expect(200)).body.data;
    expect(token).toMatchObject({ valid: false, last_updated: stamp, whitelist: 'ALLOWED', contract_id: 'DE-EMS-C12345678-X' });
  });

  test('unknown fields in a body are ignored, not stored and not an error', async () => {
    await as(emsp)
      .put('/DE/EMS/TOK3', { ...aToken('TOK3'), custom_field: 'x' })
      .expect(201);
    expect((await as(emsp).get('/DE/EMS/TOK3').expect(200)).body.data).not.toHaveProperty('custom_field');
  });

  test('the stored token is what the real-time authorization will find (case-insensitive)', async () => {
    expect(await platform.ctx.services.receivedTokens.store.find('de', 'ems', 'tok1', 'RFID')).toMatchObject({ uid: 'TOK1', whitelist: 'NEVER' });
    expect(await platform.ctx.services.receivedTokens.store.find('DE', 'EMS', 'TOK1', 'APP_USER')).toBeNull();
  });
});

describe('token type is part of the identity', () => {
  test('?type=APP_USER keeps a token apart from the RFID token with the same uid', async () => {
    await as(emsp)
      .put('/DE/EMS/SHARED', aToken('SHARED', { contract_id: 'RFID-CONTRACT' }))
      .expect(201);
    await as(emsp)
      .put('/DE/EMS/SHARED?type=APP_USER', aToken('SHARED', { type: 'APP_USER', contract_id: 'APP-CONTRACT', whitelist: 'NEVER' }))
      .expect(201);
    await as(emsp).patch('/DE/EMS/SHARED?type=APP_USER', { valid: false, last_updated: later() }).expect(200);
    expect((await as(emsp).get('/DE/EMS/SHARED?type=APP_USER').expect(200)).body.data).toMatchObject({ type: 'APP_USER', contract_id: 'APP-CONTRACT', valid: false });
    expect((await as(emsp).get('/DE/EMS/SHARED?type=RFID').expect(200)).body.data).toMatchObject({ type: 'RFID', contract_id: 'RFID-CONTRACT', valid: true });
    expect(await stored('SHARED')).toBe(2);
  });

  test('without ?type= a uid held once is found whatever its type, a uid held twice means RFID, and a PUT keys on the body type', async () => {
    await as(emsp)
      .put('/DE/EMS/APPONLY?type=APP_USER', aToken('APPONLY', { type: 'APP_USER' }))
      .expect(201);
    expect((await as(emsp).get('/DE/EMS/APPONLY').expect(200)).body.data).toMatchObject({ type: 'APP_USER' });
    const res = await as(emsp)
      .put('/DE/EMS/APPONLY', aToken('APPONLY', { type: 'APP_USER', valid: false }))
      .expect(200);
    expect(res.body.status_code).toBe(1000);
    expect(await stored('APPONLY')).toBe(1);
    expect((await as(emsp).get('/DE/EMS/SHARED').expect(200)).body.data).toMatchObject({ type: 'RFID', contract_id: 'RFID-CONTRACT' });
  });

  test('a body type that differs from a given ?type= is a 2001 naming body.type', async () => {
    const res = await as(emsp)
      .put('/DE/EMS/APPONLY?type=RFID', aToken('APPONLY', { type: 'APP_USER' }))
      .expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain('body.type');
    expect(await stored('APPONLY')).toBe(1);
  });

  test('an unknown ?type= value is refused with 2001 naming the query parameter', async () => {
    const res = await as(emsp).get('/DE/EMS/TOK1?type=NFC').expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain('query.type');
  });
});

describe('Client Owned Object rules', () => {
  test("a write under a party the caller did not register is refused with 404 and leaves the owner's token untouched", async () => {
    await as(other)
      .put('/DE/OTH/OWNED', aToken('OWNED', { party_id: 'OTH', contract_id: 'ORIGINAL' }))
      .expect(201);
    const put = await as(emsp)
      .put('/DE/OTH/OWNED', aToken('OWNED', { party_id: 'OTH', contract_id: 'HIJACKED' }))
      .expect(404);
    expect(put.body).toMatchObject({ status_code: 2000 });
    expect(put.body.status_message).toContain('DE/OTH');
    await as(emsp).patch('/DE/OTH/OWNED', { valid: false, last_updated: later() }).expect(404);
    await as(emsp).get('/DE/OTH/OWNED').expect(404);
    expect((await as(other).get('/DE/OTH/OWNED').expect(200)).body.data).toMatchObject({ contract_id: 'ORIGINAL', valid: true });
  });

  test('a new token under a party the caller did not register is not stored', async () => {
    const res = await as(emsp)
      .put('/NL/XYZ/FOREIGN', aToken('FOREIGN', { country_code: 'NL', party_id: 'XYZ' }))
      .expect(404);
    expect(res.body.status_message).toContain('NL/XYZ');
    expect(await stored('FOREIGN')).toBe(0);
  });

  test.each([
    ['country_code', { country_code: 'NL' }],
    ['party_id', { party_id: 'OTH' }],
    ['uid', { uid: 'OTHERUID' }],
    ['type', { type: 'OTHER' }],
  ])('a PUT whose body %s does not match the URL is refused with 2001 naming the field and nothing is stored', async (field, override) => {
    const res = await as(emsp).put('/DE/EMS/MISMATCH?type=RFID', aToken('MISMATCH', override)).expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain(`body.${field}`);
    expect(await stored('MISMATCH')).toBe(0);
  });

  test('a PATCH that tries to change the uid is refused with 2001', async () => {
    const res = await as(emsp).patch('/DE/EMS/TOK1', { uid: 'TOK9', last_updated: later() }).expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain('body.uid');
  });

  test('ids are case-insensitive: the lower-case URL addresses the token stored upper-case', async () => {
    await as(emsp)
      .put('/de/ems/tok1', aToken('TOK1', { country_code: 'de', party_id: 'ems', whitelist: 'ALWAYS' }))
      .expect(200);
    expect((await as(emsp).get('/DE/EMS/Tok1').expect(200)).body.data).toMatchObject({ whitelist: 'ALWAYS' });
    await as(emsp).patch('/De/eMs/tOk1', { whitelist: 'ALLOWED_OFFLINE', last_updated: later() }).expect(200);
    expect((await as(emsp).get('/DE/EMS/TOK1').expect(200)).body.data.whitelist).toBe('ALLOWED_OFFLINE');
    expect(await stored('TOK1')).toBe(1);
  });
});

describe('PATCH and last_updated', () => {
  test('a PATCH without last_updated is refused with 2001 naming it', async () => {
    const res = await as(emsp).patch('/DE/EMS/TOK1', { valid: false }).expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain('last_updated');
    expect((await as(emsp).get('/DE/EMS/TOK1').expect(200)).body.data.valid).toBe(true);
  });

  test('a PATCH of an unknown token answers 404 (2004): PATCH cannot create a token', async () => {
    const res = await as(emsp).patch('/DE/EMS/NEVERPUT', { valid: false, last_updated: later() }).expect(404);
    expect(res.body.status_code).toBe(2004);
    expect(await stored('NEVERPUT')).toBe(0);
  });

  test('a GET of an unknown token answers 404 (2004)', async () => {
    expect((await as(emsp).get('/DE/EMS/NOPE').expect(404)).body.status_code).toBe(2004);
  });

  test('an update older than the stored version is acknowledged (1000) and ignored, by PUT and by PATCH', async () => {
    const current = (await as(emsp).get('/DE/EMS/TOK1').expect(200)).body.data;
    const old = '2020-01-01T00:00:00Z';
    const put = await as(emsp)
      .put('/DE/EMS/TOK1', aToken('TOK1', { valid: false, last_updated: old }))
      .expect(200);
    expect(put.body).toMatchObject({ status_code: 1000 });
    expect(put.body.status_message).toContain('older');
    const patch = await as(emsp).patch('/DE/EMS/TOK1', { valid: false, last_updated: old }).expect(200);
    expect(patch.body).toMatchObject({ status_code: 1000 });
    expect(patch.body.status_message).toContain('older');
    expect((await as(emsp).get('/DE/EMS/TOK1').expect(200)).body.data).toEqual(current);
  });
});

describe('validation', () => {
  const { contract_id: _omitted, ...withoutContract } = aToken('INVALID');
  test.each([
    ['an over-long uid', '/DE/EMS/INVALID', aToken('X'.repeat(37)), 'uid'],
    ['an over-long uid in the path', `/DE/EMS/${'X'.repeat(37)}`, aToken('X'.repeat(37)), 'path.token_uid'],
    ['an unknown whitelist value', '/DE/EMS/INVALID', aToken('INVALID', { whitelist: 'SOMETIMES' }), 'whitelist'],
    ['a missing contract_id', '/DE/EMS/INVALID', withoutContract, 'contract_id'],
    ['an issuer over 64 characters', '/DE/EMS/INVALID', aToken('INVALID', { issuer: 'i'.repeat(65) }), 'issuer'],
  ])('%s is refused with 2001 naming the field and nothing is stored', async (_name, path, body, field) => {
    const res = await as(emsp).put(path, body).expect(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain(`: ${field}: `);
    expect(await stored('INVALID')).toBe(0);
    expect(await stored('X'.repeat(37))).toBe(0);
  });

  test.each([
    ['an energy contract without supplier', aToken('REPAIRED1', { energy_contract: { contract_id: 'x' } }), 'energy_contract'],
    ['an unknown default_profile_type', aToken('REPAIRED2', { default_profile_type: 'TURBO' }), 'default_profile_type'],
  ])('%s (an optional field) is dropped by the receive profile and the token stored', async (_name, body, field) => {
    const res = await as(emsp).put(`/DE/EMS/${body.uid}`, body).expect(201);
    expect(res.body.status_code).toBe(1000);
    expect(res.body.status_message).toContain(field);
    expect((await as(emsp).get(`/DE/EMS/${body.uid}`).expect(200)).body.data).not.toHaveProperty(field);
  });

  test('an invalid field in a PATCH is dropped and reported; the token keeps its value', async () => {
    const before = (await as(emsp).get('/DE/EMS/TOK2').expect(200)).body.data;
    const res = await as(emsp).patch('/DE/EMS/TOK2', { whitelist: 'SOMETIMES', last_updated: later() }).expect(200);
    expect(res.body.status_code).toBe(1000);
    expect(res.body.status_message).toContain('whitelist (unknown_enum_value)');
    expect((await as(emsp).get('/DE/EMS/TOK2').expect(200)).body.data.whitelist).toBe(before.whitelist);
  });
});

describe('authentication', () => {
  test('Token A is refused with 401', async () => {
    const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
    const res = await request(platform.url).put(url('/DE/EMS/TOKA')).set('Authorization', tokenHeader(invitation.body.token)).send(aToken('TOKA')).expect(401);
    expect(res.body.status_code).toBe(2000);
    expect(await stored('TOKA')).toBe(0);
  });

  test('no token is refused with 401', async () => {
    await request(platform.url).get(url('/DE/EMS/TOK1')).expect(401);
  });

  test('the interface is advertised in the version details as the CPO tokens RECEIVER', async () => {
    const res = await request(platform.url).get('/ocpi/2.2.1').set('Authorization', tokenHeader(emsp.tokenC)).expect(200);
    expect(res.body.data.endpoints).toContainEqual({ identifier: 'tokens', role: 'RECEIVER', url: `${platform.url}/ocpi/cpo/2.2.1/tokens` });
  });
});
