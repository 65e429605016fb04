/**
 * bench/ocpp: (a) how many OCPP 1.6J charge points one API process holds: N simulated charge
 * points (src/demo/ocpp-charge-point.ts, schema checks off) connect with HTTP Basic and boot; how
 * many stay connected while idle, the process's RSS per socket, and the connect rate. The first
 * BENCH_OCPP_FULL_HASHES (300) are registered with the platform's own scrypt hash, whose check
 * every handshake pays: their rate is the handshake rate, next to scrypt's own ceiling. The others
 * are stored with an N=1024 hash (bench data only, setup.ts) so that 10,000 sockets open in
 * minutes. (b) StatusNotification to OCPI push: StatusNotifications at a fixed rate across the
 * charge points, each changing one EVSE's status; an eMSP sink (plain HTTP, registered as the
 * peer) notes when each EVSE PATCH arrives; p50/p99 of send -> arrival and the achieved rate, at
 * each of BENCH_OCPP_RATES (100,1000 /s) for BENCH_OCPP_SECONDS (10). The API process and one
 * worker are spawned from the build with `ulimit -n` raised (reported).
 * Run: npx tsx bench/ocpp/run.ts   (BENCH_DATABASE_URL, BENCH_REDIS_URL; BENCH_OCPP_CHARGE_POINTS
 * default 10000, BENCH_OCPP_CONNECT_CONCURRENCY 50, BENCH_OCPP_IDLE_SECONDS 10)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { hashPassword, passwordMatches } from '../../src/backends/ocpp/charge-points.js';
import { SimulatedChargePoint, chargePointEndpoint } from '../../src/demo/ocpp-charge-point.js';
import { dropBenchSchema, waitReady } from '../cpo/run.js';
import { BENCH_REDIS_URL, REPO_ROOT, freePort, nodeArgs } from '../environment.js';
import { type BenchResult, printBenchResults } from '../result.js';
import { PASSWORD, type Sink, chargePointId, connectedInDb, prepareOcppSchema, startSink } from './setup.js';

const CHARGE_POINTS = Number(process.env.BENCH_OCPP_CHARGE_POINTS ?? 10_000);
/** StatusNotification rates, one load run each: below saturation first, then the target. */
const RATES = (process.env.BENCH_OCPP_RATES ?? '100,1000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_OCPP_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_OCPP_CONNECT_CONCURRENCY ?? 50);
const IDLE_SECONDS = Number(process.env.BENCH_OCPP_IDLE_SECONDS ?? 10);
/** Asked for in the API process (root may raise the hard limit; otherwise the hard limit is used). */
const FD_LIMIT = Number(process.env.BENCH_OCPP_FD_LIMIT ?? 65_536);
/** Charge points whose handshake checks the platform's own scrypt hash (N=16384); the others a cheaper one (setup.ts). */
const FULL_HASHES = Math.min(CHARGE_POINTS, Number(process.env.BENCH_OCPP_FULL_HASHES ?? 300));

type Row = Omit<BenchResult, 'baseline'> & { baseline?: number | null };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : Number.NaN);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** A node process of ours with `ulimit -n` raised first (the limit is per process). */
function spawnNode(sourcePath: string, env: Record<string, string>): ChildProcess {
  const raise = `ulimit -n ${FD_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`;
  return spawn('/bin/sh', ['-c', raise, process.execPath, ...nodeArgs(sourcePath)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    // Its warnings (LOG_LEVEL=warn, on stdout) go to our stderr: stdout carries the results.
    stdio: ['ignore', process.stderr, 'inherit'],
  });
}

const procStatus = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
const rssMb = (pid: number) => procStatus(pid, 'VmRSS') / 1024;
const openFileLimit = (pid: number) => /Max open files\s+(\d+|unlimited)/.exec(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1] ?? '?';

/** One password check as the handshake does it, in ms (sequential: the cost of one, not the pool's throughput). */
async function scryptMs(): Promise<number> {
  const stored = await hashPassword(PASSWORD);
  const presented = Buffer.from(PASSWORD);
  await passwordMatches(presented, stored);
  const t = performance.now();
  for (let i = 0; i < 10; i++) await passwordMatches(presented, stored);
  return (performance.now() - t) / 10;
}

interface Held {
  cp: SimulatedChargePoint;
  index: number;
}

async function connectRange(endpoint: string, from: number, to: number, failures: Map<string, number>): Promise<{ held: Held[]; seconds: number }> {
  const held: Held[] = [];
  let next = from;
  const started = performance.now();
  const worker = async () => {
    while (next < to) {
      const index = next++;
      const cp = new SimulatedChargePoint({ endpoint, identity: chargePointId(index), password: PASSWORD, connectors: 4, strict: false, sign: false });
      try {
        await cp.connect();
        await cp.call('BootNotification', { chargePointVendor: 'Bench', chargePointModel: 'Idle-4' });
        held.push({ cp, index });
      } catch (e) {
        const reason = String((e as { code?: number }).code ?? (e as Error).message);
        failures.set(reason, (failures.get(reason) ?? 0) + 1);
        await cp.close();
      }
      if ((index + 1) % 2000 === 0) console.log(`  ${index + 1} connects, ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { held, seconds: (performance.now() - started) / 1000 };
}

/** StatusNotifications at `rate`/s for SECONDS, each flipping one EVSE between Charging and Available. */
async function statusLoad(held: Held[], rate: number, charging: Set<string>) {
  const sentAt = new Map<string, number>();
  const callMs: number[] = [];
  let sent = 0;
  let answered = 0;
  let errors = 0;
  const reasons = new Map<string, number>();
  const started = Date.now();
  const send = (k: number) => {
    const { cp, index } = held[k % held.length];
    const connectorId = (Math.floor(k / held.length) % 4) + 1;
    const evse = `LOC${index}-E${connectorId}`;
    const on = !charging.has(evse);
    if (on) charging.add(evse);
    else charging.delete(evse);
    sentAt.set(`${evse} ${on ? 'CHARGING' : 'AVAILABLE'}`, Date.now());
    const t = performance.now();
    cp.call('StatusNotification', { connectorId, errorCode: 'NoError', status: on ? 'Charging' : 'Available' }).then(
      () => (answered++, callMs.push(performance.now() - t)),
      (e: Error) => (errors++, reasons.set(e.message, (reasons.get(e.message) ?? 0) + 1)),
    );
  };
  while (Date.now() - started < SECONDS * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
    while (sent < due) send(sent++);
    await sleep(5);
  }
  const sendSeconds = (Date.now() - started) / 1000;
  const until = Date.now() + 60_000;
  while (answered + errors < sent && Date.now() < until) await sleep(50);
  if (reasons.size) console.log(`  call errors: ${JSON.stringify(Object.fromEntries(reasons))}`);
  return { sentAt, callMs, sent, answered, errors, sendSeconds, answeredSeconds: (Date.now() - started) / 1000 };
}

/** The BullMQ keys of the two processes (REDIS_PREFIX bench:{schema}). */
async function removeRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(BENCH_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch (e) {
    console.error(`could not remove the Redis keys ${prefix}*: ${(e as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

/** One load run at `rate`, then the wait for its pushes; its result rows. */
async function latencyRun(open: Held[], rate: number, charging: Set<string>, sink: Sink): Promise<Row[]> {
  const load = await statusLoad(open, rate, charging);
  // Each send flips an EVSE: its push carries the new status; the first arrival after the send counts.
  // Answered statuses are all written in the end (the status queue retries, backing off up to
  // 30 s): wait while pushes still come in (40 s without one ends it, 5 minutes at most).
  const deadline = Date.now() + 300_000;
  let pushes = sink.pushes();
  let progressAt = Date.now();
  while (Date.now() < deadline && Date.now() - progressAt < 40_000 && [...load.sentAt.keys()].some((k) => !sink.arrivals.has(k))) {
    await sleep(250);
    if (sink.pushes() !== pushes) [pushes, progressAt] = [sink.pushes(), Date.now()];
  }
  const latencies: number[] = [];
  for (const [key, at] of load.sentAt) {
    const arrival = sink.arrivals.get(key)?.find((t) => t >= at);
    if (arrival !== undefined) latencies.push(arrival - at);
  }
  latencies.sort((a, b) => a - b);
  const callMs = load.callMs.sort((a, b) => a - b);
  console.log(
    `  offered ${rate}/s: ${load.sent} StatusNotifications sent in ${load.sendSeconds.toFixed(1)} s, ${load.answered} answered after ${load.answeredSeconds.toFixed(1)} s (${load.errors} errors); ${latencies.length}/${load.sentAt.size} EVSE pushes arrived; load ${os.loadavg()[0].toFixed(2)}`,
  );
  return [
    {
      scenario: `StatusNotification -> EVSE PATCH at the eMSP, p50, offered ${rate}/s for ${SECONDS} s`,
      ours: round(percentile(latencies, 50)),
      unit: 'ms',
      note: `${latencies.length}/${load.sentAt.size} pushes arrived`,
    },
    { scenario: `StatusNotification -> EVSE PATCH at the eMSP, p99, offered ${rate}/s`, ours: round(percentile(latencies, 99)), unit: 'ms' },
    {
      scenario: `StatusNotifications answered per second, offered ${rate}/s`,
      ours: round(load.answered / load.answeredSeconds),
      baseline: rate,
      unit: 'msg/s',
      note: `call p50 ${round(percentile(callMs, 50))} ms, p99 ${round(percentile(callMs, 99))} ms`,
    },
  ];
}

async function run(): Promise<Row[]> {
  const sink = await startSink();
  const { schema, env } = await prepareOcppSchema(CHARGE_POINTS, FULL_HASHES, sink.url);
  const port = await freePort();
  const api = spawnNode('src/main.ts', { ...env, ROLE: 'api', PORT: String(port), OCPP_HEARTBEAT_INTERVAL_SECONDS: '300' });
  const worker = spawnNode('src/main.ts', { ...env, ROLE: 'worker', PORT: String(await freePort()) });
  const clients: Held[] = [];
  try {
    await waitReady(api, `http://127.0.0.1:${port}/health/live`);
    await sleep(1500);
    const apiPid = api.pid ?? 0;
    const fdLimit = openFileLimit(apiPid);
    const rssBefore = rssMb(apiPid);
    const scrypt = await scryptMs();
    console.log(
      `  API process ${apiPid}: open files limit ${fdLimit} (bench process ${openFileLimit(process.pid)}), RSS ${rssBefore.toFixed(0)} MB idle; scrypt check ${scrypt.toFixed(1)} ms`,
    );

    const endpoint = chargePointEndpoint(`http://127.0.0.1:${port}`, 'NL', 'CPO');
    const failures = new Map<string, number>();
    const full = await connectRange(endpoint, 0, FULL_HASHES, failures);
    console.log(`  ${full.held.length}/${FULL_HASHES} with the platform's scrypt hash connected and booted in ${full.seconds.toFixed(1)} s`);
    // The same charge points again within the verified-password cache's TTL (charge-points.ts):
    // what a fleet reconnecting after a restart of the process it was on meets in another one.
    await Promise.all(full.held.map((h) => h.cp.close()));
    const again = await connectRange(endpoint, 0, FULL_HASHES, failures);
    console.log(`  ${again.held.length}/${FULL_HASHES} reconnected with their password verified before in ${again.seconds.toFixed(1)} s`);
    const light = await connectRange(endpoint, FULL_HASHES, CHARGE_POINTS, failures);
    const held = [...again.held, ...light.held];
    clients.push(...held);
    if (failures.size) console.log(`  refused or failed connects: ${JSON.stringify(Object.fromEntries(failures))}`);
    console.log(`  ${light.held.length}/${CHARGE_POINTS - FULL_HASHES} with an N=1024 hash in ${light.seconds.toFixed(1)} s; ${held.length} held; idle ${IDLE_SECONDS} s`);
    await sleep(IDLE_SECONDS * 1000);
    const open = held.filter((h) => h.cp.client.state === 1);
    const markedConnected = await connectedInDb(schema);
    const rssAfter = rssMb(apiPid);
    const perSocketKb = open.length ? ((rssAfter - rssBefore) * 1024) / open.length : Number.NaN;
    const threads = Math.min(Number(process.env.UV_THREADPOOL_SIZE ?? 4), os.cpus().length);
    const ceiling = (1000 / scrypt) * threads;
    const rows: Row[] = [
      {
        scenario: `OCPP 1.6J charge points connected to one API process after ${IDLE_SECONDS} s idle (of ${CHARGE_POINTS}; open files limit ${fdLimit})`,
        ours: open.length,
        baseline: CHARGE_POINTS,
        unit: 'sockets',
        note: `${markedConnected} marked connected in the database; load ${os.loadavg()[0].toFixed(2)}`,
      },
      { scenario: 'API process RSS per connected charge point', ours: round(perSocketKb), unit: 'KB/socket', note: `${rssBefore.toFixed(0)} MB idle -> ${rssAfter.toFixed(0)} MB` },
      {
        scenario: `connect rate: WebSocket handshake (HTTP Basic, the platform's scrypt N=16384 check) + BootNotification, ${FULL_HASHES} charge points, ${CONCURRENCY} at a time`,
        ours: round(full.held.length / full.seconds),
        baseline: round(ceiling),
        unit: 'connects/s',
        note: `baseline: scrypt alone, ${scrypt.toFixed(1)} ms per check on ${threads} libuv threads`,
      },
      {
        scenario: `reconnect rate of the same ${FULL_HASHES} charge points, password verified before (cache), against the first connect (scrypt)`,
        ours: round(again.held.length / again.seconds),
        baseline: round(full.held.length / full.seconds),
        unit: 'connects/s',
      },
      {
        scenario: `connect rate with an N=1024 scrypt hash stored (bench data only), the other ${CHARGE_POINTS - FULL_HASHES} charge points`,
        ours: round(light.held.length / light.seconds),
        unit: 'connects/s',
      },
    ];
    const charging = new Set<string>();
    for (const rate of RATES) rows.push(...(await latencyRun(open, rate, charging, sink)));
    return rows;
  } finally {
    await Promise.all(clients.map((h) => h.cp.close()));
    const exited = (child: ChildProcess) => (child.exitCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r())));
    api.kill('SIGTERM');
    worker.kill('SIGTERM');
    await Promise.all([exited(api), exited(worker)]);
    sink.close();
    await dropBenchSchema(schema);
    await removeRedisKeys(`bench:${schema}:`);
  }
}

if (require.main === module) {
  run()
    .then((rows) => {
      printBenchResults(rows);
      process.exit(0);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
