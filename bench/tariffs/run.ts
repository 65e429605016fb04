/**
 * Tariff engine throughput: sessions priced per second.
 * Run: npx tsx bench/tariffs/run.ts   (prints a markdown table)
 * `runTariffBench()` returns the figures for an aggregating `npm run bench`.
 */
import { performance } from 'node:perf_hooks';
import { buildCdr, chargingPeriodsFromTimeline, compileTariff, price, type MeterTimelineInput } from '../../src/tariffs/index.js';
import { type ChargingPeriodInput } from '../../src/model/cdr.js';
import { type TariffInput } from '../../src/model/tariff.js';
import { printBenchResults } from '../result.js';

export interface BenchFigure {
  scenario: string;
  ours: number;
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

function periodsOf(count: number, minutes: number): { periods: ChargingPeriodInput[]; end: string } {
  const periods: ChargingPeriodInput[] = [];
  let t = START;
  for (let i = 0; i < count; i++) {
    const parking = i >= count - Math.max(1, Math.floor(count / 10));
    const current = 10 + ((i * 7) % 60);
    periods.push({
      start_date_time: new Date(t).toISOString(),
      tariff_id: 'COMPLEX',
      dimensions: parking
        ? [{ type: 'PARKING_TIME', volume: minutes / 60 }]
        : [
            { type: 'ENERGY', volume: Math.round(current * 0.23 * 3 * (minutes / 60) * 1000) / 1000 },
            { type: 'TIME', volume: minutes / 60 },
            { type: 'MIN_CURRENT', volume: current },
            { type: 'MAX_CURRENT', volume: current + 2 },
          ],
    });
    t += minutes * 60_000;
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

/** Runs `fn` repeatedly for about `budgetMs` after a warm-up and returns calls per second. */
function measure(fn: () => unknown, budgetMs = 1500): number {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) fn();
  let calls = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let i = 0; i < 10; i++) fn();
    calls += 10;
    elapsed = performance.now() - t0;
  }
  return (calls * 1000) / elapsed;
}

export async function runTariffBench(): Promise<BenchFigure[]> {
  const compiled = compileTariff(complexTariff);
  const typical = periodsOf(12, 20);
  const long = periodsOf(300, 5);
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
  return [
    { scenario: 'price(): complex 8-element tariff, 12-period session', ours: measure(() => price(compiled, typical.periods, ctx(typical.end))), unit: 'sessions/s' },
    { scenario: 'price(): complex tariff, 300-period session', ours: measure(() => price(compiled, long.periods, ctx(long.end))), unit: 'sessions/s' },
    { scenario: 'price(): 300-period session, tariff JSON validated per call', ours: measure(() => price(complexTariff, long.periods, ctx(long.end))), unit: 'sessions/s' },
    {
      scenario: 'charging periods from a 12 h meter timeline (48 samples) + price()',
      ours: measure(() => {
        const g = chargingPeriodsFromTimeline(timeline, compiled, { timeZone: ZONE });
        return price(compiled, g.charging_periods, g.context);
      }),
      unit: 'sessions/s',
    },
    {
      scenario: 'buildCdr(): 12 h timeline to a validated CDR',
      ours: measure(() => buildCdr({ session, location, tariffs: [compiled], timeline, lastUpdated: timeline.end })),
      unit: 'CDRs/s',
    },
  ];
}

function table(rows: BenchFigure[]): string {
  const lines = ['| scenario | ours | unit |', '|---|---:|---|'];
  for (const r of rows) lines.push(`| ${r.scenario} | ${Math.round(r.ours).toLocaleString('en-US')} | ${r.unit} |`);
  return lines.join('\n');
}

if (require.main === module) {
  runTariffBench().then(
    (rows) => {
      console.log(table(rows));
      // No baseline: there is no other pricing engine here to measure against.
      printBenchResults(rows.map((r) => ({ ...r, ours: Math.round(r.ours), baseline: null })));
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
