/**
 * Issue 13 item 4: PostgreSQL that accepts connections but never answers (a TCP proxy in
 * black-hole mode, test/helpers/tcp-proxy.ts). Every wait for the database is bounded
 * (DB_CONNECT_TIMEOUT_MS, DB_STATEMENT_TIMEOUT_MS): an OCPI request is answered 503/3000 in a
 * bounded time, and once the database answers again the pool serves every request: no pooled
 * connection stays stuck on a socket that went silent.
 */
import { poolUsage } from '../../src/db/hot-statements.js';
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { eventually } from '../helpers/eventually.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../helpers/registered-peer.js';
import { type TcpProxy, startTcpProxy } from '../helpers/tcp-proxy.js';

const CONNECT_MS = 1000;
const STATEMENT_MS = 1500;
/** A statement (+ the client's 1 s grace) and a connection attempt, with room for a slow CI. */
const BOUND_MS = STATEMENT_MS + 1000 + CONNECT_MS + 2500;

let pg: TcpProxy;
let platform: TestPlatform;
let emsp: RegisteredPeer;

const token = {
  country_code: 'DE',
  party_id: 'EMS',
  uid: 'TOKEN1',
  type: 'RFID',
  contract_id: 'DE-EMS-C12345678-X',
  issuer: 'Test eMSP',
  valid: true,
  whitelist: 'ALLOWED',
  last_updated: '2026-01-01T00:00:00Z',
};

async function timedPut(): Promise<{ ms: number; http: number; statusCode?: number }> {
  const started = Date.now();
  try {
    const body = { ...token, last_updated: new Date().toISOString() };
    const res = await request(platform.url).put('/ocpi/cpo/2.2.1/tokens/DE/EMS/TOKEN1').set('Authorization', tokenHeader(emsp.tokenC)).send(body).timeout(30000);
    return { ms: Date.now() - started, http: res.status, statusCode: res.body?.status_code };
  } catch (e) {
    return { ms: Date.now() - started, http: 0 };
  }
}

async function timedGet(): Promise<{ ms: number; http: number; statusCode?: number; retryAfter?: string; message?: string }> {
  const started = Date.now();
  try {
    const res = await request(platform.url).get('/ocpi/cpo/2.2.1/tokens/DE/EMS/TOKEN1').set('Authorization', tokenHeader(emsp.tokenC)).timeout(30000);
    return { ms: Date.now() - started, http: res.status, statusCode: res.body?.status_code, retryAfter: res.headers['retry-after'], message: res.body?.status_message };
  } catch (e) {
    return { ms: Date.now() - started, http: 0, message: (e as Error).message };
  }
}

beforeAll(async () => {
  pg = await startTcpProxy({ port: 5432 });
  platform = await startTestPlatform('db_timeouts', {
    databaseHost: `127.0.0.1:${pg.port}`,
    env: { DB_CONNECT_TIMEOUT_MS: String(CONNECT_MS), DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_MS), LOG_LEVEL: 'error' },
  });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  emsp = await aRegisteredPeer(platform, [aCredentialsRole({ country_code: 'DE', party_id: 'EMS' })]);
  const put = await request(platform.url).put('/ocpi/cpo/2.2.1/tokens/DE/EMS/TOKEN1').set('Authorization', tokenHeader(emsp.tokenC)).send(token);
  expect(put.body.status_code).toBe(1000);
}, 30000);

afterAll(async () => {
  // Ends the silent connections too, so that the platform's own clients can close.
  pg?.cut();
  await emsp?.fake.close();
  await platform?.stop();
  await pg?.close();
});

test('with PostgreSQL accepting connections but never answering, OCPI requests are answered 503/3000 within a bounded time', async () => {
  // Several pooled connections are open (and then go silent), not only one.
  const warm = await Promise.all(Array.from({ length: 6 }, () => timedGet()));
  expect(warm.map((a) => a.statusCode)).toEqual(Array(6).fill(1000));

  pg.blackHole();
  const [answers, writes] = await Promise.all([Promise.all(Array.from({ length: 6 }, () => timedGet())), Promise.all(Array.from({ length: 2 }, () => timedPut()))]);
  for (const w of writes) {
    expect(w).toEqual(expect.objectContaining({ http: 503, statusCode: 3000 }));
    expect(w.ms).toBeLessThan(BOUND_MS);
  }
  for (const a of answers) {
    expect(a).toEqual(expect.objectContaining({ http: 503, statusCode: 3000, retryAfter: expect.any(String) }));
    expect(a.ms).toBeLessThan(BOUND_MS);
    expect(a.message).not.toMatch(/127\.0\.0\.1|postgres|timeout/i);
  }
  // New connections are accepted and stay silent too.
  const later = await timedGet();
  expect(later).toEqual(expect.objectContaining({ http: 503, statusCode: 3000 }));
  expect(later.ms).toBeLessThan(BOUND_MS);
}, 60000);

test('after PostgreSQL answers again, every request is served promptly: no pooled connection stays stuck on a silent socket', async () => {
  pg.restore();
  // More requests than the pool has connections (10), each of which would hang on a stuck one.
  const answers = [];
  for (let i = 0; i < 25; i++) answers.push(await timedGet());
  expect(answers.map((a) => a.statusCode)).toEqual(Array(25).fill(1000));
  for (const a of answers) expect(a.ms).toBeLessThan(STATEMENT_MS);
  // And in parallel, so that every pooled connection is used at once.
  const parallel = await Promise.all(Array.from({ length: 12 }, () => timedGet()));
  expect(parallel.map((a) => a.statusCode)).toEqual(Array(12).fill(1000));
  expect((await timedPut()).statusCode).toBe(1000);
  // Nothing is left checked out of the pool: a query stuck on a silent socket would hold its connection forever.
  await eventually(() => expect(poolUsage(platform.ctx.db)).toEqual(expect.objectContaining({ waiting: 0, total: poolUsage(platform.ctx.db)!.idle })), 5000);
}, 60000);
