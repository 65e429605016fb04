/**
 * bench/scale, locations part: one API process over 100,000 locations of 4 EVSEs
 * (BENCH_SCALE_LOCATIONS). Measured in one run:
 * - the first page after a start: ms from the process accepting connections to the first
 *   locations page answered (the read model loads in the background meanwhile);
 * - the longest event-loop stall while the model loads: the model's own figure (an event-loop
 *   delay monitor of the whole process from load start to load end, requests and GC included),
 *   next to prom-client's maximum since the process started (start-up before listening included),
 *   read from /metrics every 50 ms until the model reports itself loaded;
 * - RSS added by the model: process RSS when its load began (a gauge of the model) to RSS once
 *   it is loaded (and, in the scenario text, after the page runs as well);
 * - first and last page req/s next to bare Express sending the first page's bytes from memory;
 * - EVSE status PATCH via the backend API (stored + outbox row) with the model loaded, next to a
 *   bare Express JSON PATCH.
 * Run: npx tsx bench/scale/locations.ts   (BENCH_DATABASE_URL, BENCH_REDIS_URL as every bench)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BenchRow, dropBenchSchema, evsePatchRequests, measure, prepareCpoSchema, table, waitReady } from '../cpo/run.js';
import { BENCH_DATABASE_URL, freePort, nodeArgs, platformArgs, REPO_ROOT } from '../environment.js';
import { printBenchResults } from '../result.js';

const LOCATIONS = Number(process.env.BENCH_SCALE_LOCATIONS ?? 100000);

/** One sample of a Prometheus text exposition (first series of the name whose labels contain `labels`). */
function metric(text: string, name: string, labels = ''): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    if (labels && !line.includes(labels)) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return null;
}

async function main(): Promise<void> {
  const seeding = Date.now();
  const { schema, env, peerToken } = await prepareCpoSchema('bench_scale_loc', LOCATIONS);
  console.log(`seeded ${LOCATIONS} locations in ${Math.round((Date.now() - seeding) / 1000)} s`);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const auth = { Authorization: `Token ${Buffer.from(peerToken).toString('base64')}` };
  const page = (offset: number) => `${base}/ocpi/cpo/2.2.1/locations?offset=${offset}&limit=100`;
  const spawnedAt = performance.now();
  const platform = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), ...platformArgs()], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let baseline: ChildProcess | null = null;
  const rows: BenchRow[] = [];
  try {
    // Accepting connections: poll often, the first page's clock starts here.
    let readyAt = 0;
    while (!readyAt) {
      const ok = await fetch(`${base}/health/live`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) readyAt = performance.now();
      else if (performance.now() - spawnedAt > 120000) throw new Error('the platform did not start');
      else await new Promise((r) => setTimeout(r, 10));
    }
    const firstPage = await fetch(page(0), { headers: auth });
    if (!firstPage.ok) throw new Error(`first page: HTTP ${firstPage.status}`);
    await firstPage.arrayBuffer();
    const firstPageMs = Math.round(performance.now() - readyAt);
    const sinceSpawnMs = Math.round(performance.now() - spawnedAt);

    // Until loaded: the largest event-loop delay of each scrape interval (prom-client resets it per scrape).
    let maxStallMs = 0;
    let scraped = '';
    for (;;) {
      scraped = await (await fetch(`${base}/metrics`)).text();
      maxStallMs = Math.max(maxStallMs, (metric(scraped, 'nodejs_eventloop_lag_max_seconds') ?? 0) * 1000);
      if (metric(scraped, 'ocpi_locations_read_model_locations') === LOCATIONS) break;
      if (performance.now() - readyAt > 300000) throw new Error('the read model did not load');
      await new Promise((r) => setTimeout(r, 50));
    }
    const loadMs = metric(scraped, 'ocpi_locations_read_model_last_load', 'figure="duration_ms"') ?? 0;
    const loadStallMs = metric(scraped, 'ocpi_locations_read_model_last_load', 'figure="max_stall_ms"') ?? 0;
    const loadStepMs = metric(scraped, 'ocpi_locations_read_model_last_load', 'figure="max_slice_ms"') ?? 0;
    const rssBefore = metric(scraped, 'ocpi_locations_read_model_last_load', 'figure="rss_before_bytes"') ?? 0;
    const rssLoaded = metric(scraped, 'process_resident_memory_bytes') ?? 0;
    const packed = metric(scraped, 'ocpi_locations_read_model_bytes', 'kind="packed"') ?? 0;

    const firstBytes = Buffer.from(await (await fetch(page(0), { headers: auth })).arrayBuffer());
    const bytesFile = path.join(os.tmpdir(), `bench-scale-${schema}.json`);
    fs.writeFileSync(bytesFile, firstBytes);
    const basePort = await freePort();
    baseline = spawn(process.execPath, [...nodeArgs('bench/cpo/baseline-server.ts'), String(basePort), bytesFile, BENCH_DATABASE_URL, schema], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await waitReady(baseline);
    // Warm-up of both servers, as in bench/cpo.
    await measure({ url: `http://127.0.0.1:${basePort}/bare`, duration: 2 });
    const bare = await measure({ url: `http://127.0.0.1:${basePort}/bare` });
    await measure({ url: page(0), headers: auth, duration: 2 });
    const first = await measure({ url: page(0), headers: auth });
    const last = await measure({ url: page(LOCATIONS - 100), headers: auth });
    const afterPages = await (await fetch(`${base}/metrics`)).text();
    const rssAfterPages = metric(afterPages, 'process_resident_memory_bytes') ?? 0;
    const barePatch = await measure({ url: `http://127.0.0.1:${basePort}/patch`, method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"status":"CHARGING"}' });
    const cpuBefore = metric(await (await fetch(`${base}/metrics`)).text(), 'process_cpu_seconds_total') ?? 0;
    const patch = await measure({ url: base, requests: evsePatchRequests(LOCATIONS) });
    const afterPatch = await (await fetch(`${base}/metrics`)).text();
    // CPU per request is what a busy shared machine distorts least (req/s there mostly measures the neighbours).
    const cpuPerPatchMs = (((metric(afterPatch, 'process_cpu_seconds_total') ?? 0) - cpuBefore) * 1000) / Math.max(1, patch.requests);
    const heldAfterPatch = metric(afterPatch, 'ocpi_locations_read_model_locations');

    const mb = (bytes: number) => Math.round(bytes / 1048576);
    const kb = (firstBytes.length / 1024).toFixed(0);
    rows.push({
      scenario: `${LOCATIONS} locations: first page after a start, ms from accepting connections (${sinceSpawnMs} ms from spawn)`,
      ours: firstPageMs,
      baseline: null,
      unit: 'ms',
    });
    rows.push({
      scenario: `${LOCATIONS} locations: longest event-loop stall while the read model loads (load took ${loadMs} ms; its own longest step ${Math.round(loadStepMs)} ms; ${Math.round(maxStallMs)} ms since the process started, start-up included)`,
      ours: Math.round(loadStallMs),
      baseline: null,
      unit: 'ms',
    });
    rows.push({
      scenario: `${LOCATIONS} locations: RSS added by the read model, process RSS from load start to load end (${mb(rssAfterPages - rssBefore)} MB after the page runs too; ${mb(packed)} MB deflated blocks)`,
      ours: mb(rssLoaded - rssBefore),
      baseline: null,
      unit: 'MB',
    });
    rows.push({ scenario: `bare Express, same ${kb} KB page from memory (framework ceiling): req/s`, ours: bare.rps, baseline: null, unit: 'req/s' });
    rows.push({ scenario: `${LOCATIONS} locations: page, limit 100, offset 0: req/s (p99 ${first.p99} ms)`, ours: first.rps, baseline: bare.rps, unit: 'req/s' });
    rows.push({ scenario: `${LOCATIONS} locations: last page (offset ${LOCATIONS - 100}): req/s (p99 ${last.p99} ms)`, ours: last.rps, baseline: bare.rps, unit: 'req/s' });
    rows.push({ scenario: 'bare Express JSON PATCH (framework ceiling): req/s', ours: barePatch.rps, baseline: null, unit: 'req/s' });
    rows.push({
      scenario: `${LOCATIONS} locations, read model loaded: EVSE status PATCH via backend API, stored + outbox row: req/s (p99 ${patch.p99} ms)`,
      ours: patch.rps,
      baseline: barePatch.rps,
      unit: 'req/s',
      note: `${cpuPerPatchMs.toFixed(2)} ms CPU per PATCH in the API process`,
    });
    for (const [name, r] of Object.entries({ bare, first, last, barePatch, patch })) if (r.errors) console.error(`${name}: ${r.errors} errors or non-2xx answers`);
    if (heldAfterPatch !== LOCATIONS) console.error(`the read model holds ${heldAfterPatch} locations after the PATCH run, not ${LOCATIONS}`);
    fs.rmSync(bytesFile, { force: true });
  } finally {
    const exited = (child: ChildProcess) => (child.exitCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r())));
    platform.kill('SIGTERM');
    baseline?.kill('SIGTERM');
    await Promise.all([exited(platform), ...(baseline ? [exited(baseline)] : [])]);
    await dropBenchSchema(schema);
  }
  console.log(table(rows));
  printBenchResults(rows);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
