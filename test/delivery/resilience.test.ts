/**
 * What the delivery engine withstands: a worker process killed with SIGKILL in the middle of
 * deliveries, and Redis losing all its data mid-run. Every update still arrives, and no object
 * ever receives an older version after a newer one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { aBusinessDetails } from '../helpers/builders.js';
import { FAST_DELIVERY, type ReceivingPeer, aLocationMessage, aReceivingPeer } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { type TestPlatform, freePort, startTestPlatform } from '../helpers/platform.js';

const OBJECTS = 20;
const VERSIONS = 10;

function expectEveryVersionInOrder(peer: ReceivingPeer) {
  for (let n = 0; n < OBJECTS; n++) {
    const versions = peer.arrivals.filter((a) => a.path.endsWith(`/OBJ${n}`)).map((a) => a.version);
    // A message in flight when a worker died may arrive twice, but never after a newer one.
    expect([...new Set(versions)]).toEqual(Array.from({ length: VERSIONS }, (_, i) => i + 1));
    versions.forEach((v, i) => i > 0 && expect(v).toBeGreaterThanOrEqual(versions[i - 1]));
  }
}

async function setUp(label: string, env: Record<string, string>) {
  const platform = await startTestPlatform(label, { env: { ...FAST_DELIVERY, ...env } });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  const peer = await aReceivingPeer(platform);
  peer.behaviour = () => ({ delayMs: 15 });
  return { platform, peer };
}

async function enqueueAll(platform: TestPlatform, peer: ReceivingPeer) {
  for (let v = 1; v <= VERSIONS; v++) {
    await platform.ctx.outbox.enqueue(
      platform.ctx.db,
      Array.from({ length: OBJECTS }, (_, n) => aLocationMessage(peer.peerId, n, v)),
    );
  }
}

const allDelivered = (platform: TestPlatform, peerId: string) =>
  eventually(async () => expect(await platform.ctx.db.outboxMessage.count({ where: { peerId, status: { not: 'DELIVERED' } } })).toBe(0), 30000, 200);

describe('a worker process killed with SIGKILL mid-delivery', () => {
  let platform: TestPlatform;
  let peer: ReceivingPeer;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    // The API runs here; deliveries run in separate worker processes that we can kill.
    ({ platform, peer } = await setUp('resilience_kill', { ROLE: 'api' }));
  });
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await peer.fake.close();
    await platform.stop();
  });

  async function startWorker(): Promise<ChildProcess> {
    const c = platform.ctx.config;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: path.join(__dirname, '..', '..'),
      stdio: 'ignore',
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        PUBLIC_BASE_URL: c.PUBLIC_BASE_URL,
        DATABASE_URL: c.DATABASE_URL,
        REDIS_URL: c.REDIS_URL,
        REDIS_PREFIX: c.REDIS_PREFIX,
        ADMIN_API_KEY: c.ADMIN_API_KEY,
        TOKEN_ENCRYPTION_KEY: c.TOKEN_ENCRYPTION_KEY,
        OUTBOUND_ALLOW_PRIVATE: 'true',
        LOG_LEVEL: 'warn',
        ...FAST_DELIVERY,
        ROLE: 'worker',
      },
    });
    workers.push(child);
    return child;
  }

  test('every update arrives after a new worker takes over', async () => {
    const first = await startWorker();
    await enqueueAll(platform, peer);
    await eventually(() => expect(peer.arrivals.length).toBeGreaterThan(30), 30000, 20);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const seenAtKill = peer.arrivals.length;
    expect(seenAtKill).toBeLessThan(OBJECTS * VERSIONS);

    await startWorker();
    await allDelivered(platform, peer.peerId);
    expectEveryVersionInOrder(peer);
  }, 60000);
});

describe('Redis losing its data mid-run', () => {
  let platform: TestPlatform;
  let peer: ReceivingPeer;
  // A database of our own, so flushing it touches no other test file.
  const REDIS_DB_URL = 'redis://127.0.0.1:6379/7';

  beforeAll(async () => {
    ({ platform, peer } = await setUp('resilience_flush', { REDIS_URL: REDIS_DB_URL }));
  });
  afterAll(async () => {
    await peer.fake.close();
    await platform.stop();
  });

  test('every update still arrives', async () => {
    await enqueueAll(platform, peer);
    await eventually(() => expect(peer.arrivals.length).toBeGreaterThan(20), 30000, 20);
    const redis = new Redis(REDIS_DB_URL);
    await redis.flushdb();
    await redis.quit();
    await allDelivered(platform, peer.peerId);
    expectEveryVersionInOrder(peer);
  }, 60000);
});
