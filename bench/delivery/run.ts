/**
 * bench/delivery: deliveries per second with one worker process against a local sink, next to
 * the naive design measured in the same run, and the time one change takes to reach 100 peers.
 * Run: npx tsx bench/delivery/run.ts   (PostgreSQL and Redis: BENCH_DATABASE_URL, BENCH_REDIS_URL, default the local ones)
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { Client } from 'pg';
import pino from 'pino';
import { parseConfig } from '../../src/config.js';
import type { OutboxMessageInput } from '../../src/delivery/outbox.js';
import { type RunningPlatform, startPlatform } from '../../src/runtime.js';
import { printBenchResults } from '../result.js';
import { BENCH_DATABASE_URL, BENCH_REDIS_URL, freePort, nodeArgs, platformArgs, REPO_ROOT } from '../environment.js';
import { startFastSink } from './fast-sink.js';
import { measurePendingRows } from './pending-rows.js';

const ROOT = REPO_ROOT;
const DB = BENCH_DATABASE_URL;
const REDIS = BENCH_REDIS_URL;
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20000);
const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 5000);

export interface BenchRow {
  scenario: string;
  ours: number;
  baseline: number | null;
  unit: string;
}

async function freshSchema(): Promise<string> {
  const schema = `bench_${crypto.randomBytes(4).toString('hex')}`;
  return schema;
}

async function dropSchema(schema: string) {
  const c = new Client({ connectionString: DB });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
}

/** Registers one peer per sink URL, each with its locations RECEIVER there. */
async function registerPeers(platform: RunningPlatform, sinkUrls: string[]): Promise<string[]> {
  const { ctx } = platform;
  const ids: string[] = [];
  for (let i = 0; i < sinkUrls.length; i++) {
    const sinkUrl = sinkUrls[i];
    const ours = ctx.secrets.generateToken();
    const credential = { kind: 'B' as const, tokenHash: ctx.secrets.hash(ours), tokenEnc: ctx.secrets.encrypt(ours) };
    const endpoints = [
      { identifier: 'locations', role: 'RECEIVER', url: `${sinkUrl}/peer${i}/locations` },
      { identifier: 'credentials', role: 'SENDER', url: `${sinkUrl}/c` },
    ];
    const peer = await ctx.peerStore.createOutgoing(`bench ${i}`, `${sinkUrl}/versions`, '2.2.1', endpoints, 'base64', credential);
    const party = crypto.randomBytes(2).toString('hex').slice(0, 3).toUpperCase();
    await ctx.peerStore.saveConnection(
      peer.id,
      {
        versionsUrl: `${sinkUrl}/versions`,
        version: '2.2.1',
        endpoints,
        peerTokenEnc: ctx.secrets.encrypt(`peer-${i}`),
        roles: [{ role: 'EMSP', countryCode: 'DE', partyId: party, businessDetails: { name: 'bench' } }],
      },
      { keepHashes: [credential.tokenHash] },
    );
    ids.push(peer.id);
  }
  return ids;
}

function message(peerId: string, obj: number, version: number, at: number): OutboxMessageInput {
  return {
    peerId,
    objectKey: `locations:NL/CPO/LOC${obj}`,
    kind: 'PUSH',
    module: 'locations',
    method: 'PATCH',
    target: { interfaceRole: 'RECEIVER', path: `/NL/CPO/LOC${obj}` },
    body: { status: 'AVAILABLE', version, last_updated: new Date(at).toISOString() },
    fullVersion: false,
    lastUpdated: new Date(at),
    from: { countryCode: 'NL', partyId: 'CPO' },
    to: { countryCode: 'DE', partyId: 'P00' },
  };
}

function startWorker(env: Record<string, string>) {
  return spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), ...platformArgs('start:worker')], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env, ROLE: 'worker', LOG_LEVEL: 'warn' },
  });
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function naiveBaseline(sinkUrl: string): Promise<number> {
  const prefix = `bench-naive-${crypto.randomBytes(3).toString('hex')}`;
  const child = spawn(process.execPath, [...nodeArgs('bench/delivery/naive-worker.ts'), sinkUrl, String(MESSAGES), prefix], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, REDIS_URL: REDIS },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((r) => child.on('exit', r));
  const { ms } = JSON.parse(out.trim().split('\n').pop() ?? '');
  return (MESSAGES / ms) * 1000;
}

export async function runDeliveryBench(): Promise<BenchRow[]> {
  // Port 0 is the throughput peer; ports 1-99 join it for the fan-out.
  const sink = await startFastSink(100);
  const schema = await freshSchema();
  const env = {
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: 'http://127.0.0.1:1',
    DATABASE_URL: `${DB}?schema=${schema}`,
    REDIS_URL: REDIS,
    REDIS_PREFIX: `bench:${schema}`,
    ADMIN_API_KEY: 'bench-admin-key-0123456789',
    TOKEN_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    OUTBOUND_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'warn',
  };
  const platform = await startPlatform(parseConfig({ ...env, ROLE: 'api' }), { logger: pino({ level: 'warn' }) });
  const rows: BenchRow[] = [];
  const worker = startWorker({ ...env, PORT: String(await freePort()) });
  try {
    const [peer] = await registerPeers(platform, sink.urls.slice(0, 1));
    await new Promise((r) => setTimeout(r, 1500)); // worker start-up

    // Throughput: MESSAGES updates over OBJECTS objects to one peer, every guarantee on.
    const base = Date.now();
    const batches: OutboxMessageInput[] = [];
    for (let i = 0; i < MESSAGES; i++) batches.push(message(peer, i % OBJECTS, Math.floor(i / OBJECTS) + 1, base + i));
    const before = sink.count();
    const started = Date.now();
    for (let i = 0; i < batches.length; i += 2000) await platform.ctx.outbox.enqueue(platform.ctx.db, batches.slice(i, i + 2000));
    await waitFor(() => sink.count() - before >= MESSAGES, 300_000);
    await waitFor(async () => (await platform.ctx.db.outboxMessage.count({ where: { status: 'PENDING' } })) === 0, 60_000);
    const ours = (MESSAGES / (Date.now() - started)) * 1000;
    const naive = await naiveBaseline(sink.urls[0]);
    rows.push({
      scenario: `deliveries/s, one worker process, ${MESSAGES} updates of ${OBJECTS} objects to one peer`,
      ours: Math.round(ours),
      baseline: Math.round(naive),
      unit: 'deliveries/s',
    });

    // Fan-out: one change to 100 connected peers.
    const peers = [peer, ...(await registerPeers(platform, sink.urls.slice(1)))];
    const times: number[] = [];
    for (let round = 0; round < 7; round++) {
      const target = sink.count() + peers.length;
      const t0 = process.hrtime.bigint();
      const reached = new Promise<void>((resolve) => sink.onRequest(() => sink.count() >= target && resolve()));
      const at = Date.now() + 1_000_000 + round;
      await platform.ctx.db.$transaction((tx) =>
        platform.ctx.outbox.enqueue(
          tx,
          peers.map((p) => message(p, 999_999, round, at)),
        ),
      );
      await reached;
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      sink.onRequest(null);
      await new Promise((r) => setTimeout(r, 200));
    }
    times.sort((a, b) => a - b);
    rows.push({ scenario: 'one change reaches 100 peers (median of 7, ms; max in the next row)', ours: Math.round(times[3]), baseline: null, unit: 'ms' });
    rows.push({ scenario: 'one change reaches 100 peers (slowest of 7, ms)', ours: Math.round(times[6]), baseline: null, unit: 'ms' });
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.on('exit', r));
    await platform.close();
    await sink.close();
    await dropSchema(schema);
  }
  return rows;
}

export function table(rows: BenchRow[]): string {
  const lines = ['| scenario | ours | baseline | ratio |', '|---|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.scenario} | ${r.ours} ${r.unit} | ${r.baseline ?? '-'} | ${r.baseline ? `${(r.ours / r.baseline).toFixed(2)}x` : '-'} |`);
  return lines.join('\n');
}

if (require.main === module) {
  runDeliveryBench()
    .then(async (rows) => {
      rows.push(...(await measurePendingRows()));
      console.log(table(rows));
      printBenchResults(rows);
      process.exit(0);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
