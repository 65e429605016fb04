/**
 * Issue 13, item 7: /metrics behind a bearer token and cheap per scrape; command answers that
 * do not reveal other eMSPs' session ids; unauthenticated 401s limited per client address and
 * summarised in the log; delivery resumed within JOB_LOCK_MS after a worker is killed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import pino from 'pino';
import { Metrics } from '../../src/observability/metrics.js';
import { AuthFailures, clientKey } from '../../src/ocpi/auth-failures.js';
import { parseConfig } from '../../src/config.js';
import { claimTimings } from '../../src/delivery/engine.js';
import { OutboxHistory } from '../../src/delivery/history.js';
import { type RunningPlatform, startPlatform } from '../../src/runtime.js';
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { FAST_DELIVERY, type ReceivingPeer, aLocationMessage, aReceivingPeer } from '../helpers/delivery.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../helpers/fake-peer.js';
import { aLocation, anEvse } from '../helpers/locations.js';
import { type TestPlatform, freePort, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../helpers/registered-peer.js';
import { aSession } from '../helpers/sessions.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const AUTH_LIMIT = 5;

let platform: TestPlatform;
let emspA: RegisteredPeer;
let emspB: RegisteredPeer;
let backend: FakePeer;

beforeAll(async () => {
  platform = await startTestPlatform('hardening_smaller', {
    env: { METRICS_TOKEN, METRICS_CACHE_MS: '60000', COMMAND_TIMEOUT_SECONDS: '30' },
  });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  await platform
    .admin()
    .put('/parties/NL/CPO/locations/LOC1', aLocation('LOC1', { evses: [anEvse('EVSE1', { capabilities: ['REMOTE_START_STOP_CAPABLE', 'CHARGING_PROFILE_CAPABLE'] })] }))
    .expect(200);
  emspA = await aRegisteredPeer(platform, [aCredentialsRole({ party_id: 'EMA' })]);
  emspB = await aRegisteredPeer(platform, [aCredentialsRole({ party_id: 'EMB' })]);
  for (const p of [emspA, emspB]) p.fake.on('POST', '/results/*', (_req, res) => void res.json(ok()));
  backend = await startFakePeer();
  backend.on('POST', '/hook', (_req, res) => void res.status(202).json({}));
  await platform
    .admin()
    .put('/parties/NL/CPO/backend', { adapter: 'webhook', url: `${backend.url}/hook`, secret: 'webhook-secret-0123456789' })
    .expect(200);
});

afterAll(async () => {
  for (const p of [emspA, emspB]) await p?.fake.close();
  await backend?.close();
  await platform?.stop();
});

describe('/metrics', () => {
  const scrape = () => request(platform.url).get('/metrics');

  test('with METRICS_TOKEN set, a scrape without it or with a wrong one is 401; the right bearer token is served', async () => {
    const missing = await scrape().expect(401);
    expect(missing.headers['www-authenticate']).toContain('Bearer');
    expect(missing.text).not.toContain('ocpi_');
    await scrape().set('Authorization', 'Bearer wrong-token-0123456789abcdef').expect(401);
    await scrape()
      .set('Authorization', `Basic ${Buffer.from(`x:${METRICS_TOKEN}`).toString('base64')}`)
      .expect(401);
    const served = await scrape().set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(served.text).toContain('http_requests_total');
  });

  test('without METRICS_TOKEN (absent or empty) /metrics stays open; a short token stops the start naming it', async () => {
    expect(parseConfig({ ...minimalEnv(), METRICS_TOKEN: undefined }).METRICS_TOKEN).toBeUndefined();
    expect(parseConfig({ ...minimalEnv(), METRICS_TOKEN: '' }).METRICS_TOKEN).toBeUndefined();
    expect(() => parseConfig({ ...minimalEnv(), METRICS_TOKEN: 'short' })).toThrow('METRICS_TOKEN');
    const open = await startTestPlatform('hardening_metrics_open', { env: { METRICS_TOKEN: '' } });
    try {
      expect((await request(open.url).get('/metrics').expect(200)).text).toContain('http_requests_total');
    } finally {
      await open.stop();
    }
  });

  test('the outbox gauge counts only PENDING, DEAD and RESYNC rows, never the delivered history', async () => {
    const text = (await scrape().set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200)).text;
    const statuses = [...text.matchAll(/^ocpi_outbox_messages\{status="(\w+)"\}/gm)].map((m) => m[1]).sort();
    expect(statuses).toEqual(['DEAD', 'PENDING', 'RESYNC']);
  });

  test('scrapes within METRICS_CACHE_MS reuse one reading of the database and Redis, and concurrent scrapes share it', async () => {
    const spy = jest.spyOn(OutboxHistory.prototype, 'countUnfinished');
    try {
      await platform.ctx.outbox.enqueue(platform.ctx.db, [aLocationMessage(emspA.peerId, 1, 1)]);
      const pendingIn = (text: string) => Number(/^ocpi_outbox_messages\{status="PENDING"\} (\d+)/m.exec(text)?.[1]);
      const texts = await Promise.all(
        Array.from({ length: 10 }, () =>
          scrape()
            .set('Authorization', `Bearer ${METRICS_TOKEN}`)
            .then((r) => r.text),
        ),
      );
      // The reading from the earlier tests is still fresh: none of these scrapes read again.
      expect(spy).not.toHaveBeenCalled();
      expect(new Set(texts.map(pendingIn)).size).toBe(1);
    } finally {
      spy.mockRestore();
    }
  });

  test('a reading older than METRICS_CACHE_MS is taken again, and a failed one is not kept', async () => {
    const metrics = new Metrics();
    let readings = 0;
    let fail = false;
    metrics.gauge(
      'test_gauge',
      'test',
      [],
      async () => {
        readings++;
        if (fail) throw new Error('storage down');
        return [{ labels: {}, value: readings }];
      },
      100,
    );
    await Promise.all([metrics.registry.metrics(), metrics.registry.metrics(), metrics.registry.metrics()]);
    expect(readings).toBe(1);
    await metrics.registry.metrics();
    expect(readings).toBe(1);
    await sleep(150);
    fail = true;
    await metrics.registry.metrics().catch(() => undefined);
    expect(readings).toBe(2);
    fail = false;
    expect(await metrics.registry.metrics()).toContain('test_gauge 3');
  });
});

function minimalEnv(): Record<string, string | undefined> {
  return {
    PUBLIC_BASE_URL: 'http://127.0.0.1:1',
    DATABASE_URL: 'postgresql://x@127.0.0.1/x',
    REDIS_URL: 'redis://127.0.0.1:6379',
    ADMIN_API_KEY: 'admin-key-0123456789',
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'),
  };
}

describe('command answers', () => {
  let n = 0;
  const responseUrl = (peer: RegisteredPeer) => `${peer.fake.url}/results/${++n}`;
  const command = (peer: RegisteredPeer, partyId: string, name: string, body: object) =>
    request(platform.url)
      .post(`/ocpi/cpo/2.2.1/commands/${name}`)
      .set('Authorization', tokenHeader(peer.tokenC))
      .set({ 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': partyId, 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CPO' })
      .send(body);
  /** What the eMSP can compare: everything but the timestamp, with the id it asked for blanked. */
  const comparable = (body: Record<string, unknown>, sessionId: string) =>
    JSON.parse(
      JSON.stringify({ ...body, timestamp: undefined })
        .split(sessionId)
        .join('<id>'),
    );

  beforeAll(async () => {
    await platform
      .admin()
      .put('/parties/NL/CPO/sessions/S-OF-A', aSession('S-OF-A', { cdr_token: { country_code: 'DE', party_id: 'EMA', uid: 'RFID-A', type: 'RFID', contract_id: 'DE-EMA-C1' } }))
      .expect(200);
  });

  test("STOP_SESSION naming another eMSP's session is answered exactly like a session that does not exist, and nothing reaches the backend", async () => {
    const hooks = backend.received.length;
    const foreign = await command(emspB, 'EMB', 'STOP_SESSION', { response_url: responseUrl(emspB), session_id: 'S-OF-A' }).expect(200);
    const unknown = await command(emspB, 'EMB', 'STOP_SESSION', { response_url: responseUrl(emspB), session_id: 'S-NONE' }).expect(200);
    expect(foreign.body.data.result).toBe('UNKNOWN_SESSION');
    expect(comparable(foreign.body, 'S-OF-A')).toEqual(comparable(unknown.body, 'S-NONE'));
    await sleep(200);
    expect(backend.received.length).toBe(hooks);
  });

  test("a charging profile request naming another eMSP's session is answered exactly like one for a session that does not exist", async () => {
    const profile = { charging_rate_unit: 'A', charging_profile_period: [{ start_period: 0, limit: 16 }] };
    const put = (id: string) =>
      request(platform.url)
        .put(`/ocpi/cpo/2.2.1/chargingprofiles/${id}`)
        .set('Authorization', tokenHeader(emspB.tokenC))
        .set({ 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': 'EMB', 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CPO' })
        .send({ charging_profile: profile, response_url: responseUrl(emspB) })
        .expect(200);
    const foreign = await put('S-OF-A');
    const unknown = await put('S-NONE');
    expect(foreign.body.data.result).toBe('UNKNOWN_SESSION');
    expect(comparable(foreign.body, 'S-OF-A')).toEqual(comparable(unknown.body, 'S-NONE'));
  });

  test('the eMSP whose token started the session can still stop it (control)', async () => {
    const own = await command(emspA, 'EMA', 'STOP_SESSION', { response_url: responseUrl(emspA), session_id: 'S-OF-A' }).expect(200);
    expect(own.body.data.result).toBe('ACCEPTED');
  });
});

describe('unauthenticated requests', () => {
  let limited: TestPlatform;
  let peer: RegisteredPeer;
  const versions = (token: string) => request(limited.url).get('/ocpi/versions').set('Authorization', tokenHeader(token));
  const perRequestLines = () =>
    limited.logs.filter((l) => /"status":(401|429)\b/.test(l) || l.includes('Missing or unknown credentials token') || l.includes('Too many failed authentications'));
  const summaries = () => limited.logs.filter((l) => l.includes('unauthenticated requests refused'));

  beforeAll(async () => {
    limited = await startTestPlatform('hardening_auth_limit', { env: { METRICS_TOKEN, AUTH_FAILURE_LIMIT_PER_MINUTE: String(AUTH_LIMIT) } });
    await limited.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
    peer = await aRegisteredPeer(limited);
  });
  afterAll(async () => {
    await peer?.fake.close();
    await limited?.stop();
  });

  test('past AUTH_FAILURE_LIMIT_PER_MINUTE failed authentications an address gets 429 with Retry-After instead of 401', async () => {
    for (let i = 0; i < AUTH_LIMIT; i++) {
      const res = await versions(`guess-${i}`);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Token');
    }
    const refused = await versions('guess-next');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.body.status_code).toBe(2000);
    // Any OCPI path, the admin API and /metrics count alike: one budget per address.
    expect((await request(limited.url).get('/ocpi/cpo/2.2.1/locations')).status).toBe(429);
    expect((await request(limited.url).get('/admin/peers').set('Authorization', 'Bearer wrong-admin-key-0123456789')).status).toBe(429);
    expect((await request(limited.url).get('/metrics')).status).toBe(429);
  });

  test('a valid token from the same address is still served while the address is limited', async () => {
    expect((await versions(peer.tokenC).expect(200)).body.status_code).toBe(1000);
    await limited.admin().get('/peers').expect(200);
    await request(limited.url).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
  });

  test('refused requests leave no log line each: one summary line per address names the counts', async () => {
    expect(perRequestLines()).toEqual([]);
    expect(summaries()).toHaveLength(1);
    expect(JSON.parse(summaries()[0])).toMatchObject({ client: '127.0.0.1', refused_401: 1, refused_429: 0 });
  });

  test('a minute later the next failure writes one line with the minute’s counts', () => {
    const lines: string[] = [];
    let now = 0;
    const failures = new AuthFailures(3, pino({}, { write: (l: string) => void lines.push(l) }), () => now);
    for (let i = 0; i < 10; i++) failures.note('203.0.113.9');
    expect(lines).toHaveLength(1);
    now = 61_000;
    expect(failures.note('203.0.113.9')).toBe(0);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[1])).toMatchObject({ client: '203.0.113.9', refused_401: 3, refused_429: 7, seconds: 61 });
  });

  test('IPv6 clients are counted per /64, IPv4-mapped ones as the IPv4 address', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe(clientKey('2001:db8:1:2:bbbb::2'));
    expect(clientKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:3::1')).not.toBe(clientKey('2001:db8:1:2::1'));
    expect(clientKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
  });
});

describe('delivery after a worker is killed mid-delivery', () => {
  const JOB_LOCK_MS = 3000;
  let api: TestPlatform;
  let peer: ReceivingPeer;
  let victim: ChildProcess | undefined;
  let successor: RunningPlatform | undefined;

  beforeAll(async () => {
    api = await startTestPlatform('hardening_resume', { env: { ...FAST_DELIVERY, ROLE: 'api', JOB_LOCK_MS: String(JOB_LOCK_MS) } });
    await api.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
    peer = await aReceivingPeer(api);
  });

  afterAll(async () => {
    if (victim && victim.exitCode === null) victim.kill('SIGKILL');
    await successor?.close();
    await peer?.fake.close();
    await api?.stop();
  });

  function workerEnv(): Record<string, string> {
    const c = api.ctx.config;
    return {
      NODE_ENV: 'test',
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
      OUTBOUND_TIMEOUT_MS: '60000',
      JOB_LOCK_MS: String(JOB_LOCK_MS),
      ROLE: 'worker',
    };
  }

  test('a dead worker’s job lock plus two stalled checks, and its PostgreSQL lease, end within JOB_LOCK_MS', () => {
    for (const jobLockMs of [1000, 3000, 30000, 3600000]) {
      const t = claimTimings(jobLockMs);
      expect(t.lockDuration + 2 * t.stalledInterval).toBeLessThan(jobLockMs);
      expect(t.leaseMs).toBeLessThan(jobLockMs);
    }
  });

  test('a restarted worker resumes the delivery a killed one was making within JOB_LOCK_MS of the kill', async () => {
    // The first attempt hangs at the peer until the worker making it is dead.
    let attempts = 0;
    peer.behaviour = () => (++attempts === 1 ? { delayMs: 10_000 } : 'ok');
    victim = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: path.join(__dirname, '..', '..'),
      stdio: 'ignore',
      env: { PATH: process.env.PATH, PORT: String(await freePort()), ...workerEnv() },
    });
    await api.ctx.outbox.enqueue(api.ctx.db, [aLocationMessage(peer.peerId, 0, 1)]);
    await eventually(() => expect(attempts).toBe(1), 30_000, 20);

    victim.kill('SIGKILL');
    await new Promise((r) => victim!.once('exit', r));
    const killedAt = Date.now();
    const env = workerEnv();
    successor = await startPlatform(parseConfig({ ...env, PORT: String(await freePort()) }), { logger: pino({ level: 'silent' }) });

    await eventually(() => expect(peer.arrivals.map((a) => a.version)).toEqual([1]), 3 * JOB_LOCK_MS, 20);
    const resumedAfterMs = peer.arrivals[0].at - killedAt;
    expect(resumedAfterMs).toBeLessThan(JOB_LOCK_MS);
    await eventually(async () => expect((await api.ctx.db.outboxMessage.findFirstOrThrow({ where: { peerId: peer.peerId } })).status).toBe('DELIVERED'));
  }, 60_000);
});
