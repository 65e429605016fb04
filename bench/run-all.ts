/**
 * `npm run bench [-- name...]`: runs every bench/<name>/run.ts (or the named ones) one after the
 * other, each in its own process so one bench's pools, servers and JIT state cannot skew the
 * next, collects their `BENCH_RESULT` lines and prints one table, also written to
 * bench/RESULTS.md with the date, core count and Node version.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { ENTRY_FILE, REPO_ROOT, nodeArgs } from './environment.js';
import { type BenchResult, parseBenchResult } from './result.js';

const BENCH_DIR = __dirname;

export function discoverBenches(dir = BENCH_DIR): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, ENTRY_FILE)))
    .map((d) => d.name)
    .sort();
}

interface BenchRun {
  name: string;
  results: BenchResult[];
  exitCode: number | null;
  seconds: number;
}

function runBench(name: string): Promise<BenchRun> {
  const started = Date.now();
  // Compiled (npm run bench) or under tsx, as this runner itself: the benches spawn their children the same way.
  const child = spawn(process.execPath, nodeArgs(`bench/${name}/run.ts`), { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  const results: BenchResult[] = [];
  const lines = readline.createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const result = parseBenchResult(line);
    if (result) results.push(result);
    else process.stdout.write(`  [${name}] ${line}\n`);
  });
  return new Promise((resolve) => {
    child.on('close', (code) => resolve({ name, results, exitCode: code, seconds: Math.round((Date.now() - started) / 1000) }));
  });
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

function formatNumber(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

export function resultsTable(runs: BenchRun[]): string {
  const lines = ['| bench | scenario | ours | baseline | ratio (ours / baseline) |', '|---|---|---:|---:|---:|'];
  for (const run of runs) {
    if (run.exitCode !== 0) lines.push(`| ${run.name} | **failed** (exit code ${run.exitCode}, ${run.results.length} figures before failing) | - | - | - |`);
    for (const r of run.results) {
      const ratio = r.baseline ? `${(r.ours / r.baseline).toFixed(2)}x` : '-';
      const scenario = r.note ? `${r.scenario} (${r.note})` : r.scenario;
      lines.push(
        `| ${run.name} | ${cell(scenario)} | ${formatNumber(r.ours)} ${cell(r.unit)} | ${r.baseline === null ? '-' : `${formatNumber(r.baseline)} ${cell(r.unit)}`} | ${ratio} |`,
      );
    }
  }
  return lines.join('\n');
}

const USAGE = (available: string[]) => `Usage: npm run bench [-- name...]

Runs every benchmark under bench/ (or the named ones), each in its own process, prints one table
and writes it to bench/RESULTS.md. A run in which any bench failed leaves bench/RESULTS.md as it
was (the table is still printed). Needs PostgreSQL and Redis as for npm test.

Benches: ${available.join(', ')}
Options:
  -h, --help   show this help and exit`;

async function main(): Promise<void> {
  const available = discoverBenches();
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE(available));
    return;
  }
  const flags = args.filter((a) => a.startsWith('-'));
  if (flags.length) {
    console.error(`Unknown option ${flags.join(', ')}\n\n${USAGE(available)}`);
    process.exit(2);
  }
  const wanted = args;
  const unknown = wanted.filter((w) => !available.includes(w));
  if (unknown.length) {
    console.error(`Unknown bench ${unknown.join(', ')}; available: ${available.join(', ')}`);
    process.exit(2);
  }
  const names = wanted.length ? available.filter((n) => wanted.includes(n)) : available;
  const runs: BenchRun[] = [];
  for (const name of names) {
    console.log(`\n== bench/${name} ==`);
    const run = await runBench(name);
    console.log(`== bench/${name}: ${run.results.length} figures, ${run.seconds} s${run.exitCode === 0 ? '' : `, exit code ${run.exitCode}`}`);
    runs.push(run);
  }
  const table = resultsTable(runs);
  const header = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench${wanted.length ? ` -- ${names.join(' ')}` : ''}\` on ${new Date().toISOString()}: ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ${os.platform()} ${os.arch()}.`,
    'Figures from a shared machine are noisy; a ratio compares two figures measured in the same run.',
    '',
  ];
  console.log(`\n${table}`);
  if (runs.some((r) => r.exitCode !== 0)) {
    // A failed run's table would replace good figures with failed rows.
    console.error('\nA bench failed: bench/RESULTS.md is left as it was.');
    process.exitCode = 1;
    return;
  }
  fs.writeFileSync(path.join(REPO_ROOT, 'bench', 'RESULTS.md'), `${[...header, table].join('\n')}\n`);
  console.log('\nWritten to bench/RESULTS.md');
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
