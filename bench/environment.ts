/**
 * Where a bench runs and what it runs against. `npm run bench` compiles src/ and bench/ with tsc
 * (tsconfig.bench.json, into dist-bench/) and runs plain node: the build users run, without
 * tsx's per-closure wrapping. Started from source (`npx tsx bench/<name>/run.ts`) the same code
 * runs under tsx. PostgreSQL, Redis and ports come from the environment.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const COMPILED = __filename.endsWith('.js');
/** The repository (cwd of every process: .env, prisma/migrations). */
export const REPO_ROOT = COMPILED ? path.join(__dirname, '..', '..') : path.join(__dirname, '..');
/** Where the code runs from: dist-bench/ when compiled, the repository when from source. */
const CODE_ROOT = path.join(__dirname, '..');

export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ocpi_bench';
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** node's arguments to run one of our scripts, named by its source path (`src/main.ts`, `bench/cpo/baseline-server.ts`). */
export function nodeArgs(sourcePath: string): string[] {
  const relative = path.relative(REPO_ROOT, path.resolve(REPO_ROOT, sourcePath));
  return COMPILED ? [path.join(CODE_ROOT, relative.replace(/\.ts$/, '.js'))] : ['--import', 'tsx', path.join(REPO_ROOT, relative)];
}

/**
 * node's arguments to run the platform as package.json's `start` script does (or `start:worker`
 * for a worker process): its V8 flags, then src/main.ts. The worker's flags change how much it
 * spends on garbage collection.
 */
export function platformArgs(script: 'start' | 'start:worker' = 'start'): string[] {
  const command: string = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).scripts[script];
  const flags = command.split(/\s+/).filter((word) => word.startsWith('--'));
  return [...flags, ...nodeArgs('src/main.ts')];
}

/** The file name of a bench's entry in this mode (`run.js` compiled, else `run.ts`). */
export const ENTRY_FILE = COMPILED ? 'run.js' : 'run.ts';

/** A port nothing listens on right now (the OS picks it), for a server a bench starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
