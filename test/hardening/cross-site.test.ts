/**
 * A page in the operator's browser cannot use the admin API or change the queue dashboard
 * (issue 13, item 2): cross-site requests are refused (Fetch metadata, Origin), changes take
 * JSON bodies only, Basic credentials work on the dashboard alone and only read there.
 */
import { aBusinessDetails } from '../helpers/builders.js';
import { ADMIN_KEY, type TestPlatform, request, startTestPlatform } from '../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../helpers/registered-peer.js';

let platform: TestPlatform;
let peer: RegisteredPeer;

const BEARER = `Bearer ${ADMIN_KEY}`;
const BASIC = `Basic ${Buffer.from(`ops:${ADMIN_KEY}`).toString('base64')}`;

beforeAll(async () => {
  platform = await startTestPlatform('hardening_cross_site');
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  peer = await aRegisteredPeer(platform);
});

afterAll(async () => {
  await peer.fake.close();
  await platform.stop();
});

const statusOf = async () => (await platform.ctx.db.peer.findUniqueOrThrow({ where: { id: peer.peerId } })).status;
const suspend = () => request(platform.url).post(`/admin/peers/${peer.peerId}/suspend`);

describe('cross-site requests', () => {
  test.each(['cross-site', 'same-site'])('a change with Sec-Fetch-Site: %s is 403 even with the admin key, and changes nothing', async (site) => {
    const res = await suspend().set('Authorization', BEARER).set('Sec-Fetch-Site', site).send({});
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('cross_site');
    expect(await statusOf()).toBe('REGISTERED');
  });

  test.each(['https://evil.example', 'null', 'http://127.0.0.1.evil.example', 'http://127.0.0.1:1'])('a change with Origin %s is 403 and changes nothing', async (origin) => {
    const res = await suspend().set('Authorization', BEARER).set('Origin', origin).send({});
    expect(res.status).toBe(403);
    expect(await statusOf()).toBe('REGISTERED');
  });

  test('the dashboard refuses a cross-site request even with the browser’s Basic credentials', async () => {
    await request(platform.url).get('/admin/queues').set('Authorization', BASIC).set('Sec-Fetch-Site', 'cross-site').expect(403);
    await request(platform.url).get('/admin/queues/api/queues').set('Authorization', BASIC).set('Origin', 'https://evil.example').expect(403);
  });

  test('same-origin requests (Origin of the platform, Sec-Fetch-Site same-origin or none) and tools sending neither pass', async () => {
    await request(platform.url).get('/admin/peers').set('Authorization', BEARER).set('Origin', platform.url).set('Sec-Fetch-Site', 'same-origin').expect(200);
    await request(platform.url).get('/admin/queues').set('Authorization', BASIC).set('Sec-Fetch-Site', 'none').expect(200);
    await request(platform.url).get('/admin/peers').set('Authorization', BEARER).expect(200);
  });
});

describe('simple (no-preflight) bodies', () => {
  test.each([
    ['text/plain', '{}'],
    ['application/x-www-form-urlencoded', 'a=b'],
    ['multipart/form-data; boundary=x', '--x--'],
  ])('suspend, resume and resync with a %s body are 415 and change nothing', async (type, body) => {
    for (const action of ['suspend', 'resume', 'resync']) {
      const res = await request(platform.url).post(`/admin/peers/${peer.peerId}/${action}`).set('Authorization', BEARER).set('Content-Type', type).send(body);
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('unsupported_media_type');
    }
    expect(await statusOf()).toBe('REGISTERED');
  });

  test('a JSON body, or none at all, is accepted', async () => {
    await suspend().set('Authorization', BEARER).send({}).expect(200);
    await request(platform.url).post(`/admin/peers/${peer.peerId}/resume`).set('Authorization', BEARER).expect(200);
    expect(await statusOf()).toBe('REGISTERED');
  });
});

describe('Basic credentials', () => {
  test('the admin API refuses Basic credentials (401), for reads and changes', async () => {
    const change = await suspend().set('Authorization', BASIC).send({});
    expect(change.status).toBe(401);
    expect(change.body.error.message).toContain('dashboard only');
    await request(platform.url).get('/admin/peers').set('Authorization', BASIC).expect(401);
    expect(await statusOf()).toBe('REGISTERED');
  });

  test('the dashboard reads with Basic credentials, as a read-only board', async () => {
    const page = await request(platform.url).get('/admin/queues').set('Authorization', BASIC).expect(200);
    expect(page.text.toLowerCase()).toContain('<html');
    const queues = await request(platform.url).get('/admin/queues/api/queues').set('Authorization', BASIC).expect(200);
    expect(queues.body.queues.length).toBeGreaterThan(0);
    expect(queues.body.queues.every((q: { readOnlyMode: boolean }) => q.readOnlyMode)).toBe(true);
  });

  test('the dashboard refuses every change with Basic credentials (403); the admin key as Bearer may make it', async () => {
    const { Queue } = await import('bullmq');
    const pulls = new Queue('pulls', { connection: { url: platform.ctx.config.REDIS_URL }, prefix: platform.ctx.config.REDIS_PREFIX });
    try {
      for (const [method, path] of [
        ['put', '/api/queues/pulls/pause'],
        ['put', '/api/queues/pulls/clean/failed'],
        ['put', '/api/queues/pause'],
        ['post', '/api/queues/pulls/add'],
      ] as const) {
        const res = await request(platform.url)[method](`/admin/queues${path}`).set('Authorization', BASIC).send({});
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('read_only');
      }
      expect(await pulls.isPaused()).toBe(false);

      const board = await request(platform.url).get('/admin/queues/api/queues').set('Authorization', BEARER).expect(200);
      expect(board.body.queues.every((q: { readOnlyMode: boolean }) => !q.readOnlyMode)).toBe(true);
      await request(platform.url).put('/admin/queues/api/queues/pulls/pause').set('Authorization', BEARER).send({}).expect(200);
      expect(await pulls.isPaused()).toBe(true);
      await request(platform.url).put('/admin/queues/api/queues/pulls/resume').set('Authorization', BEARER).send({}).expect(200);
      expect(await pulls.isPaused()).toBe(false);
    } finally {
      await pulls.close();
    }
  });
});
