/** Admin API: invitations, connecting to peers and what goes wrong doing it, suspension. */
import { aBusinessDetails, aCredentialsRole, aParty } from '../helpers/builders.js';
import { type FakePeer, ok, startFakePeer } from '../helpers/fake-peer.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { aRegisteredPeer } from '../helpers/registered-peer.js';

let platform: TestPlatform;
let fake: FakePeer;
beforeAll(async () => {
  platform = await startTestPlatform('admin_peers');
  fake = await startFakePeer();
});
afterAll(async () => {
  await fake.close();
  await platform.stop();
});

test('connecting before any local party exists is a 409 that says why', async () => {
  const res = await platform.admin().post('/peers/connect', { versions_url: fake.versionsUrl, token: 'a' }).expect(409);
  expect(res.body.error.message).toContain('no local parties');
  await platform
    .admin()
    .post('/parties', aParty({ country_code: 'NL', party_id: 'CPO' }))
    .expect(201);
});

test('connect registers with a peer: POST credentials with Token A, stores token C and roles', async () => {
  fake.received.length = 0;
  fake.on('POST', '/2.2.1/credentials', (req, res) => {
    res.json(ok({ token: 'token-c-from-peer', url: fake.versionsUrl, roles: [aCredentialsRole({ country_code: 'DE', party_id: 'ABC' })] }));
  });
  const res = await platform.admin().post('/peers/connect', { versions_url: fake.versionsUrl, token: 'token-a-from-peer' }).expect(201);
  expect(res.body).toMatchObject({ status: 'REGISTERED', roles: [{ role: 'EMSP', country_code: 'DE', party_id: 'ABC' }], auth_encoding: 'base64' });
  const post = fake.received.find((r) => r.method === 'POST')!;
  expect(post.headers['authorization']).toBe(tokenHeader('token-a-from-peer'));
  const tokenB = (post.body as { token: string }).token;
  expect((await request(platform.url).get('/ocpi/versions').set('Authorization', tokenHeader(tokenB))).status).toBe(200);
});

test('a legacy peer that only takes raw tokens is detected and remembered', async () => {
  const legacy = await startFakePeer();
  legacy.on('GET', '/versions', (req, res) => {
    if (req.get('authorization') !== 'Token legacy-a') return void res.status(401).json({ status_code: 2000, timestamp: new Date().toISOString() });
    res.json(ok([{ version: '2.2.1', url: `${legacy.url}/2.2.1` }]));
  });
  legacy.on('POST', '/2.2.1/credentials', (_req, res) => void res.json(ok({ token: 'legacy-c', url: legacy.versionsUrl, roles: [aCredentialsRole({ party_id: 'LEG' })] })));
  const res = await platform.admin().post('/peers/connect', { versions_url: legacy.versionsUrl, token: 'legacy-a' }).expect(201);
  expect(res.body.auth_encoding).toBe('raw');
  expect(legacy.received.find((r) => r.method === 'POST')!.headers['authorization']).toBe('Token legacy-a');
  await legacy.close();
});

test.each([
  ['a versions URL refused by the outbound policy', { versions_url: 'http://169.254.169.254/versions', token: 'a' }, 422],
  ['an unreachable peer', { versions_url: 'http://127.0.0.1:9/versions', token: 'a' }, 502],
  ['a body without token', { versions_url: 'http://127.0.0.1:9/versions' }, 400],
])('%s is refused with %s and leaves no peer behind', async (_name, body, status) => {
  const before = (await platform.admin().get('/peers')).body.length;
  const res = await platform.admin().post('/peers/connect', body).expect(status);
  expect(res.body.error.message).toEqual(expect.any(String));
  expect((await platform.admin().get('/peers')).body.length).toBe(before);
});

test('a peer that refuses our POST leaves no peer and no live token B behind', async () => {
  const refusing = await startFakePeer();
  refusing.on('POST', '/2.2.1/credentials', (_req, res) => void res.json({ status_code: 2001, status_message: 'roles: bad', timestamp: new Date().toISOString() }));
  const res = await platform.admin().post('/peers/connect', { versions_url: refusing.versionsUrl, token: 'x' }).expect(502);
  expect(res.body.error).toMatchObject({ code: 'ocpi_2001', message: expect.stringContaining('roles: bad') });
  const tokenB = (refusing.received.find((r) => r.method === 'POST')!.body as { token: string }).token;
  expect((await request(platform.url).get('/ocpi/versions').set('Authorization', tokenHeader(tokenB))).status).toBe(401);
  await refusing.close();
});

test('suspend and resume change the status; a pending invitation cannot be suspended', async () => {
  const peer = await aRegisteredPeer(platform, [aCredentialsRole({ party_id: 'SUS' })]);
  expect((await platform.admin().post(`/peers/${peer.peerId}/suspend`).expect(200)).body.status).toBe('SUSPENDED');
  expect((await platform.admin().post(`/peers/${peer.peerId}/resume`).expect(200)).body.status).toBe('REGISTERED');
  const { body: invite } = await platform.admin().post('/peers/invitations', {}).expect(201);
  await platform.admin().post(`/peers/${invite.peer_id}/suspend`).expect(409);
  await peer.fake.close();
});

test('an invitation can be withdrawn, which kills its Token A', async () => {
  const { body: invite } = await platform.admin().post('/peers/invitations', { label: 'later' }).expect(201);
  const res = await platform.admin().delete(`/peers/${invite.peer_id}`).expect(200);
  expect(res.body.remote).toBe('invitation withdrawn');
  expect((await request(platform.url).get('/ocpi/versions').set('Authorization', tokenHeader(invite.token))).status).toBe(401);
});

test('an expired Token A is refused', async () => {
  const { body: invite } = await platform.admin().post('/peers/invitations', {}).expect(201);
  await platform.ctx.db.peerCredential.updateMany({ where: { peerId: invite.peer_id }, data: { expiresAt: new Date(Date.now() - 1000) } });
  platform.ctx.peerAuth.evict();
  expect((await request(platform.url).get('/ocpi/versions').set('Authorization', tokenHeader(invite.token))).status).toBe(401);
  expect(await platform.ctx.peerStore.deleteExpiredInvitations(new Date())).toBeGreaterThanOrEqual(1);
  await platform.admin().get(`/peers/${invite.peer_id}`).expect(404);
});

test('auth_encoding can be set per peer', async () => {
  const peer = await aRegisteredPeer(platform, [aCredentialsRole({ party_id: 'ENC' })]);
  const res = await platform.admin().patch(`/peers/${peer.peerId}`, { auth_encoding: 'raw' }).expect(200);
  expect(res.body.auth_encoding).toBe('raw');
  await platform.admin().patch(`/peers/${peer.peerId}`, { auth_encoding: 'hex' }).expect(400);
  await peer.fake.close();
});

test('unknown peer ids are 404, malformed ones 400', async () => {
  await platform.admin().get('/peers/00000000-0000-0000-0000-000000000000').expect(404);
  const res = await platform.admin().get('/peers/not-a-uuid').expect(400);
  expect(res.body.error.fields[0].path).toBe('path.id');
});

test('tokens do not appear in admin peer views', async () => {
  const list = JSON.stringify((await platform.admin().get('/peers')).body);
  expect(list).not.toContain('token-c-from-peer');
  expect(list).not.toContain('token_enc');
  expect(aBusinessDetails).toBeDefined();
});
