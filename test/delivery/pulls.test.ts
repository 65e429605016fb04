/**
 * Scheduled pulls: a first full pull when a peer connects, incremental pulls (date_from = start
 * of the last successful one) after that, a full one again on admin resync, errors recorded.
 */
import type { PullContext } from '../../src/delivery/pulls.js';
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../helpers/fake-peer.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';

let platform: TestPlatform;
let fake: FakePeer;
let peerId: string;
const pulls: Array<{ since: Date | null; items: string[] }> = [];
let failNext = false;

beforeAll(async () => {
  platform = await startTestPlatform('pulls', { env: FAST_DELIVERY });
  platform.ctx.pulls.register({
    module: 'locations',
    appliesTo: (peer) => peer.endpoints.some((e) => e.identifier === 'locations' && e.role === 'SENDER'),
    async pull({ app, peer, token, since }: PullContext) {
      if (failNext) {
        failNext = false;
        throw new Error('peer answered 3000');
      }
      const url = peer.endpoints.find((e) => e.identifier === 'locations' && e.role === 'SENDER')!.url;
      const items: string[] = [];
      for await (const page of app.client.paginate<{ id: string }>({
        method: 'GET',
        url,
        token,
        encoding: peer.authEncoding,
        query: { limit: 2, ...(since ? { date_from: since.toISOString() } : {}) },
      })) {
        items.push(...page.map((p) => p.id));
      }
      pulls.push({ since, items });
      return items.length;
    },
  });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'EMS', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
  fake = await startFakePeer([{ identifier: 'locations', role: 'SENDER', path: '/cpo/locations' }]);
  fake.on('GET', '/cpo/locations', (req, res) => {
    const all = ['L1', 'L2', 'L3', 'L4', 'L5'].map((id) => ({ id }));
    const set = req.query.date_from ? all.slice(4) : all;
    const offset = Number(req.query.offset ?? 0);
    const limit = Number(req.query.limit ?? 2);
    if (offset + limit < set.length)
      res.set('Link', `<${fake.url}/cpo/locations?offset=${offset + limit}&limit=${limit}${req.query.date_from ? `&date_from=${req.query.date_from}` : ''}>; rel="next"`);
    res.set('X-Total-Count', String(set.length)).json(ok(set.slice(offset, offset + limit)));
  });
  fake.acceptedTokens.add('pull-token-b');
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  peerId = invitation.body.peer_id;
  await request(platform.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: 'pull-token-b', url: fake.versionsUrl, roles: [aCredentialsRole({ role: 'CPO', party_id: 'CPX' })] })
    .expect(200);
});

afterAll(async () => {
  await fake?.close();
  await platform?.stop();
});

const makeDue = () => platform.ctx.db.pullState.updateMany({ where: { peerId }, data: { nextPullAt: new Date() } });

test('a newly connected peer is pulled in full, following every page', async () => {
  await eventually(() => expect(pulls).toHaveLength(1), 15000);
  expect(pulls[0]).toEqual({ since: null, items: ['L1', 'L2', 'L3', 'L4', 'L5'] });
  // The handler has returned; the scheduler records the outcome right after.
  const state = await eventually(async () => {
    const res = await platform.admin().get(`/peers/${peerId}/pulls`).expect(200);
    expect(res.body).toEqual([expect.objectContaining({ module: 'locations', last_count: 5, last_error: null, last_success_at: expect.any(String) })]);
    return res;
  });
  // The next regular pull is hours away (interval plus splay).
  expect(new Date(state.body[0].next_pull_at).getTime()).toBeGreaterThan(Date.now() + 60 * 60_000);
});

test('the next pull is incremental from the start of the last successful one', async () => {
  const before = (await platform.ctx.db.pullState.findFirstOrThrow({ where: { peerId } })).lastSuccessAt!;
  await makeDue();
  await eventually(() => expect(pulls).toHaveLength(2), 15000);
  expect(pulls[1].since?.toISOString()).toBe(before.toISOString());
  expect(pulls[1].items).toEqual(['L5']);
});

test('a failed pull is recorded and retried later', async () => {
  failNext = true;
  await makeDue();
  await eventually(async () => expect((await platform.admin().get(`/peers/${peerId}/pulls`)).body[0].last_error).toBe('peer answered 3000'), 15000);
  const state = (await platform.admin().get(`/peers/${peerId}/pulls`)).body[0];
  expect(new Date(state.next_pull_at).getTime()).toBeLessThan(Date.now() + 10 * 60_000);
});

test('an admin resync makes the next pull a full one, now', async () => {
  const count = pulls.length;
  const res = await platform
    .admin()
    .post(`/peers/${peerId}/resync`, { modules: ['locations'] })
    .expect(200);
  expect(res.body.pulls_reset).toBe(1);
  await eventually(() => expect(pulls.length).toBe(count + 1), 15000);
  expect(pulls[count]).toEqual({ since: null, items: ['L1', 'L2', 'L3', 'L4', 'L5'] });
});
