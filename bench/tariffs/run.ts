/**
 * Tariff engine throughput: sessions priced per second, by the fast engine (the platform's
 * price()) and by the reference engine (referencePrice()), on the compiled build.
 *
 * Run: npx tsx bench/tariffs/run.ts   (prints a markdown table and BENCH_RESULT lines; writes
 * no file). Started from TypeScript it compiles itself and the engine with tsc into a temporary
 * directory and measures the JavaScript there in a child node process: tsx wraps every closure
 * and costs CPU-heavy code 10-35 %, which would misstate what production runs. `--source`
 * measures under tsx instead.
 * `runTariffBench()` returns the figures for an aggregating run.
 */
import { spawnSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fastPathPrice } from '../../src/tariffs/fast/fast-price.js';
import { buildCdr, chargingPeriodsFromTimeline, compileTariff, price, referencePrice, type MeterTimelineInput, type PricingContext } from '../../src/tariffs/index.js';
import { type ChargingPeriodInput } from '../../src/model/cdr.js';
import { type TariffInput } from '../../src/model/tariff.js';
import { printBenchResults } from '../result.js';

export interface BenchFigure {
  scenario: string;
  ours: number;
  /** The reference engine on the same input, when the scenario compares engines. */
  baseline: number | null;
  unit: string;
}

const ZONE = 'Europe/Amsterdam';
const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] as const;

/** Eight elements mixing every restriction kind the engine evaluates. */
const complexTariff: TariffInput = {
  country_code: 'NL',
  party_id: 'BEN',
  id: 'COMPLEX',
  currency: 'EUR',
  type: 'REGULAR',
  min_price: { excl_vat: 1, incl_vat: 1.21 },
  max_price: { excl_vat: 150, incl_vat: 181.5 },
  elements: [
    { price_components: [{ type: 'FLAT', price: 0.35, vat: 21, step_size: 1 }] },
    { price_components: [{ type: 'ENERGY', price: 0.22, vat: 21, step_size: 1 }], restrictions: { start_time: '23:00', end_time: '07:00' } },
    { price_components: [{ type: 'ENERGY', price: 0.29, vat: 21, step_size: 1 }], restrictions: { min_kwh: 50, day_of_week: [...WEEKDAYS] } },
    { price_components: [{ type: 'ENERGY', price: 0.39, vat: 21, step_size: 100 }], restrictions: { min_power: 50 } },
    { price_components: [{ type: 'ENERGY', price: 0.34, vat: 21, step_size: 1 }] },
    { price_components: [{ type: 'TIME', price: 1.2, vat: 21, step_size: 60 }], restrictions: { max_current: 32, min_duration: 3600 } },
    { price_components: [{ type: 'TIME', price: 0.6, vat: 21, step_size: 60 }], restrictions: { start_date: '2024-01-01', end_date: '2030-01-01' } },
    { price_components: [{ type: 'PARKING_TIME', price: 6, vat: 21, step_size: 300 }], restrictions: { start_time: '08:00', end_time: '20:00', day_of_week: [...WEEKDAYS] } },
  ],
  last_updated: '2024-01-01T00:00:00Z',
};

const START = Date.UTC(2024, 2, 29, 20, 0); // Friday 21:00 local, into the DST weekend

/** `count` periods of `ms` each; the last tenth parked. */
function periodsOf(count: number, ms: number): { periods: ChargingPeriodInput[]; end: string } {
  const periods: ChargingPeriodInput[] = [];
  let t = START;
  for (let i = 0; i < count; i++) {
    const parking = i >= count - Math.max(1, Math.floor(count / 10));
    const current = 10 + ((i * 7) % 60);
    const hours = ms / 3_600_000;
    periods.push({
      start_date_time: new Date(t).toISOString(),
      tariff_id: 'COMPLEX',
      dimensions: parking
        ? [{ type: 'PARKING_TIME', volume: hours }]
        : [
            { type: 'ENERGY', volume: Math.round(current * 0.23 * 3 * hours * 1000) / 1000 },
            { type: 'TIME', volume: hours },
            { type: 'MIN_CURRENT', volume: current },
            { type: 'MAX_CURRENT', volume: current + 2 },
          ],
    });
    t += ms;
  }
  return { periods, end: new Date(t).toISOString() };
}

function timelineOf(hours: number): MeterTimelineInput {
  const events: MeterTimelineInput['events'] = [];
  let register = 5000;
  for (let m = 0; m < hours * 60; m += 15) {
    const kw = 7 + ((m / 15) % 9) * 8;
    events.push({ at: new Date(START + m * 60_000).toISOString(), state: m < hours * 60 - 45 ? 'CHARGING' : 'PARKING', meter_kwh: register, power_kw: kw, current_a: kw * 1.4 });
    register = Math.round((register + (kw * 15) / 60) * 1000) / 1000;
  }
  return { start: new Date(START).toISOString(), end: new Date(START + hours * 3_600_000).toISOString(), events };
}

/** Calls per second of `fn` over about `ms`. */
function rate(fn: () => unknown, ms: number): number {
  let calls = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 10; i++) fn();
    calls += 10;
    elapsed = performance.now() - t0;
  }
  return (calls * 1000) / elapsed;
}

/**
 * Calls per second of each function: after a warm-up, five rounds of about 400 ms each, the
 * functions taking turns within a round, and the best round of each. On a shared machine the
 * best round is the least disturbed one, and taking turns exposes both to the same conditions.
 */
function measure(...fns: (() => unknown)[]): number[] {
  for (const fn of fns) rate(fn, 300);
  const best = fns.map(() => 0);
  for (let round = 0; round < 5; round++) fns.forEach((fn, i) => (best[i] = Math.max(best[i], rate(fn, 400))));
  return best;
}

/** The figures are only worth something if both engines agree and the fast path did the work. */
function checkEngines(tariff: unknown, periods: ChargingPeriodInput[], context: PricingContext): void {
  const fast = fastPathPrice(tariff, periods, context);
  if (fast === null) throw new Error('the fast engine handed a bench session to the reference engine');
  if (!isDeepStrictEqual(fast, referencePrice(tariff, periods, context))) throw new Error('the engines disagree on a bench session');
}

export async function runTariffBench(): Promise<BenchFigure[]> {
  const compiled = compileTariff(complexTariff);
  const typical = periodsOf(12, 20 * 60_000);
  const long = periodsOf(300, 5 * 60_000);
  // Durations to the millisecond, as meters report them: hourly prices then cost 40-digit decimals.
  const odd = periodsOf(12, 1_234_567);
  const timeline = timelineOf(12);
  const location = {
    id: 'LOC1',
    address: 'Bench street 1',
    city: 'Amsterdam',
    country: 'NLD',
    coordinates: { latitude: '52.370216', longitude: '4.895168' },
    time_zone: ZONE,
    evses: [{ uid: 'E1', evse_id: 'NL*BEN*E1', connectors: [{ id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', tariff_ids: ['COMPLEX'] }] }],
  };
  const session = {
    country_code: 'NL',
    party_id: 'BEN',
    id: 'S1',
    start_date_time: timeline.start,
    end_date_time: timeline.end,
    kwh: 0,
    cdr_token: { country_code: 'NL', party_id: 'EMS', uid: 'U1', type: 'RFID', contract_id: 'NL-EMS-C1' },
    auth_method: 'WHITELIST',
    location_id: 'LOC1',
    evse_uid: 'E1',
    connector_id: '1',
    currency: 'EUR',
    status: 'COMPLETED',
    last_updated: timeline.end,
  };

  const ctx = (end: string) => ({ timeZone: ZONE, sessionEnd: end });
  checkEngines(compiled, typical.periods, ctx(typical.end));
  checkEngines(compiled, long.periods, ctx(long.end));
  checkEngines(compiled, odd.periods, ctx(odd.end));
  const engines = (scenario: string, tariff: unknown, s: { periods: ChargingPeriodInput[]; end: string }): BenchFigure => {
    const [ours, baseline] = measure(
      () => price(tariff, s.periods, ctx(s.end)),
      () => referencePrice(tariff, s.periods, ctx(s.end)),
    );
    return { scenario, ours, baseline, unit: 'sessions/s' };
  };
  return [
    engines('price(): complex 8-element tariff, 12-period session (baseline: reference engine)', compiled, typical),
    engines('price(): complex tariff, 300-period session (baseline: reference engine)', compiled, long),
    engines('price(): 12-period session, durations to the millisecond (baseline: reference engine)', compiled, odd),
    engines('price(): 300-period session, tariff JSON validated per call (baseline: reference engine)', complexTariff, long),
    {
      scenario: 'charging periods from a 12 h meter timeline (48 samples) + price()',
      ours: measure(() => {
        const g = chargingPeriodsFromTimeline(timeline, compiled, { timeZone: ZONE });
        return price(compiled, g.charging_periods, g.context);
      })[0],
      baseline: null,
      unit: 'sessions/s',
    },
    {
      scenario: 'buildCdr(): 12 h timeline to a validated CDR',
      ours: measure(() => buildCdr({ session, location, tariffs: [compiled], timeline, lastUpdated: timeline.end }))[0],
      baseline: null,
      unit: 'CDRs/s',
    },
  ];
}

function table(rows: BenchFigure[], build: string): string {
  const lines = [`Build measured: ${build}.`, '', '| scenario | ours | reference engine | speed-up | unit |', '|---|---:|---:|---:|---|'];
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  for (const r of rows)
    lines.push(`| ${r.scenario} | ${n(r.ours)} | ${r.baseline === null ? '-' : n(r.baseline)} | ${r.baseline ? `${(r.ours / r.baseline).toFixed(1)}x` : '-'} | ${r.unit} |`);
  return lines.join('\n');
}

const ROOT = path.join(__dirname, '..', '..');

/** Compiles this file and what it imports with tsc into a temporary directory and runs it there. */
function runCompiled(): number {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tariff-bench-'));
  try {
    const config = path.join(outDir, 'tsconfig.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        extends: path.join(ROOT, 'tsconfig.json'),
        compilerOptions: { outDir, rootDir: ROOT, noEmit: false, sourceMap: false, types: ['node'], typeRoots: [path.join(ROOT, 'node_modules', '@types')] },
        files: [__filename],
        include: [],
      }),
    );
    const tsc = spawnSync(process.execPath, [path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc'), '-p', config], { cwd: ROOT, stdio: 'inherit' });
    if (tsc.status !== 0) return tsc.status ?? 1;
    const compiled = path.join(outDir, path.relative(ROOT, __filename).replace(/\.ts$/, '.js'));
    // The compiled files live outside the project: NODE_PATH lets them find its node_modules.
    const env = { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') };
    const run = spawnSync(process.execPath, [compiled], { cwd: ROOT, stdio: 'inherit', env });
    return run.status ?? 1;
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const fromSource = __filename.endsWith('.ts');
  if (fromSource && !process.argv.includes('--source')) process.exitCode = runCompiled();
  else {
    runTariffBench().then(
      (rows) => {
        console.log(table(rows, fromSource ? 'TypeScript under tsx (--source)' : 'compiled with tsc, plain node'));
        printBenchResults(rows.map((r) => ({ ...r, ours: Math.round(r.ours), baseline: r.baseline === null ? null : Math.round(r.baseline) })));
      },
      (err: unknown) => {
        console.error(err);
        process.exitCode = 1;
      },
    );
  }
}
