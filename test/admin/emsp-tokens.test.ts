/**
 * eMSP backend API for tokens: the eMSP's system issues, changes, blocks and unblocks tokens;
 * each change reaches the CPO peers as a PUT (complete token) or a PATCH (what changed), with
 * routing headers, through the outbox.
 */
import { Token } from '../../src/model/token.js';
import { aBusinessDetails } from '../helpers/builders.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { type RegisteredCpo, aRegisteredCpo, anOwnToken, nextStamp } from '../helpers/emsp-tokens.js';
import { eventually } from '../helpers/eventually.js';
import { type TestPlatform, startTestPlatform } from '../helpers/platform.js';

let platform: TestPlatform;
let cpo: RegisteredCpo;
let noReceiver: RegisteredCpo;

const pushes = (uid: string) => cpo.fake.received.filter((r) => r.path === `/cpo/tokens/NL/MSP/${uid}`);
const queued = () => platform.ctx.db.outboxMessage.count({ where: { module: 'tokens' } });
const admin = () => platform.admin();

beforeAll(async () => {
  platform = await startTestPlatform('emsp_tokens_admin', { env: FAST_DELIVERY });
  await admin().post('/parties', { country_code: 'NL', party_id: 'MSP', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
  await admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  cpo = await aRegisteredCpo(platform, 'DE', 'CPA', { receiver: true });
  noReceiver = await aRegisteredCpo(platform, 'DE', 'CPB');
});

afterAll(async () => {
  await cpo?.fake.close();
  await noReceiver?.fake.close();
  await platform?.stop();
});

describe('create and replace', () => {
  test('PUT creates a token (201), stamps last_updated, and PUTs it to the CPO peer with routing headers', async () => {
    const res = await admin().put('/parties/NL/MSP/tokens/T1', anOwnToken('T1')).expect(201);
    expect(Token.parse(res.body)).toMatchObject({ uid: 'T1', type: 'RFID', valid: true });
    expect(Date.parse(res.body.last_updated)).toBeGreaterThan(Date.now() - 60_000);
    expect(res.body).toMatchObject({ expires_at: null, allowed_locations: null });
    await eventually(() => expect(pushes('T1')).toHaveLength(1));
    const put = pushes('T1')[0];
    expect(put).toMatchObject({ method: 'PUT', query: { type: 'RFID' } });
    expect(put.headers).toMatchObject({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'MSP', 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'CPA' });
    expect(Token.parse(put.body)).toMatchObject({ uid: 'T1', contract_id: 'NL-MSP-T1', last_updated: res.body.last_updated });
    // Only peers that advertise a tokens RECEIVER get it.
    expect(noReceiver.fake.received.filter((r) => r.path.startsWith('/cpo/tokens'))).toHaveLength(0);
  });

  test('a second PUT replaces (200) and is pushed as a complete token again; platform rules stay out of it', async () => {
    const res = await admin()
      .put('/parties/NL/MSP/tokens/T1', anOwnToken('T1', { contract_id: 'NL-MSP-NEW', expires_at: '2030-01-01T00:00:00Z', allowed_locations: [{ location_id: 'LOC1' }] }))
      .expect(200);
    expect(res.body).toMatchObject({ contract_id: 'NL-MSP-NEW', expires_at: '2030-01-01T00:00:00.000Z', allowed_locations: [{ location_id: 'LOC1' }] });
    await eventually(() => expect(pushes('T1')).toHaveLength(2));
    const put = pushes('T1')[1];
    expect(put.method).toBe('PUT');
    expect(put.body).toMatchObject({ contract_id: 'NL-MSP-NEW' });
    expect(put.body).not.toHaveProperty('expires_at');
    expect(put.body).not.toHaveProperty('allowed_locations');
  });

  test('the same uid with another type is another token', async () => {
    await admin()
      .put('/parties/NL/MSP/tokens/T1?type=APP_USER', anOwnToken('T1', { type: 'APP_USER', whitelist: 'NEVER' }))
      .expect(201);
    expect((await admin().get('/parties/NL/MSP/tokens/T1?type=APP_USER').expect(200)).body.whitelist).toBe('NEVER');
    expect((await admin().get('/parties/NL/MSP/tokens/t1').expect(200)).body.type).toBe('RFID');
    await eventually(() => expect(pushes('T1').filter((p) => p.query.type === 'APP_USER')).toHaveLength(1));
  });

  test('an older last_updated than the stored one is refused with 409', async () => {
    const res = await admin()
      .put('/parties/NL/MSP/tokens/T1', anOwnToken('T1', { last_updated: '2020-01-01T00:00:00Z' }))
      .expect(409);
    expect(res.body.error.code).toBe('conflict');
  });
});

describe('block, unblock and PATCH', () => {
  beforeAll(async () => {
    await admin().put('/parties/NL/MSP/tokens/B1', anOwnToken('B1')).expect(201);
    await eventually(() => expect(pushes('B1')).toHaveLength(1));
  });

  test('block pushes a PATCH {valid: false, last_updated}; unblock {valid: true, last_updated}', async () => {
    const blocked = await admin().post('/parties/NL/MSP/tokens/B1/block').expect(200);
    expect(blocked.body.valid).toBe(false);
    await eventually(() => expect(pushes('B1')).toHaveLength(2));
    expect(pushes('B1')[1]).toMatchObject({ method: 'PATCH', query: { type: 'RFID' }, body: { valid: false, last_updated: blocked.body.last_updated } });
    expect(Object.keys(pushes('B1')[1].body as object).sort()).toEqual(['last_updated', 'valid']);
    expect(pushes('B1')[1].headers).toMatchObject({ 'ocpi-from-party-id': 'MSP', 'ocpi-to-party-id': 'CPA' });

    const unblocked = await admin().post('/parties/NL/MSP/tokens/B1/unblock').expect(200);
    expect(Date.parse(unblocked.body.last_updated)).toBeGreaterThan(Date.parse(blocked.body.last_updated));
    await eventually(() => expect(pushes('B1')).toHaveLength(3));
    expect(pushes('B1')[2]).toMatchObject({ method: 'PATCH', body: { valid: true, last_updated: unblocked.body.last_updated } });
  });

  test('unblocking a valid token changes nothing and queues nothing', async () => {
    const before = await admin().get('/parties/NL/MSP/tokens/B1').expect(200);
    const count = await queued();
    const res = await admin().post('/parties/NL/MSP/tokens/B1/unblock').expect(200);
    expect(res.body.last_updated).toBe(before.body.last_updated);
    expect(await queued()).toBe(count);
  });

  test('PATCH pushes only the fields whose value changed, with last_updated', async () => {
    const res = await admin().patch('/parties/NL/MSP/tokens/B1', { contract_id: 'NL-MSP-B1-NEW', issuer: 'Test eMSP', whitelist: 'NEVER' }).expect(200);
    expect(res.body).toMatchObject({ contract_id: 'NL-MSP-B1-NEW', whitelist: 'NEVER' });
    await eventually(() => expect(pushes('B1')).toHaveLength(4));
    expect(pushes('B1')[3]).toMatchObject({ method: 'PATCH' });
    expect(pushes('B1')[3].body).toEqual({ contract_id: 'NL-MSP-B1-NEW', whitelist: 'NEVER', last_updated: res.body.last_updated });
  });

  test('a change of the platform rules alone is stored but neither pushed nor stamped', async () => {
    const before = await admin().get('/parties/NL/MSP/tokens/B1').expect(200);
    const count = await queued();
    const res = await admin().patch('/parties/NL/MSP/tokens/B1', { expires_at: '2031-01-01T00:00:00Z' }).expect(200);
    expect(res.body).toMatchObject({ expires_at: '2031-01-01T00:00:00.000Z', last_updated: before.body.last_updated });
    expect(await queued()).toBe(count);
  });

  test.each([
    ['an identity field', { uid: 'OTHER' }, 'body.uid'],
    ['a whitelist that is not a WhitelistType', { whitelist: 'SOMETIMES' }, 'body.whitelist'],
    ['an older last_updated', { valid: false, last_updated: '2020-01-01T00:00:00Z' }, 'older'],
  ])('PATCH with %s is refused and nothing is queued', async (_name, body, text) => {
    const count = await queued();
    const res = await admin().patch('/parties/NL/MSP/tokens/B1', body);
    expect([400, 409]).toContain(res.status);
    expect(res.body.error.message).toContain(text);
    expect(await queued()).toBe(count);
  });

  test('PATCH, block and GET of an unknown token are 404', async () => {
    await admin().patch('/parties/NL/MSP/tokens/NOPE', { valid: false }).expect(404);
    await admin().post('/parties/NL/MSP/tokens/NOPE/block').expect(404);
    await admin().get('/parties/NL/MSP/tokens/B1?type=APP_USER').expect(404);
  });
});

describe('validation and parties', () => {
  test.each([
    ['a country_code not matching the path', anOwnToken('V1', { country_code: 'DE' }), 'body.country_code'],
    ['a uid not matching the path', anOwnToken('V2'), 'body.uid'],
    ['a missing contract_id', anOwnToken('V1', { contract_id: undefined }), 'body.contract_id'],
    ['a whitelist that is not a WhitelistType', anOwnToken('V1', { whitelist: 'SOMETIMES' }), 'body.whitelist'],
    ['an expires_at with an offset', anOwnToken('V1', { expires_at: '2030-01-01T00:00:00+02:00' }), 'body.expires_at'],
    ['an allowed location without location_id', anOwnToken('V1', { allowed_locations: [{ evse_uids: ['E1'] }] }), 'body.allowed_locations.0.location_id'],
  ])('PUT with %s is 400 naming the field, and nothing is stored or queued', async (_name, body, field) => {
    const count = await queued();
    const res = await admin().put('/parties/NL/MSP/tokens/V1', body).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toContain(field);
    expect(res.body.error.fields.map((f: { path: string }) => f.path)).toContain(field);
    expect(await queued()).toBe(count);
    await admin().get('/parties/NL/MSP/tokens/V1').expect(404);
  });

  test('a type query parameter not matching the body is 400 naming body.type', async () => {
    const res = await admin().put('/parties/NL/MSP/tokens/V1?type=APP_USER', anOwnToken('V1')).expect(400);
    expect(res.body.error.fields).toEqual([{ path: 'body.type', message: expect.stringContaining('APP_USER') }]);
  });

  test('a party that is not a local eMSP is 404 on every route', async () => {
    for (const party of ['NL/CPO', 'XX/NOP']) {
      const [cc, pid] = party.split('/');
      await admin()
        .put(`/parties/${party}/tokens/T9`, anOwnToken('T9', { country_code: cc, party_id: pid }))
        .expect(404);
      await admin().get(`/parties/${party}/tokens`).expect(404);
      await admin().get(`/parties/${party}/tokens/T9`).expect(404);
      await admin().post(`/parties/${party}/tokens/T9/block`).expect(404);
    }
  });
});

describe('list', () => {
  const stamps: string[] = [];
  beforeAll(async () => {
    await admin().post('/parties', { country_code: 'NL', party_id: 'LST', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
    for (const [uid, valid] of [
      ['A', true],
      ['B', false],
      ['C', true],
      ['D', true],
    ] as const) {
      stamps.push(nextStamp());
      await admin()
        .put(`/parties/NL/LST/tokens/${uid}`, anOwnToken(uid, { country_code: 'NL', party_id: 'LST', valid, last_updated: stamps[stamps.length - 1] }))
        .expect(201);
    }
  });

  test('lists oldest change first with offset and limit and the total', async () => {
    const res = await admin().get('/parties/NL/LST/tokens?offset=1&limit=2').expect(200);
    expect(res.body).toMatchObject({ total: 4, offset: 1, limit: 2 });
    expect(res.body.items.map((t: { uid: string }) => t.uid)).toEqual(['B', 'C']);
  });

  test('filters by valid and updated_since', async () => {
    const invalid = await admin().get('/parties/NL/LST/tokens?valid=false').expect(200);
    expect(invalid.body.items.map((t: { uid: string }) => t.uid)).toEqual(['B']);
    const since = await admin().get(`/parties/NL/LST/tokens?valid=true&updated_since=${stamps[2]}`).expect(200);
    expect(since.body).toMatchObject({ total: 2 });
    expect(since.body.items.map((t: { uid: string }) => t.uid)).toEqual(['C', 'D']);
  });

  test('bad filters are 400 naming the query parameter', async () => {
    const res = await admin().get('/parties/NL/LST/tokens?valid=maybe&limit=0').expect(400);
    expect(res.body.error.message).toContain('query.valid');
    expect(res.body.error.message).toContain('query.limit');
  });
});
