/**
 * bench/hub: the cost of one hop through the hub. A CPO platform serves 1,000 locations; a hub
 * platform has that CPO and an eMSP connected. The same GETs (one location, and a page of 100)
 * are sent directly to the CPO platform and through the hub (party-to-party, OCPI-to = the CPO),
 * in the same run: requests per second under load, and p50/p99 with one connection, whose
 * difference is the latency the hop adds.
 * Run: npx tsx bench/hub/run.ts   (PostgreSQL and Redis: BENCH_DATABASE_URL, BENCH_REDIS_URL, default the local ones)
 */
import { type ChildProcess, spawn } from 'node:child_process';
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
import { BENCH_DATABASE_URL, BENCH_REDIS_URL, freePort, platformArgs, REPO_ROOT } from '../environment.js';

const ROOT = REPO_ROOT;
const DB = BENCH_DATABASE_URL;
const LOCATIONS = Number(process.env.BENCH_LOCATIONS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);

interface Row {
  scenario: string;
  ours: number;
  baseline: number | null;
  unit: string;
}

function location(i: number, stamp: number) {
  const at = new Date(stamp).toISOString();
  const evse = (n: number) => ({
    uid: `LOC${i}-E${n}`,
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
    address: `Stationsstraat ${i}`,
    city: 'Utrecht',
    country: 'NLD',
    coordinates: { latitude: '52.089444', longitude: '5.110278' },
    evses: [evse(1), evse(2)],
    time_zone: 'Europe/Amsterdam',
    last_updated: at,
  };
}

function envFor(schema: string, port: number) {
  return {
    NODE_ENV: 'production',
    ROLE: 'api',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: `${DB}?schema=${schema}`,
    REDIS_URL: BENCH_REDIS_URL,
    REDIS_PREFIX: `bench:${schema}`,
    ADMIN_API_KEY: 'bench-admin-key-0123456789',
    TOKEN_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_SECOND: '0',
    OUTBOUND_ALLOW_PRIVATE: 'true',
  };
}

async function context(env: Record<string, string>, schema: string) {
  await ensureDatabase(env.DATABASE_URL);
  await migrate(env.DATABASE_URL, schema);
  const config = parseConfig({ ...env });
  const db = createPrisma(env.DATABASE_URL, schema, 4);
  const redis = createRedis(config.REDIS_URL, 'commands');
  const ctx = createAppContext({ config, log: pino({ level: 'warn' }), db, redis, interfaces: moduleInterfaces, descriptors });
  return { ctx, db, close: async () => (await db.$disconnect(), redis.disconnect()) };
}

/** A registered peer: `accepts` is the token it presents to us, `presents` the one we present to it. */
async function seedPeer(
  ctx: Awaited<ReturnType<typeof context>>['ctx'],
  accepts: string,
  presents: string,
  role: { role: string; countryCode: string; partyId: string },
  endpoints: Array<{ identifier: string; role: string; url: string }>,
): Promise<string> {
  const credential = { kind: 'C' as const, tokenHash: ctx.secrets.hash(accepts), tokenEnc: ctx.secrets.encrypt(accepts) };
  const peer = await ctx.peerStore.createInvitation(role.partyId, credential);
  await ctx.peerStore.saveConnection(
    peer.id,
    {
      versionsUrl: 'http://127.0.0.1:9/versions',
      version: '2.2.1',
      endpoints: [{ identifier: 'credentials', role: 'SENDER', url: 'http://127.0.0.1:9/c' }, ...endpoints],
      peerTokenEnc: ctx.secrets.encrypt(presents),
      roles: [{ ...role, businessDetails: { name: role.partyId } }],
    },
    { keepHashes: [credential.tokenHash] },
  );
  return peer.id;
}

function waitReady(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('server did not start')), 60000);
    const poll = setInterval(
      () =>
        fetch(url).then(
          (r) => r.ok && (clearInterval(poll), clearTimeout(t), resolve()),
          () => undefined,
        ),
      200,
    );
  });
}

async function load(url: string, headers: Record<string, string>) {
  const r = await autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS });
  return { rps: Math.round(r.requests.average), errors: r.errors + r.non2xx };
}

async function latency(url: string, headers: Record<string, string>) {
  const r = await autocannon({ url, headers, connections: 1, duration: Math.max(3, Math.round(SECONDS / 2)) });
  return { p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

export async function runHubBench(): Promise<Row[]> {
  const tag = crypto.randomBytes(3).toString('hex');
  const cpoSchema = `bench_hub_cpo_${tag}`;
  const hubSchema = `bench_hub_hub_${tag}`;
  const cpoPort = await freePort();
  const hubPort = await freePort();
  const cpoEnv = envFor(cpoSchema, cpoPort);
  const hubEnv = envFor(hubSchema, hubPort);
  const emspDirect = crypto.randomBytes(16).toString('hex');
  const hubAtCpo = crypto.randomBytes(16).toString('hex');
  const emspAtHub = crypto.randomBytes(16).toString('hex');

  // CPO platform: the party, its locations, a direct eMSP connection, and the hub's connection.
  const cpo = await context(cpoEnv, cpoSchema);
  await cpo.ctx.parties.create({ countryCode: 'NL', partyId: 'CPO', roles: ['CPO'], businessDetails: { name: 'Bench CPO' } });
  await seedPeer(cpo.ctx, emspDirect, 'x', { role: 'EMSP', countryCode: 'DE', partyId: 'EMS' }, []);
  const hubPeerAtCpo = await seedPeer(cpo.ctx, hubAtCpo, 'x', { role: 'HUB', countryCode: 'NL', partyId: 'HUB' }, []);
  // Parties behind a hub are known from its ClientInfo; the eMSP has a second identity there.
  await cpo.db.remoteClientInfo.create({
    data: { peerId: hubPeerAtCpo, partyKey: 'DEEM2', role: 'EMSP', countryCode: 'DE', partyId: 'EM2', status: 'CONNECTED', lastUpdated: new Date() },
  });
  const base = Date.UTC(2025, 0, 1);
  const docs = Array.from({ length: LOCATIONS }, (_, i) => location(i, base + i * 1000));
  await cpo.db.$executeRawUnsafe(
    `INSERT INTO "${cpoSchema}"."own_location" (location_key, party_key, last_updated, document) SELECT k, 'NLCPO', u, d::jsonb FROM unnest($1::text[], $2::timestamptz[], $3::text[]) AS t(k, u, d)`,
    docs.map((d) => d.id),
    docs.map((d) => new Date(d.last_updated)),
    docs.map((d) => JSON.stringify(d)),
  );
  await cpo.close();

  // Hub platform: the hub party, the CPO (reached with the hub's token at the CPO) and the eMSP.
  const hub = await context(hubEnv, hubSchema);
  await hub.ctx.parties.create({ countryCode: 'NL', partyId: 'HUB', roles: ['HUB' as 'CPO'], businessDetails: { name: 'Bench Hub' } });
  await seedPeer(hub.ctx, crypto.randomBytes(16).toString('hex'), hubAtCpo, { role: 'CPO', countryCode: 'NL', partyId: 'CPO' }, [
    { identifier: 'locations', role: 'SENDER', url: `http://127.0.0.1:${cpoPort}/ocpi/cpo/2.2.1/locations` },
  ]);
  await seedPeer(hub.ctx, emspAtHub, 'x', { role: 'EMSP', countryCode: 'DE', partyId: 'EM2' }, []);
  await hub.close();

  const start = (env: Record<string, string>) =>
    spawn(process.execPath, [...(process.env.BENCH_PROFILE && env === hubEnv ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof-hub'] : []), ...platformArgs()], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  const procs: ChildProcess[] = [start(cpoEnv), start(hubEnv)];
  const rows: Row[] = [];
  try {
    await Promise.all([waitReady(`http://127.0.0.1:${cpoPort}/health/live`), waitReady(`http://127.0.0.1:${hubPort}/health/live`)]);
    const auth = (t: string) => `Token ${Buffer.from(t).toString('base64')}`;
    const direct = { authorization: auth(emspDirect), 'ocpi-from-country-code': 'DE', 'ocpi-from-party-id': 'EMS', 'ocpi-to-country-code': 'NL', 'ocpi-to-party-id': 'CPO' };
    const viaHub = { authorization: auth(emspAtHub), 'ocpi-from-country-code': 'DE', 'ocpi-from-party-id': 'EM2', 'ocpi-to-country-code': 'NL', 'ocpi-to-party-id': 'CPO' };
    const cpoUrl = (p: string) => `http://127.0.0.1:${cpoPort}/ocpi/cpo/2.2.1/locations${p}`;
    const hubUrl = (p: string) => `http://127.0.0.1:${hubPort}/ocpi/hub/2.2.1/locations/sender${p}`;
    for (const [url, headers] of [
      [cpoUrl('/LOC1'), direct],
      [hubUrl('/LOC1'), viaHub],
    ] as const) {
      const res = await fetch(url, { headers });
      const body = (await res.json()) as { status_code: number };
      if (body.status_code !== 1000) throw new Error(`warm-up ${url}: ${JSON.stringify(body)}`);
    }
    const cases = [
      { name: 'one location', path: '/LOC1' },
      { name: 'last page of 100 locations (no Link)', path: `?offset=${LOCATIONS - 100}&limit=100` },
      { name: 'first page of 100 locations (Link rewritten to a sealed hub URL)', path: '?offset=0&limit=100' },
    ];
    for (const c of cases) {
      const d = await load(cpoUrl(c.path), direct);
      const h = await load(hubUrl(c.path), viaHub);
      const dl = await latency(cpoUrl(c.path), direct);
      const hl = await latency(hubUrl(c.path), viaHub);
      for (const [n, r] of Object.entries({ d, h, dl, hl })) if (r.errors) console.error(`${c.name} ${n}: ${r.errors} errors or non-2xx answers`);
      console.log(`${c.name}: direct ${d.rps} req/s, via hub ${h.rps} req/s; 1 connection p50 ${dl.p50} -> ${hl.p50} ms, p99 ${dl.p99} -> ${hl.p99} ms`);
      rows.push({ scenario: `GET ${c.name} through the hub (${CONNECTIONS} connections): req/s, baseline = same GET direct`, ours: h.rps, baseline: d.rps, unit: 'req/s' });
      rows.push({ scenario: `GET ${c.name}, 1 connection: p50 through the hub, baseline = direct`, ours: hl.p50, baseline: dl.p50, unit: 'ms' });
      rows.push({ scenario: `GET ${c.name}, 1 connection: p99 through the hub, baseline = direct`, ours: hl.p99, baseline: dl.p99, unit: 'ms' });
      rows.push({ scenario: `GET ${c.name}: latency added by the hub hop, p50`, ours: Math.round((hl.p50 - dl.p50) * 100) / 100, baseline: null, unit: 'ms' });
      rows.push({ scenario: `GET ${c.name}: latency added by the hub hop, p99`, ours: Math.round((hl.p99 - dl.p99) * 100) / 100, baseline: null, unit: 'ms' });
    }
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    const c = new Client({ connectionString: DB });
    await c.connect();
    for (const s of [cpoSchema, hubSchema]) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await c.end();
  }
  return rows;
}

if (require.main === module) {
  runHubBench()
    .then((rows) => {
      for (const r of rows) console.log(`${r.scenario}: ${r.ours} ${r.unit}${r.baseline !== null ? ` (baseline ${r.baseline})` : ''}`);
      printBenchResults(rows);
      process.exit(0);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
