/**
 * bench/scale/peers: one change fanned out to 200 eMSP peers. One CPO party with
 * BENCH_PEER_LOCATIONS locations of 4 EVSEs; EVSE status PATCHes through the backend API
 * (autocannon) with 1 connected peer and then with 200, the API process alone (no worker, so
 * delivery does not compete with ingest); the outbox's bytes per change (pg_total_relation_size
 * of its tables and partitions, after minus before, over the changes written) as written and once
 * delivered; then one worker process draining everything to the 200 fake peers (bench/delivery/
 * fast-sink.ts: a port per peer, answering OCPI 1000 at little CPU cost, so the figure is the
 * worker's): deliveries per wall second and per CPU second of the worker.
 * Run: npx tsx bench/scale/peers.ts   (BENCH_DATABASE_URL, BENCH_REDIS_URL; BENCH_SECONDS, BENCH_PEERS)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import autocannon from 'autocannon';
import { Client } from 'pg';
import pino from 'pino';
import { createAppContext } from '../../src/app-context.js';
import { parseConfig } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import { ensureDatabase } from '../../src/db/ensure-database.js';
import { migrate } from '../../src/db/migrate.js';
import { createPrisma } from '../../src/db/prisma.js';
import { descriptors, moduleInterfaces } from '../../src/modules/registry.js';
import { createRedis } from '../../src/redis.js';
import { startFastSink } from '../delivery/fast-sink.js';
import { BENCH_DATABASE_URL, BENCH_REDIS_URL, freePort, platformArgs, REPO_ROOT } from '../environment.js';
import { printBenchResults } from '../result.js';

const DB = BENCH_DATABASE_URL;
const LOCATIONS = Number(process.env.BENCH_PEER_LOCATIONS ?? 2000);
const PEERS = Number(process.env.BENCH_PEERS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);

function location(i: number, stamp: number) {
  const evse = (n: number) => ({
    uid: `LOC${i}-E${n}`,
    evse_id: `NL*CPO*E${i}${n}`,
    status: 'AVAILABLE',
    connectors: [
      { id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_voltage: 230, max_amperage: 32, last_updated: new Date(stamp).toISOString() },
    ],
    last_updated: new Date(stamp).toISOString(),
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
    evses: [evse(1), evse(2), evse(3), evse(4)],
    time_zone: 'Europe/Amsterdam',
    last_updated: new Date(stamp).toISOString(),
  };
}

async function addPeers(ctx: AppContext, sinkUrls: string[], from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    const sinkUrl = sinkUrls[i];
    const token = ctx.secrets.generateToken();
    const credential = { kind: 'C' as const, tokenHash: ctx.secrets.hash(token), tokenEnc: ctx.secrets.encrypt(token) };
    const endpoints = [
      { identifier: 'locations', role: 'RECEIVER', url: `${sinkUrl}/peer${i}/emsp/locations` },
      { identifier: 'credentials', role: 'SENDER', url: `${sinkUrl}/peer${i}/credentials` },
    ];
    const peer = await ctx.peerStore.createInvitation(`bench eMSP ${i}`, credential);
    await ctx.peerStore.saveConnection(
      peer.id,
      {
        versionsUrl: `${sinkUrl}/peer${i}/versions`,
        version: '2.2.1',
        endpoints,
        peerTokenEnc: ctx.secrets.encrypt(`peer-token-${i}`),
        roles: [{ role: 'EMSP', countryCode: 'DE', partyId: `E${String(i).padStart(2, '0')}`.slice(0, 3), businessDetails: { name: `eMSP ${i}` } }],
      },
      { keepHashes: [credential.tokenHash] },
    );
  }
}

function waitHttp(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${url} did not answer`)), 60_000);
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

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));
}

async function main(): Promise<void> {
  const schema = `bench_peers_${crypto.randomBytes(3).toString('hex')}`;
  const url = `${DB}?schema=${schema}`;
  const env = {
    NODE_ENV: 'production',
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
  const sink = await startFastSink(PEERS);
  const config = parseConfig({ ...env, ROLE: 'api' });
  const db = createPrisma(url, schema, 4);
  const redis = createRedis(config.REDIS_URL, 'commands');
  const ctx = createAppContext({ config, log: pino({ level: 'warn' }), db, redis, interfaces: moduleInterfaces, descriptors });
  const pg = new Client({ connectionString: DB });
  await pg.connect();
  const q = `"${schema}"`;
  const outboxBytes = async () =>
    Number(
      (
        await pg.query(
          `SELECT sum(pg_total_relation_size(relid))::bigint AS b FROM (
             SELECT relid FROM pg_partition_tree('${q}."outbox_message"') UNION ALL SELECT relid FROM pg_partition_tree('${q}."outbox_change"')
             UNION ALL SELECT '${q}."outbox_fanout"'::regclass) t`,
        )
      ).rows[0].b,
    );
  const changes = async () => Number((await pg.query(`SELECT count(*)::int AS n FROM ${q}."outbox_change"`)).rows[0].n);
  const pending = async () =>
    Number((await pg.query(`SELECT (SELECT count(*) FROM ${q}."outbox_message" WHERE status = 'PENDING') + (SELECT count(*) FROM ${q}."outbox_fanout") AS n`)).rows[0].n);
  // PostgreSQL's write-ahead log so far (the whole cluster: nothing else writes during the drain).
  // Per delivery it measures the database's work far more steadily than a rate on a shared machine.
  const wal = async () => {
    const row = (await pg.query('SELECT wal_records::float8 AS records, wal_fpi::float8 AS fpi, wal_bytes::float8 AS bytes FROM pg_stat_wal')).rows[0];
    return { records: Number(row.records), fpi: Number(row.fpi), bytes: Number(row.bytes) };
  };
  // CPU of PostgreSQL's processes (backends and background processes) by pid, where /proc shows them.
  const pgCpu = async () => {
    const pids = (await pg.query('SELECT pid FROM pg_stat_activity')).rows.map((r) => Number(r.pid));
    return new Map(pids.map((pid) => [pid, cpuSeconds(pid) ?? 0]));
  };

  let api: ChildProcess | null = null;
  let worker: ChildProcess | null = null;
  try {
    await ctx.parties.create({ countryCode: 'NL', partyId: 'CPO', roles: ['CPO'], businessDetails: { name: 'Bench CPO' } });
    const base = Date.UTC(2025, 0, 1);
    for (let i = 0; i < LOCATIONS; i += 1000) {
      const docs = Array.from({ length: Math.min(1000, LOCATIONS - i) }, (_, k) => location(i + k, base + (i + k) * 1000));
      await db.$executeRawUnsafe(
        `INSERT INTO ${q}."own_location" (location_key, party_key, last_updated, document) SELECT k, 'NLCPO', u, d::jsonb FROM unnest($1::text[], $2::timestamptz[], $3::text[]) AS t(k, u, d)`,
        docs.map((d) => d.id),
        docs.map((d) => new Date(d.last_updated)),
        docs.map((d) => JSON.stringify(d)),
      );
    }
    await addPeers(ctx, sink.urls, 0, 1);

    const port = await freePort();
    const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
    api = spawn(process.execPath, [...profile, ...platformArgs()], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, ROLE: 'api', PORT: String(port) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitHttp(`http://127.0.0.1:${port}/health/live`);
    let n = 0;
    const ingest = async (seconds: number) => {
      const r = await autocannon({
        url: `http://127.0.0.1:${port}`,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [
          {
            method: 'PATCH',
            setupRequest: (req) => {
              const i = n++ % LOCATIONS;
              return {
                ...req,
                path: `/admin/parties/NL/CPO/locations/LOC${i}/LOC${i}-E${1 + (Math.floor(n / LOCATIONS) % 4)}`,
                headers: { 'content-type': 'application/json', authorization: 'Bearer bench-admin-key-0123456789' },
                body: JSON.stringify({ status: n % 2 ? 'CHARGING' : 'AVAILABLE' }),
              };
            },
          },
        ],
      });
      if (r.errors + r.non2xx) console.error(`ingest: ${r.errors} errors, ${r.non2xx} non-2xx answers`);
      return { rps: Math.round(r.requests.average), p99: r.latency.p99 };
    };
    await ingest(2);
    const one = await ingest(SECONDS);

    await addPeers(ctx, sink.urls, 1, PEERS);
    await ingest(2);
    const bytes0 = await outboxBytes();
    const changes0 = await changes();
    const many = await ingest(SECONDS);
    const written = (await changes()) - changes0;
    const bytesWritten = (await outboxBytes()) - bytes0;

    const backlog = await pending();
    const sent0 = sink.count();
    const wal0 = await wal();
    const pgCpu0 = await pgCpu();
    const started = Date.now();
    worker = spawn(process.execPath, [...profile, ...platformArgs('start:worker')], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, ROLE: 'worker', PORT: String(await freePort()) },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    let firstAt = 0;
    let cpuAtFirst: number | null = null;
    // The drain ends at the last delivery. The outbox is counted only once deliveries pause: a
    // count over a million rows every 100 ms would take a core of PostgreSQL from the worker.
    let seen = sent0;
    let lastAt = 0;
    let cpuAtLast: number | null = null;
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const now = sink.count();
      if (now > seen) {
        if (!firstAt) {
          firstAt = Date.now();
          cpuAtFirst = cpuSeconds(worker.pid);
        }
        seen = now;
        lastAt = Date.now();
        cpuAtLast = cpuSeconds(worker.pid);
      } else if (firstAt && Date.now() - lastAt >= 1000 && (await pending()) === 0) {
        break;
      }
      if (Date.now() - started > 600_000) throw new Error('the worker did not drain the outbox in 10 minutes');
    }
    const delivered = sink.count() - sent0;
    const wal1 = await wal();
    let pgCpuSeconds = 0;
    for (const [pid, seconds] of await pgCpu()) pgCpuSeconds += seconds - (pgCpu0.get(pid) ?? 0);
    const walPer = (figure: 'records' | 'fpi' | 'bytes') => (wal1[figure] - wal0[figure]) / Math.max(1, delivered);
    const drainSeconds = (lastAt - firstAt) / 1000;
    const cpuAtEnd = cpuAtLast;
    const workerCpu = cpuAtEnd !== null && cpuAtFirst !== null ? cpuAtEnd - cpuAtFirst : null;
    const bytesDelivered = (await outboxBytes()) - bytes0;

    printBenchResults([
      { scenario: `EVSE status PATCH via backend API, 1 peer: req/s (p99 ${one.p99} ms)`, ours: one.rps, unit: 'req/s' },
      {
        scenario: `EVSE status PATCH via backend API, ${PEERS} peers: req/s (p99 ${many.p99} ms; target >= 0.7x of 1 peer)`,
        ours: many.rps,
        baseline: one.rps,
        unit: 'req/s',
      },
      {
        scenario: `outbox bytes per change as written, ${PEERS} peers (${written} changes)`,
        ours: Math.round(bytesWritten / Math.max(1, written)),
        unit: 'bytes/change',
      },
      {
        scenario: `outbox bytes per change once delivered to ${PEERS} peers (per-peer rows + one body)`,
        ours: Math.round(bytesDelivered / Math.max(1, written)),
        unit: 'bytes/change',
      },
      {
        scenario: `one worker draining ${backlog} waiting rows/fan-outs to ${PEERS} fast peers (${delivered} deliveries in ${drainSeconds.toFixed(1)} s)`,
        ours: Math.round(delivered / drainSeconds),
        unit: 'deliveries/s',
        note: 'target >= 10000',
      },
      ...(workerCpu
        ? [
            {
              scenario: `the same drain per CPU second of the worker process (${workerCpu.toFixed(1)} CPU s from its first delivery; what one free core would do)`,
              ours: Math.round(delivered / workerCpu),
              unit: 'deliveries/CPU-s',
            },
          ]
        : []),
      {
        scenario: `PostgreSQL's write-ahead log per delivery during the drain, fan-out expansion included (${walPer('records').toFixed(1)} records, ${walPer('fpi').toFixed(2)} full-page images; lower is better)`,
        ours: Math.round(walPer('bytes')),
        unit: 'WAL bytes/delivery',
      },
      {
        scenario: `PostgreSQL CPU per delivery during the drain (${pgCpuSeconds.toFixed(1)} CPU s of the processes alive at its end; lower is better)`,
        ours: Math.round((pgCpuSeconds * 1e6) / Math.max(1, delivered)),
        unit: 'µs/delivery',
      },
    ]);
  } finally {
    if (worker) worker.kill('SIGTERM');
    if (api) api.kill('SIGTERM');
    await Promise.all([worker ? exited(worker) : undefined, api ? exited(api) : undefined]);
    await sink.close();
    await db.$disconnect();
    redis.disconnect();
    await pg.query(`DROP SCHEMA IF EXISTS ${q} CASCADE`).catch((e) => console.error(`could not drop bench schema ${schema}: ${(e as Error).message}`));
    await pg.end();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
