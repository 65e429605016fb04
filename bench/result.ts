/**
 * The line format `npm run bench` (bench/run-all.ts) collects from each bench's output:
 * `BENCH_RESULT {"scenario", "ours", "baseline", "unit", "note"?}`, one line per figure.
 */
export interface BenchResult {
  scenario: string;
  ours: number;
  baseline: number | null;
  unit: string;
  note?: string;
}

export const BENCH_RESULT_PREFIX = 'BENCH_RESULT ';

export function printBenchResults(rows: Array<Omit<BenchResult, 'baseline'> & { baseline?: number | null }>): void {
  for (const r of rows) {
    const line: BenchResult = { scenario: r.scenario, ours: r.ours, baseline: r.baseline ?? null, unit: r.unit, ...(r.note ? { note: r.note } : {}) };
    console.log(`${BENCH_RESULT_PREFIX}${JSON.stringify(line)}`);
  }
}

/** Parses one output line; anything that is not a well-formed result line is ignored. */
export function parseBenchResult(line: string): BenchResult | null {
  if (!line.startsWith(BENCH_RESULT_PREFIX)) return null;
  try {
    const r = JSON.parse(line.slice(BENCH_RESULT_PREFIX.length)) as Partial<BenchResult>;
    if (typeof r.scenario !== 'string' || typeof r.ours !== 'number' || typeof r.unit !== 'string') return null;
    if (r.baseline !== null && typeof r.baseline !== 'number') return null;
    return { scenario: r.scenario, ours: r.ours, baseline: r.baseline, unit: r.unit, ...(typeof r.note === 'string' ? { note: r.note } : {}) };
  } catch {
    return null;
  }
}
