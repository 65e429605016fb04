/**
 * bench/emsp: the two hot paths of an eMSP platform, each next to a bare Express JSON route
 * measured in the same run.
 * - Real-time authorization: `POST tokens/{uid}/authorize` with LocationReferences against 10,000
 *   tokens, at full speed and at half that rate (p99).
 * - EVSE status PATCH ingest from a CPO peer into the received locations (1,000 locations of
 *   4 EVSEs), then a check that every EVSE holds the newest status sent to it: no update lost or
 *   applied out of order, although the same EVSE's PATCHes race on several connections.
 * Run: npx tsx bench/emsp/run.ts   (PostgreSQL and Redis: BENCH_DATABASE_URL, BENCH_REDIS_URL, default the local ones)
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import autocannon from 'autocannon';
import { Client } from 'pg';
import pino from 'pino';
import { createAppContext } from '../../src/app-context.js';
import { parseConfig } from '../../src/config.js';
import { ensureDatabase } from '../../src/db/ensure-database.js';
import { migrate } from '../../src/db/migrate.js';
import { createPrisma } from '../../src/db/prisma.js';
import { descriptors, moduleInterfaces } from '../../src/modules/registry.js';
import { createRedis } from '../../src/redis.js';
import { printBenchResults } from '../result.js';
import { type BenchRow, table, waitReady } from '../cpo/run.js';
import { BENCH_DATABASE_URL, BENCH_REDIS_URL, freePort, nodeArgs, platformArgs, REPO_ROOT } from '../environment.js';

const ROOT = REPO_ROOT;
const DB = BENCH_DATABASE_URL;
const TOKENS = Number(process.env.BENCH_TOKENS ?? 10000);
const LOCATIONS = Number(process.env.BENCH_EMSP_LOCATIONS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);

const stamp = (ms: number) => new Date(ms).toISOString();

function token(i: number) {
  return {
    country_code: 'DE',
    party_id: 'EMX',
    uid: `RFID${String(i).padStart(8, '0')}`,
    type: 'RFID',
    contract_id: `DE-EMX-C${String(i).padStart(8, '0')}-X`,
    issuer: 'Bench eMSP',
    valid: true,
    whitelist: 'ALLOWED',
    last_updated: stamp(Date.UTC(2025, 0, 1)),
  };
}

function location(i: number) {
  const at = stamp(Date.UTC(2025, 0, 1));
  const evse = (n: number) => ({
    uid: `L${i}-E${n}`,
    evse_id: `NL*CPO*E${i}${n}`,
    status: 'AVAILABLE',
    connectors: [{ id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_voltage: 230, max_amperage: 32, last_updated: at }],
    last_updated: at,
  });
  return {
    country_code: 'NL',
    party_id: 'CPO',
    id: `LOC${i}`,
    publish: true,
    address: `Straat ${i}`,
    city: 'Utrecht',
    country: 'NLD',
    coordinates: { latitude: '52.089444', longitude: '5.110278' },
    time_zone: 'Europe/Amsterdam',
    evses: [evse(1), evse(2), evse(3), evse(4)],
    last_updated: at,
  };
}

async function measure(opts: autocannon.Options): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const r = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...opts });
  return { rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

export async function runEmspBench(): Promise<BenchRow[]> {
  const schema = `bench_emsp_${crypto.randomBytes(3).toString('hex')}`;
  const url = `${DB}?schema=${schema}`;
  const env = {
    NODE_ENV: 'production',
    ROLE: 'api',
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: 'http://127.0.0.1:1',
    DATABASE_URL: url,
    REDIS_URL: BENCH_REDIS_URL,
    REDIS_PREFIX: `bench:${schema}`,
    ADMIN_API_KEY: 'bench-admin-key-0123456789',
    TOKEN_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_SECOND: '0',
    OUTBOUND_ALLOW_PRIVATE: 'true',
  };
  await ensureDatabase(url);
  await migrate(url, schema);

  // Seed: our eMSP party, a registered CPO peer (its token is the one we call with), the tokens.
  const db = createPrisma(url, schema, 4);
  const redis = createRedis(env.REDIS_URL, 'commands');
  const ctx = createAppContext({ config: parseConfig(env), log: pino({ level: 'warn' }), db, redis, interfaces: moduleInterfaces, descriptors });
  await ctx.parties.create({ countryCode: 'DE', partyId: 'EMX', roles: ['EMSP'], businessDetails: { name: 'Bench eMSP' } });
  const peerToken = ctx.secrets.generateToken();
  const credential = { kind: 'C' as const, tokenHash: ctx.secrets.hash(peerToken), tokenEnc: ctx.secrets.encrypt(peerToken) };
  const peer = await ctx.peerStore.createInvitation('bench CPO', credential);
  await ctx.peerStore.saveConnection(
    peer.id,
    {
      versionsUrl: 'http://127.0.0.1:9/versions',
      version: '2.2.1',
      endpoints: [{ identifier: 'credentials', role: 'SENDER', url: 'http://127.0.0.1:9/c' }],
      peerTokenEnc: ctx.secrets.encrypt('x'),
      roles: [{ role: 'CPO', countryCode: 'NL', partyId: 'CPO', businessDetails: { name: 'CPO' } }],
    },
    { keepHashes: [credential.tokenHash] },
  );
  for (let i = 0; i < TOKENS; i += 2000) {
    const docs = Array.from({ length: Math.min(2000, TOKENS - i) }, (_, k) => token(i + k));
    await db.$executeRawUnsafe(
      `INSERT INTO "${schema}"."own_token" (party_key, uid_key, type, valid, last_updated, document) SELECT 'DEEMX', u, 'RFID', true, $2::timestamptz, d::jsonb FROM unnest($1::text[], $3::text[]) AS t(u, d)`,
      docs.map((d) => d.uid.toUpperCase()),
      new Date(docs[0].last_updated),
      docs.map((d) => JSON.stringify(d)),
    );
  }
  await db.$disconnect();
  redis.disconnect();

  const port = await freePort();
  const platform = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), ...platformArgs()], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const basePort = await freePort();
  const baseline = spawn(process.execPath, [...nodeArgs('bench/emsp/baseline-server.ts'), String(basePort)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const base = `http://127.0.0.1:${port}/ocpi/emsp/2.2.1`;
  const headers = { authorization: `Token ${Buffer.from(peerToken).toString('base64')}`, 'content-type': 'application/json' };
  const rows: BenchRow[] = [];
  try {
    await waitReady(platform, `http://127.0.0.1:${port}/health/live`);
    await waitReady(baseline);
    // The received locations arrive the way a CPO pushes them.
    for (let i = 0; i < LOCATIONS; i++) {
      const res = await fetch(`${base}/locations/NL/CPO/LOC${i}`, { method: 'PUT', headers, body: JSON.stringify(location(i)) });
      if (!res.ok) throw new Error(`seeding location ${i}: HTTP ${res.status} ${await res.text()}`);
    }

    let n = 0;
    const authorizeRequest = (req: autocannon.Request): autocannon.Request => {
      const i = (n = (n * 7919 + 13) % TOKENS);
      return {
        ...req,
        method: 'POST',
        path: `/ocpi/emsp/2.2.1/tokens/RFID${String(i).padStart(8, '0')}/authorize?type=RFID`,
        headers,
        body: JSON.stringify({ location_id: `LOC${i % LOCATIONS}`, evse_uids: [`L${i % LOCATIONS}-E1`] }),
      };
    };
    const bareAuthorize = await measure({
      url: `http://127.0.0.1:${basePort}`,
      requests: [{ method: 'POST', path: '/authorize', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ location_id: 'LOC1', evse_uids: ['L1-E1'] }) }],
    });
    await measure({ url: `http://127.0.0.1:${port}`, requests: [{ setupRequest: authorizeRequest }], duration: 2 }); // warm-up
    const authorize = await measure({ url: `http://127.0.0.1:${port}`, requests: [{ setupRequest: authorizeRequest }] });
    const halfRate = Math.max(1, Math.round(authorize.rps / 2));
    const authorizeHalf = await measure({ url: `http://127.0.0.1:${port}`, requests: [{ setupRequest: authorizeRequest }], overallRate: halfRate });

    // PATCH ingest: every request carries a newer last_updated than any sent before it, to a
    // random EVSE; whatever order they land in, each EVSE must end with its newest.
    const newest = new Map<string, { at: number; status: string }>();
    let clock = Date.UTC(2025, 1, 1);
    const statuses = ['CHARGING', 'AVAILABLE', 'BLOCKED', 'OUTOFORDER'];
    let m = 0;
    const patchRequest = (req: autocannon.Request): autocannon.Request => {
      const loc = (m = (m * 48271 + 11) % (LOCATIONS * 4));
      const i = Math.floor(loc / 4);
      const e = (loc % 4) + 1;
      const at = (clock += 1);
      const status = statuses[at % statuses.length];
      newest.set(`LOC${i}/L${i}-E${e}`, { at, status });
      return { ...req, method: 'PATCH', path: `/ocpi/emsp/2.2.1/locations/NL/CPO/LOC${i}/L${i}-E${e}`, headers, body: JSON.stringify({ status, last_updated: stamp(at) }) };
    };
    const barePatch = await measure({
      url: `http://127.0.0.1:${basePort}`,
      requests: [{ method: 'PATCH', path: '/patch', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'CHARGING', last_updated: stamp(clock) }) }],
    });
    const patch = await measure({ url: `http://127.0.0.1:${port}`, requests: [{ setupRequest: patchRequest }] });
    await new Promise((r) => setTimeout(r, 1000)); // requests still in flight when the run stopped
    const { lost, checked } = await verifyNewest(url, schema, newest);

    rows.push({ scenario: 'bare Express JSON POST (framework ceiling): req/s', ours: bareAuthorize.rps, baseline: null, unit: 'req/s' });
    rows.push({
      scenario: `tokens authorize from the store, 10k tokens: req/s (p99 ${authorize.p99} ms at full load)`,
      ours: authorize.rps,
      baseline: bareAuthorize.rps,
      unit: 'req/s',
    });
    rows.push({ scenario: `tokens authorize at half that rate (${halfRate}/s): p99 ms (target < 20)`, ours: authorizeHalf.p99, baseline: null, unit: 'ms' });
    rows.push({ scenario: 'bare Express JSON PATCH: req/s', ours: barePatch.rps, baseline: null, unit: 'req/s' });
    rows.push({
      scenario: `EVSE status PATCH ingest from a CPO peer: req/s (p99 ${patch.p99} ms; ${lost} of ${checked} EVSEs not at their newest status)`,
      ours: patch.rps,
      baseline: barePatch.rps,
      unit: 'req/s',
    });
    for (const [name, r] of Object.entries({ bareAuthorize, authorize, authorizeHalf, barePatch, patch }))
      if (r.errors) console.error(`${name}: ${r.errors} errors or non-2xx answers`);
    if (lost > 0) console.error(`${lost} EVSEs lost an update or applied one out of order`);
  } finally {
    platform.kill('SIGTERM');
    baseline.kill('SIGTERM');
    const c = new Client({ connectionString: DB });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  }
  return rows;
}

/** Every EVSE that was sent PATCHes must hold the newest one's status and last_updated. */
async function verifyNewest(url: string, schema: string, newest: Map<string, { at: number; status: string }>): Promise<{ lost: number; checked: number }> {
  const c = new Client({ connectionString: url.replace(/\?schema=.*/, '') });
  await c.connect();
  try {
    const { rows } = await c.query<{ id: string; evses: Array<{ uid: string; status: string; last_updated: string }> }>(
      `SELECT document->>'id' AS id, document->'evses' AS evses FROM "${schema}"."received_location"`,
    );
    const stored = new Map<string, { status: string; at: number }>();
    for (const r of rows) for (const e of r.evses) stored.set(`${r.id}/${e.uid}`, { status: e.status, at: Date.parse(e.last_updated) });
    let lost = 0;
    for (const [key, sent] of newest) {
      const got = stored.get(key);
      if (!got || got.at !== sent.at || got.status !== sent.status) lost++;
    }
    return { lost, checked: newest.size };
  } finally {
    await c.end();
  }
}

if (require.main === module) {
  runEmspBench()
    .then((rows) => {
      console.log(table(rows));
      printBenchResults(rows);
      process.exit(0);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
