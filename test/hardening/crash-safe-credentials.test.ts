/**
 * Issue 13 item 5: a credentials handshake step cut short by a crash is settled by the next
 * start (src/modules/2.2.1/credentials/recovery.ts). The platform runs as the real binary in a
 * child process; TEST_CRASH_AT kills it (SIGKILL) right after the peer answered, before the answer
 * is stored; a second process on the same database must repair what the first left.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { Client } from 'pg';
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { eventually } from '../helpers/eventually.js';
import { type FakePeer, decodeToken, ok, startFakePeer } from '../helpers/fake-peer.js';
import {
  ADMIN_KEY,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  type TestPlatform,
  adminAgent,
  dropSchema,
  freePort,
  request,
  startTestPlatform,
  tokenHeader,
  uniqueSchema,
} from '../helpers/platform.js';
import { aRegisteredPeer } from '../helpers/registered-peer.js';

const root = path.join(__dirname, '..', '..');
/** Small timeouts keep the handshake lease (3 x outbound + 2 x statement + 5 s) near 10 s. */
const LEASE_MS = 3 * 1000 + 2 * 1000 + 5000;

interface Instance {
  url: string;
  schema: string;
  db: Client;
  start(crashAt?: string): Promise<ChildProcess>;
  stop(): Promise<void>;
}

let running: ChildProcess | undefined;
const fakes: FakePeer[] = [];

async function anInstance(label: string): Promise<Instance> {
  const port = await freePort();
  const schema = uniqueSchema(label);
  const url = `http://127.0.0.1:${port}`;
  const key = crypto.randomBytes(32).toString('base64');
  const db = new Client({ connectionString: TEST_DATABASE_URL });
  await db.connect();
  const env = (crashAt?: string): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    ROLE: 'api',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: url,
    DATABASE_URL: `${TEST_DATABASE_URL}?schema=${schema}`,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: `test:${schema}`,
    ADMIN_API_KEY: ADMIN_KEY,
    TOKEN_ENCRYPTION_KEY: key,
    LOG_LEVEL: 'warn',
    OUTBOUND_ALLOW_PRIVATE: 'true',
    OUTBOUND_TIMEOUT_MS: '1000',
    DB_STATEMENT_TIMEOUT_MS: '1000',
    ...(crashAt ? { TEST_CRASH_AT: crashAt } : {}),
  });
  return {
    url,
    schema,
    db,
    async start(crashAt) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env: env(crashAt), stdio: 'ignore' });
      running = child;
      await eventually(async () => expect((await fetch(`${url}/health/ready`)).status).toBe(200), 30000, 200);
      return child;
    },
    async stop() {
      await stopChild();
      await db.end();
      await dropSchema(schema);
    },
  };
}

async function stopChild(): Promise<void> {
  const child = running;
  running = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const exitOf = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.signalCode)
    : new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));

async function count(instance: Instance, sql: string, args: unknown[]): Promise<number> {
  const res = await instance.db.query<{ n: string }>(`SELECT count(*) AS n FROM "${instance.schema}".${sql}`, args);
  return Number(res.rows[0].n);
}

/** What the platform at `url` answers to a token (GET /credentials: any live token of ours may read it). */
async function credentialsStatus(url: string, token: string): Promise<number> {
  return (await request(url).get('/ocpi/2.2.1/credentials').set('Authorization', tokenHeader(token))).status;
}

/** A peer registered with the instance that rotates when we PUT: each answer issues a new token, old ones stay valid. */
async function aRotatingPeer(instance: Instance, answer: (call: number) => 'ok' | 'refuse') {
  await adminAgent(instance.url).post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  const peer = await aRegisteredPeer({ url: instance.url, admin: () => adminAgent(instance.url) } as unknown as TestPlatform, [aCredentialsRole()]);
  fakes.push(peer.fake);
  const puts: Array<{ bodyToken: string; auth: string | undefined }> = [];
  peer.fake.on('PUT', '/2.2.1/credentials', (req, res) => {
    puts.push({ bodyToken: (req.body as { token: string }).token, auth: decodeToken(req.get('authorization')) });
    if (answer(puts.length) === 'refuse') return void res.json({ status_code: 2001, status_message: 'refused', timestamp: new Date().toISOString() });
    const issued = `peer-rotated-${puts.length}`;
    peer.fake.acceptedTokens.add(issued);
    res.json(ok({ token: issued, url: peer.fake.versionsUrl, roles: [aCredentialsRole()] }));
  });
  return { ...peer, puts };
}

afterEach(async () => {
  await stopChild();
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

test('a rotation killed after the peer answered, before storing the answer, is completed by the next start: one live token, the peer token it answered', async () => {
  const instance = await anInstance('crash_rotation_done');
  try {
    const crashing = await instance.start('rotation-after-put');
    const peer = await aRotatingPeer(instance, () => 'ok');
    await expect(adminAgent(instance.url).post(`/peers/${peer.peerId}/rotate`)).rejects.toThrow();
    expect(await exitOf(crashing)).toBe('SIGKILL');
    // The half-done state the crash leaves: two live tokens of ours, and the rotation recorded.
    expect(await count(instance, 'peer_credential WHERE peer_id = $1', [peer.peerId])).toBe(2);
    expect(await count(instance, 'credential_intent WHERE peer_id = $1', [peer.peerId])).toBe(1);
    const fresh = peer.puts[0].bodyToken;

    await instance.start();
    await eventually(async () => expect(await count(instance, 'credential_intent', [])).toBe(0), LEASE_MS + 15000, 250);
    expect(await count(instance, 'peer_credential WHERE peer_id = $1', [peer.peerId])).toBe(1);
    // The same fresh token was sent again, with the peer token we still held.
    expect(peer.puts.map((p) => p.bodyToken)).toEqual([fresh, fresh]);
    expect(peer.puts[1].auth).toBe(peer.tokenB);
    expect(await credentialsStatus(instance.url, fresh)).toBe(200);
    expect(await credentialsStatus(instance.url, peer.tokenC)).toBe(401);
    // We now call the peer with the token it issued in its last answer.
    await adminAgent(instance.url).post(`/peers/${peer.peerId}/rotate`).expect(200);
    expect(peer.puts[2].auth).toBe('peer-rotated-2');
  } finally {
    await instance.stop();
  }
}, 90000);

test('a rotation killed after the PUT that the peer refuses to complete at the next start is rolled back: only the previous token lives', async () => {
  const instance = await anInstance('crash_rotation_back');
  try {
    const crashing = await instance.start('rotation-after-put');
    const peer = await aRotatingPeer(instance, (call) => (call === 1 ? 'ok' : 'refuse'));
    await expect(adminAgent(instance.url).post(`/peers/${peer.peerId}/rotate`)).rejects.toThrow();
    expect(await exitOf(crashing)).toBe('SIGKILL');
    const fresh = peer.puts[0].bodyToken;

    await instance.start();
    await eventually(async () => expect(await count(instance, 'credential_intent', [])).toBe(0), LEASE_MS + 15000, 250);
    expect(peer.puts).toHaveLength(2);
    expect(await count(instance, 'peer_credential WHERE peer_id = $1', [peer.peerId])).toBe(1);
    expect(await credentialsStatus(instance.url, peer.tokenC)).toBe(200);
    expect(await credentialsStatus(instance.url, fresh)).toBe(401);
  } finally {
    await instance.stop();
  }
}, 90000);

test('a connect killed between our POST and storing the peer answer leaves, after the next start, no PENDING peer and no live Token B', async () => {
  const instance = await anInstance('crash_connect');
  try {
    const crashing = await instance.start('connect-after-post');
    await adminAgent(instance.url).post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
    const fake = await startFakePeer();
    fakes.push(fake);
    fake.acceptedTokens.add('token-a-of-the-peer');
    let tokenB: string | undefined;
    fake.on('POST', '/2.2.1/credentials', (req, res) => {
      tokenB = (req.body as { token: string }).token;
      res.json(ok({ token: 'peer-token-for-us', url: fake.versionsUrl, roles: [aCredentialsRole()] }));
    });
    await expect(adminAgent(instance.url).post('/peers/connect', { versions_url: fake.versionsUrl, token: 'token-a-of-the-peer' })).rejects.toThrow();
    expect(await exitOf(crashing)).toBe('SIGKILL');
    expect(tokenB).toEqual(expect.any(String));
    // What the crash leaves: a PENDING peer whose Token B expires with the handshake's lease.
    expect(await count(instance, `peer WHERE status = 'PENDING'`, [])).toBe(1);
    expect(await count(instance, `peer_credential WHERE kind = 'B' AND expires_at IS NOT NULL`, [])).toBe(1);

    await instance.start();
    await eventually(async () => expect(await count(instance, 'credential_intent', [])).toBe(0), LEASE_MS + 15000, 250);
    expect(await count(instance, 'peer', [])).toBe(0);
    expect(await count(instance, 'peer_credential', [])).toBe(0);
    expect(await credentialsStatus(instance.url, tokenB!)).toBe(401);
  } finally {
    await instance.stop();
  }
}, 90000);

test('a connect that completes makes its Token B permanent', async () => {
  const instance = await anInstance('connect_ok');
  try {
    await instance.start();
    await adminAgent(instance.url).post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
    const fake = await startFakePeer();
    fakes.push(fake);
    let tokenB: string | undefined;
    fake.on('POST', '/2.2.1/credentials', (req, res) => {
      tokenB = (req.body as { token: string }).token;
      res.json(ok({ token: 'peer-token-for-us', url: fake.versionsUrl, roles: [aCredentialsRole()] }));
    });
    await adminAgent(instance.url).post('/peers/connect', { versions_url: fake.versionsUrl, token: 'token-a' }).expect(201);
    expect(await count(instance, `peer_credential WHERE kind = 'B' AND expires_at IS NULL`, [])).toBe(1);
    expect(await count(instance, 'credential_intent', [])).toBe(0);
    expect(await credentialsStatus(instance.url, tokenB!)).toBe(200);
  } finally {
    await instance.stop();
  }
}, 60000);

test('the housekeeping removes a PENDING connect whose Token B expired, and keeps one still in its lease', async () => {
  const platform = await startTestPlatform('connect_housekeeping');
  try {
    const token = (expiresAt: Date) => ({ kind: 'B' as const, tokenHash: crypto.randomBytes(32).toString('hex'), tokenEnc: 'sealed', expiresAt });
    const dead = await platform.ctx.peerStore.createOutgoing(null, 'http://127.0.0.1:1/versions', '2.2.1', [], 'base64', token(new Date(Date.now() - 1000)));
    const live = await platform.ctx.peerStore.createOutgoing(null, 'http://127.0.0.1:1/versions', '2.2.1', [], 'base64', token(new Date(Date.now() + 60_000)));
    expect(await platform.ctx.peerStore.deleteExpiredInvitations(new Date())).toBe(1);
    expect(await platform.ctx.peerStore.get(dead.id)).toBeNull();
    expect(await platform.ctx.peerStore.get(live.id)).not.toBeNull();
  } finally {
    await platform.stop();
  }
}, 30000);
