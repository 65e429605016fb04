/**
 * Credentials module as server (digest 01 §2-4): registration with Token A, the 405 rules,
 * 3001/3002/3003 when the caller's own endpoints are unusable, and body validation.
 */
import { aBusinessDetails, aCredentialsRole } from '../../helpers/builders.js';
import { type FakePeer, ok, startFakePeer } from '../../helpers/fake-peer.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { aRegisteredPeer } from '../../helpers/registered-peer.js';

let platform: TestPlatform;
let fake: FakePeer;

beforeAll(async () => {
  platform = await startTestPlatform('credentials_server');
  await platform
    .admin()
    .post('/parties', { country_code: 'NL', party_id: 'CPO', roles: ['CPO', 'EMSP'], business_details: aBusinessDetails('Both') })
    .expect(201);
  fake = await startFakePeer();
});

afterAll(async () => {
  await fake?.close();
  await platform?.stop();
});

async function invitation(): Promise<string> {
  return (await platform.admin().post('/peers/invitations', {}).expect(201)).body.token;
}

const credentials = (token: string) => request(platform.url).post('/ocpi/2.2.1/credentials').set('Authorization', tokenHeader(token));
const body = (overrides: object = {}) => ({ token: 'their-token-b', url: fake.versionsUrl, roles: [aCredentialsRole()], ...overrides });

test('GET with Token A returns Token A, our versions URL and one role per party role', async () => {
  const tokenA = await invitation();
  const res = await request(platform.url).get('/ocpi/2.2.1/credentials').set('Authorization', tokenHeader(tokenA));
  expect(res.body.status_code).toBe(1000);
  expect(res.body.data).toEqual({
    token: tokenA,
    url: `${platform.url}/ocpi/versions`,
    roles: [
      { role: 'CPO', country_code: 'NL', party_id: 'CPO', business_details: aBusinessDetails('Both') },
      { role: 'EMSP', country_code: 'NL', party_id: 'CPO', business_details: aBusinessDetails('Both') },
    ],
  });
});

test('POST registers: we read the caller versions with its token B, and answer with a new token C', async () => {
  const tokenA = await invitation();
  fake.received.length = 0;
  const res = await credentials(tokenA).send(body({ token: 'token-b-1' }));
  expect(res.status).toBe(200);
  expect(res.body.status_code).toBe(1000);
  expect(res.body.data.token).toMatch(/^[\x21-\x7e]{32,64}$/);
  expect(res.body.data.token).not.toBe(tokenA);
  expect(fake.received.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /versions', 'GET /2.2.1']);
  expect(fake.received[0].headers['authorization']).toBe(tokenHeader('token-b-1'));
  // Token C works on everything, a second POST with it is a 405.
  const again = await credentials(res.body.data.token).send(body({ token: 'token-b-2' }));
  expect(again.status).toBe(405);
  expect(again.body.status_code).toBe(2000);
});

test('Token A cannot register twice', async () => {
  const tokenA = await invitation();
  await credentials(tokenA)
    .send(body({ roles: [aCredentialsRole({ party_id: 'TWO' })] }))
    .expect(200);
  expect((await credentials(tokenA).send(body())).status).toBe(401);
});

test('two simultaneous POSTs with one Token A register once', async () => {
  const tokenA = await invitation();
  const results = await Promise.all([1, 2].map(() => credentials(tokenA).send(body({ roles: [aCredentialsRole({ party_id: 'SIM' })] }))));
  const codes = results.map((r) => r.status).sort();
  expect(codes[0]).toBe(200);
  expect([401, 405]).toContain(codes[1]);
});

test('PUT and DELETE before registration answer 405', async () => {
  const tokenA = await invitation();
  const put = await request(platform.url).put('/ocpi/2.2.1/credentials').set('Authorization', tokenHeader(tokenA)).send(body());
  expect(put.status).toBe(405);
  const del = await request(platform.url).delete('/ocpi/2.2.1/credentials').set('Authorization', tokenHeader(tokenA));
  expect(del.status).toBe(405);
  expect(del.body.status_code).toBe(2000);
});

test('PUT after registration re-reads the endpoints with the new token and rotates ours', async () => {
  const peer = await aRegisteredPeer(platform, [aCredentialsRole({ party_id: 'PUT' })]);
  peer.fake.acceptedTokens.add('rotated-b');
  peer.fake.received.length = 0;
  const res = await request(platform.url)
    .put('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(peer.tokenC))
    .send({ token: 'rotated-b', url: peer.fake.versionsUrl, roles: [aCredentialsRole({ party_id: 'PUT' })] });
  expect(res.body.status_code).toBe(1000);
  expect(peer.fake.received.map((r) => r.headers['authorization'])).toEqual([tokenHeader('rotated-b'), tokenHeader('rotated-b')]);
  expect((await request(platform.url).get('/ocpi/versions').set('Authorization', tokenHeader(peer.tokenC))).status).toBe(401);
  expect((await request(platform.url).get('/ocpi/versions').set('Authorization', tokenHeader(res.body.data.token))).status).toBe(200);
  await peer.fake.close();
});

test('DELETE unregisters: the token dies and a second DELETE is refused', async () => {
  const peer = await aRegisteredPeer(platform, [aCredentialsRole({ party_id: 'DEL' })]);
  const res = await request(platform.url).delete('/ocpi/2.2.1/credentials').set('Authorization', tokenHeader(peer.tokenC));
  expect(res.status).toBe(200);
  expect(res.body.status_code).toBe(1000);
  expect(res.body.data).toBeUndefined();
  const again = await request(platform.url).delete('/ocpi/2.2.1/credentials').set('Authorization', tokenHeader(peer.tokenC));
  expect(again.status).toBe(401);
  const admin = await platform.admin().get(`/peers/${peer.peerId}`).expect(200);
  expect(admin.body.status).toBe('UNREGISTERED');
  await peer.fake.close();
});

describe('the caller endpoints are unusable', () => {
  // A party no other test registers, so the role check passes and discovery is what fails.
  const body = (overrides: object = {}) => ({ token: 'their-token-b', url: fake.versionsUrl, roles: [aCredentialsRole({ party_id: 'UNU' })], ...overrides });

  test('versions unreachable: 3001, and Token A stays usable for a retry', async () => {
    const tokenA = await invitation();
    const res = await credentials(tokenA).send(body({ url: 'http://127.0.0.1:9/versions' }));
    expect(res.status).toBe(200);
    expect(res.body.status_code).toBe(3001);
    expect((await request(platform.url).get('/ocpi/versions').set('Authorization', tokenHeader(tokenA))).status).toBe(200);
  });

  test('no 2.2.1 in the caller version list: 3002', async () => {
    const old = await startFakePeer();
    old.on('GET', '/versions', (_req, res) => void res.json(ok([{ version: '2.1.1', url: `${old.url}/2.1.1` }])));
    const res = await credentials(await invitation()).send(body({ url: old.versionsUrl }));
    expect(res.body.status_code).toBe(3002);
    await old.close();
  });

  test('no credentials endpoint in the caller 2.2.1 details: 3003', async () => {
    const odd = await startFakePeer();
    odd.on('GET', '/2.2.1', (_req, res) => void res.json(ok({ version: '2.2.1', endpoints: [{ identifier: 'locations', role: 'RECEIVER', url: `${odd.url}/locations` }] })));
    const res = await credentials(await invitation()).send(body({ url: odd.versionsUrl }));
    expect(res.body.status_code).toBe(3003);
    await odd.close();
  });

  test('the caller rejects token B: 3001', async () => {
    const strict = await startFakePeer();
    strict.acceptedTokens.add('something-else');
    const res = await credentials(await invitation()).send(body({ url: strict.versionsUrl }));
    expect(res.body.status_code).toBe(3001);
    await strict.close();
  });
});

describe('invalid credentials bodies are a 2001 naming the field', () => {
  test.each([
    ['empty roles', { roles: [] }, 'roles'],
    ['token over 64 characters', { token: 'x'.repeat(65) }, 'token'],
    ['token with a space', { token: 'a b' }, 'token'],
    ['unknown role', { roles: [aCredentialsRole({ role: 'DRIVER' })] }, 'roles.0.role'],
    ['party_id of 4 characters', { roles: [aCredentialsRole({ party_id: 'ABCD' })] }, 'roles.0.party_id'],
    ['missing business_details', { roles: [{ role: 'EMSP', country_code: 'DE', party_id: 'EMS' }] }, 'roles.0.business_details'],
    ['duplicate roles', { roles: [aCredentialsRole(), aCredentialsRole()] }, 'roles.1'],
    ['url not http', { url: 'ftp://example.com/versions' }, 'url'],
    ['missing url', { url: undefined }, 'url'],
  ])('%s', async (_name, overrides, field) => {
    const res = await credentials(await invitation()).send(body(overrides));
    expect(res.status).toBe(200);
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain(field);
  });

  test('a role naming one of our own parties is refused', async () => {
    const res = await credentials(await invitation()).send(body({ roles: [aCredentialsRole({ country_code: 'NL', party_id: 'CPO' })] }));
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain('NL/CPO');
  });

  test('a URL pointing at a link-local (metadata) address is refused without calling it', async () => {
    const res = await credentials(await invitation()).send(body({ url: 'http://169.254.169.254/latest/meta-data' }));
    expect(res.body.status_code).toBe(2001);
    expect(res.body.status_message).toContain('url');
  });
});
