/**
 * bench/cpo: 10,000 locations of 4 EVSEs each. Requests per second and p99 for a locations page
 * (limit 100) at offset 0 and at the last page, and for an EVSE status PATCH through the backend
 * API (stored + one outbox row), next to a bare Express route sending the same bytes from memory,
 * a bare Express JSON PATCH route and a bare Express + Prisma findMany of the same rows, measured
 * in the same run. bench/scale/locations.ts runs the same at 100,000 locations.
 * Run: npx tsx bench/cpo/run.ts   (PostgreSQL and Redis: BENCH_DATABASE_URL, BENCH_REDIS_URL, default the local ones)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import pino from 'pino';
import { parseConfig } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';
import { ensureDatabase } from '../../src/db/ensure-database.js';
import { createAppContext } from '../../src/app-context.js';
import { createPrisma } from '../../src/db/prisma.js';
import { descriptors, moduleInterfaces } from '../../src/modules/registry.js';
import { createRedis } from '../../src/redis.js';
import { printBenchResults } from '../result.js';
import { BENCH_DATABASE_URL, BENCH_REDIS_URL, freePort, nodeArgs, platformArgs, REPO_ROOT } from '../environment.js';

const ROOT = REPO_ROOT;
const DB = BENCH_DATABASE_URL;
const LOCATIONS = Number(process.env.BENCH_LOCATIONS ?? 10000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);

export interface BenchRow {
  scenario: string;
  ours: number;
  baseline: number | null;
  unit: string;
  note?: string;
}

export function location(i: number, stamp: number) {
  const evse = (n: number) => ({
    uid: `LOC${i}-E${n}`,
    evse_id: `NL*CPO*E${i}${n}`,
    status: 'AVAILABLE',
    capabilities: ['REMOTE_START_STOP_CAPABLE', 'RFID_READER'],
    connectors: [
      {
        id: '1',
        standard: 'IEC_62196_T2',
        format: 'SOCKET',
        power_type: 'AC_3_PHASE',
        max_voltage: 230,
        max_amperage: 32,
        tariff_ids: ['T1'],
        last_updated: new Date(stamp).toISOString(),
      },
    ],
    last_updated: new Date(stamp).toISOString(),
  });
  return {
    country_code: 'NL',
    party_id: 'CPO',
    id: `LOC${i}`,
    publish: true,
    name: `Station ${i}`,
    address: `Stationsstraat ${i}`,
    city: 'Utrecht',
    postal_code: '3511 ED',
    country: 'NLD',
    coordinates: { latitude: '52.089444', longitude: '5.110278' },
    parking_type: 'ON_STREET',
    evses: [evse(1), evse(2), evse(3), evse(4)],
    time_zone: 'Europe/Amsterdam',
    last_updated: new Date(stamp).toISOString(),
  };
}

export function waitReady(child: ChildProcess, url?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('server did not start')), 60000);
    if (url) {
      const poll = setInterval(
        () =>
          fetch(url).then(
            (r) => r.ok && (clearInterval(poll), clearTimeout(t), resolve()),
            () => undefined,
          ),
        200,
      );
    } else {
      const stdout = child.stdout;
      if (!stdout) throw new Error('waitReady without a url needs the child spawned with a piped stdout');
      stdout.on('data', (d) => String(d).includes('ready') && (clearTimeout(t), resolve()));
    }
  });
}

export async function measure(opts: autocannon.Options): Promise<{ rps: number; p99: number; errors: number; requests: number }> {
  const r = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...opts });
  return { rps: Math.round(r.requests.average), p99: r.latency.p99, errors: r.errors + r.non2xx, requests: r.requests.total };
}

/** The environment of a bench platform process on `url` (its own schema). */
export function platformEnv(url: string, schema: string): Record<string, string> {
  return {
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
}

/**
 * A fresh schema with a CPO party NL/CPO, a registered eMSP peer (whose token reads the list,
 * and who would receive the pushes) and `locations` locations of 4 EVSEs, one second apart.
 */
export async function prepareCpoSchema(prefix: string, locations: number): Promise<{ schema: string; url: string; env: Record<string, string>; peerToken: string }> {
  const schema = `${prefix}_${crypto.randomBytes(3).toString('hex')}`;
  const url = `${DB}?schema=${schema}`;
  const env = platformEnv(url, schema);
  await ensureDatabase(url);
  await migrate(url, schema);

  const config = parseConfig({ ...env });
  const db = createPrisma(url, schema, 4);
  const redis = createRedis(config.REDIS_URL, 'commands');
  const ctx = createAppContext({ config, log: pino({ level: 'warn' }), db, redis, interfaces: moduleInterfaces, descriptors });
  await ctx.parties.create({ countryCode: 'NL', partyId: 'CPO', roles: ['CPO'], businessDetails: { name: 'Bench CPO' } });
  const peerToken = ctx.secrets.generateToken();
  const credential = { kind: 'C' as const, tokenHash: ctx.secrets.hash(peerToken), tokenEnc: ctx.secrets.encrypt(peerToken) };
  const endpoints = [
    { identifier: 'locations', role: 'RECEIVER', url: 'http://127.0.0.1:9/emsp/locations' },
    { identifier: 'credentials', role: 'SENDER', url: 'http://127.0.0.1:9/c' },
  ];
  const peer = await ctx.peerStore.createInvitation('bench eMSP', credential);
  await ctx.peerStore.saveConnection(
    peer.id,
    {
      versionsUrl: 'http://127.0.0.1:9/versions',
      version: '2.2.1',
      endpoints,
      peerTokenEnc: ctx.secrets.encrypt('x'),
      roles: [{ role: 'EMSP', countryCode: 'DE', partyId: 'EMS', businessDetails: { name: 'eMSP' } }],
    },
    { keepHashes: [credential.tokenHash] },
  );
  const base = Date.UTC(2025, 0, 1);
  for (let i = 0; i < locations; i += 1000) {
    const docs = Array.from({ length: Math.min(1000, locations - i) }, (_, k) => location(i + k, base + (i + k) * 1000));
    await db.$executeRawUnsafe(
      `INSERT INTO "${schema}"."own_location" (location_key, party_key, last_updated, document) SELECT k, 'NLCPO', u, d::jsonb FROM unnest($1::text[], $2::timestamptz[], $3::text[]) AS t(k, u, d)`,
      docs.map((d) => d.id),
      docs.map((d) => new Date(d.last_updated)),
      docs.map((d) => JSON.stringify(d)),
    );
  }
  await db.$executeRawUnsafe(`ANALYZE "${schema}"."own_location"`);
  await db.$disconnect();
  redis.disconnect();
  return { schema, url, env, peerToken };
}

/** EVSE status PATCHes through the backend API, one location after the other, alternating the status. */
export function evsePatchRequests(locations: number): autocannon.Request[] {
  let n = 0;
  return [
    {
      method: 'PATCH',
      setupRequest: (req) => {
        const i = n++ % locations;
        return {
          ...req,
          path: `/admin/parties/NL/CPO/locations/LOC${i}/LOC${i}-E1`,
          headers: { 'content-type': 'application/json', authorization: 'Bearer bench-admin-key-0123456789' },
          body: JSON.stringify({ status: n % 2 ? 'CHARGING' : 'AVAILABLE' }),
        };
      },
    },
  ];
}

/** The platform process's CPU seconds so far (its Prometheus metrics). */
async function cpuSeconds(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('process_cpu_seconds_total '));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

export async function dropBenchSchema(schema: string): Promise<void> {
  const c = new Client({ connectionString: DB });
  try {
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } catch (e) {
    console.error(`could not drop bench schema ${schema}: ${(e as Error).message}`);
  } finally {
    await c.end();
  }
}

export async function runCpoBench(): Promise<BenchRow[]> {
  const { schema, env, peerToken } = await prepareCpoSchema('bench_cpo', LOCATIONS);

  const port = await freePort();
  const platform = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), ...platformArgs()], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitReady(platform, `http://127.0.0.1:${port}/health/live`);
  const auth = { Authorization: `Token ${Buffer.from(peerToken).toString('base64')}` };
  const page = (offset: number) => `http://127.0.0.1:${port}/ocpi/cpo/2.2.1/locations?offset=${offset}&limit=100`;
  const firstBytes = Buffer.from(await (await fetch(page(0), { headers: auth })).arrayBuffer());
  const bytesFile = path.join(os.tmpdir(), `bench-cpo-${schema}.json`);
  fs.writeFileSync(bytesFile, firstBytes);
  const basePort = await freePort();
  const baseline = spawn(process.execPath, [...nodeArgs('bench/cpo/baseline-server.ts'), String(basePort), bytesFile, DB, schema], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await waitReady(baseline);

  const rows: BenchRow[] = [];
  try {
    // Warm-up, as in bench/emsp: a process's first second runs at a fraction of its steady rate
    // (JIT compilation competing for the 2 cores), which would otherwise count against whichever
    // scenario happens to come first. Both servers get the same.
    await measure({ url: `http://127.0.0.1:${basePort}/bare`, duration: 2 });
    const bare = await measure({ url: `http://127.0.0.1:${basePort}/bare` });
    const prisma = await measure({ url: `http://127.0.0.1:${basePort}/prisma?offset=0` });
    await measure({ url: page(0), headers: auth, duration: 2 });
    const first = await measure({ url: page(0), headers: auth });
    const last = await measure({ url: page(LOCATIONS - 100), headers: auth });
    const barePatch = await measure({ url: `http://127.0.0.1:${basePort}/patch`, method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"status":"CHARGING"}' });
    const cpuBefore = await cpuSeconds(port);
    const patch = await measure({ url: `http://127.0.0.1:${port}`, requests: evsePatchRequests(LOCATIONS) });
    // CPU per request is what a busy shared machine distorts least (req/s there mostly measures the neighbours).
    const cpuPerPatchMs = (((await cpuSeconds(port)) - cpuBefore) * 1000) / Math.max(1, patch.requests);
    const kb = (firstBytes.length / 1024).toFixed(0);
    rows.push({ scenario: `bare Express, same ${kb} KB page from memory (framework ceiling): req/s`, ours: bare.rps, baseline: null, unit: 'req/s' });
    rows.push({ scenario: 'bare Express + Prisma findMany, 100 locations: req/s', ours: prisma.rps, baseline: bare.rps, unit: 'req/s' });
    rows.push({ scenario: `locations page, limit 100, offset 0: req/s (p99 ${first.p99} ms)`, ours: first.rps, baseline: bare.rps, unit: 'req/s' });
    rows.push({ scenario: `locations page, limit 100, last page (offset ${LOCATIONS - 100}): req/s (p99 ${last.p99} ms)`, ours: last.rps, baseline: first.rps, unit: 'req/s' });
    rows.push({ scenario: 'bare Express JSON PATCH (framework ceiling): req/s', ours: barePatch.rps, baseline: null, unit: 'req/s' });
    rows.push({
      scenario: `EVSE status PATCH via backend API, stored + outbox row, ${LOCATIONS} locations: req/s (p99 ${patch.p99} ms)`,
      ours: patch.rps,
      baseline: barePatch.rps,
      unit: 'req/s',
      note: `${cpuPerPatchMs.toFixed(2)} ms CPU per PATCH in the API process`,
    });
    for (const [name, r] of Object.entries({ bare, prisma, first, last, barePatch, patch })) if (r.errors) console.error(`${name}: ${r.errors} errors or non-2xx answers`);
  } finally {
    // The platform must have let go of its locks before its schema is dropped (else: deadlock), and
    // a failing clean-up must not hide the bench's own error.
    const exited = (child: ChildProcess) => (child.exitCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r())));
    platform.kill('SIGTERM');
    baseline.kill('SIGTERM');
    await Promise.all([exited(platform), exited(baseline)]);
    await dropBenchSchema(schema);
  }
  return rows;
}

export function table(rows: BenchRow[]): string {
  const lines = ['| scenario | ours | baseline | ratio |', '|---|---:|---:|---:|'];
  for (const r of rows)
    lines.push(`| ${r.scenario}${r.note ? ` (${r.note})` : ''} | ${r.ours} | ${r.baseline ?? '-'} | ${r.baseline ? `${(r.ours / r.baseline).toFixed(2)}x` : '-'} |`);
  return lines.join('\n');
}

if (require.main === module) {
  runCpoBench()
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
