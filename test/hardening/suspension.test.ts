/**
 * Suspension is the operator's decision (issue 13, item 1): no credentials exchange, neither
 * the peer's own PUT nor our rotation, brings a suspended connection back to REGISTERED.
 */
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { ok } from '../helpers/fake-peer.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../helpers/registered-peer.js';

let platform: TestPlatform;
const peers: RegisteredPeer[] = [];

beforeAll(async () => {
  platform = await startTestPlatform('hardening_suspension');
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
});

afterAll(async () => {
  for (const p of peers) await p.fake.close();
  await platform.stop();
});

async function aSuspendedPeer(partyId: string): Promise<RegisteredPeer> {
  const peer = await aRegisteredPeer(platform, [aCredentialsRole({ party_id: partyId })]);
  peers.push(peer);
  await platform.admin().post(`/peers/${peer.peerId}/suspend`).expect(200);
  return peer;
}

const statusOf = async (peerId: string) => (await platform.ctx.db.peer.findUniqueOrThrow({ where: { id: peerId } })).status;
const locations = (token: string) => request(platform.url).get('/ocpi/cpo/2.2.1/locations').set('Authorization', tokenHeader(token));

/** The peer's own rotation: credentials PUT with a new token B, answered with our new token C. */
async function peerRotates(peer: RegisteredPeer, partyId: string): Promise<string> {
  const newB = `rotated-${Math.random().toString(36).slice(2)}`;
  peer.fake.acceptedTokens.add(newB);
  const res = await request(platform.url)
    .put('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(peer.tokenC))
    .send({ token: newB, url: peer.fake.versionsUrl, roles: [aCredentialsRole({ party_id: partyId })] });
  expect(res.body.status_code).toBe(1000);
  return res.body.data.token;
}

test("a suspended peer's own credentials PUT keeps the connection SUSPENDED, and its new token is still refused", async () => {
  const peer = await aSuspendedPeer('SU1');
  const newC = await peerRotates(peer, 'SU1');
  expect(await statusOf(peer.peerId)).toBe('SUSPENDED');
  const refused = await locations(newC).expect(403);
  expect(refused.body.status_message).toContain('suspended');
  // The operator's resume is still what brings it back.
  await platform.admin().post(`/peers/${peer.peerId}/resume`).expect(200);
  expect((await locations(newC).expect(200)).body.status_code).toBe(1000);
});

test("a suspension the operator makes while the peer's PUT is in flight is kept", async () => {
  const peer = await aRegisteredPeer(platform, [aCredentialsRole({ party_id: 'SU2' })]);
  peers.push(peer);
  // Our platform calls the peer's versions back during the PUT: suspend right then.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let calledBack!: () => void;
  const callback = new Promise<void>((r) => (calledBack = r));
  peer.fake.on('GET', '/versions', async (_req, res) => {
    calledBack();
    await held;
    res.json(ok([{ version: '2.2.1', url: `${peer.fake.url}/2.2.1` }]));
  });
  const newB = 'rotated-in-flight';
  peer.fake.acceptedTokens.add(newB);
  const put = request(platform.url)
    .put('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(peer.tokenC))
    .send({ token: newB, url: peer.fake.versionsUrl, roles: [aCredentialsRole({ party_id: 'SU2' })] })
    .then((r) => r);
  await callback;
  await platform.admin().post(`/peers/${peer.peerId}/suspend`).expect(200);
  release();
  const res = await put;
  expect(res.body.status_code).toBe(1000);
  expect(await statusOf(peer.peerId)).toBe('SUSPENDED');
  await locations(res.body.data.token).expect(403);
});

test('our own rotation (POST /admin/peers/{id}/rotate) of a suspended peer keeps it SUSPENDED, with no moment of REGISTERED', async () => {
  const peer = await aSuspendedPeer('SU3');
  const seen: string[] = [];
  peer.fake.on('PUT', '/2.2.1/credentials', async (_req, res) => {
    peer.fake.acceptedTokens.add('peer-new-token-b');
    res.json(ok({ token: 'peer-new-token-b', url: peer.fake.versionsUrl, roles: [aCredentialsRole({ party_id: 'SU3' })] }));
  });
  // Watch the stored status while the rotation runs: it must never read REGISTERED.
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      seen.push(await statusOf(peer.peerId));
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const rotated = await platform.admin().post(`/peers/${peer.peerId}/rotate`).expect(200);
  watching = false;
  await watcher;
  expect(rotated.body.status).toBe('SUSPENDED');
  expect(await statusOf(peer.peerId)).toBe('SUSPENDED');
  expect(seen).not.toContain('REGISTERED');
});

test('a registration (Token A) is still what makes a connection REGISTERED', async () => {
  const peer = await aRegisteredPeer(platform, [aCredentialsRole({ party_id: 'SU4' })]);
  peers.push(peer);
  expect(await statusOf(peer.peerId)).toBe('REGISTERED');
  const newC = await peerRotates(peer, 'SU4');
  expect(await statusOf(peer.peerId)).toBe('REGISTERED');
  await locations(newC).expect(200);
});
