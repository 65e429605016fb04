/**
 * bench/scale: the platform at the size of a national CPO and a busy hub. Two parts, each in its
 * own process so one's memory and pools cannot skew the other: `locations.ts` (100,000 locations
 * of 4 EVSEs: start-up, first and last page, memory, EVSE PATCH with the read model loaded) and
 * `peers.ts` (one change fanned out to 200 eMSP peers: ingest rate, storage per change, one
 * worker's delivery rate). Their result lines pass through to `npm run bench`.
 * Run: npx tsx bench/scale/run.ts   (BENCH_SCALE_PARTS=locations,peers to choose)
 */
import { spawn } from 'node:child_process';
import { REPO_ROOT, nodeArgs } from '../environment.js';

const PARTS = (process.env.BENCH_SCALE_PARTS ?? 'locations,peers').split(',').filter(Boolean);

function runPart(part: string): Promise<number | null> {
  const child = spawn(process.execPath, nodeArgs(`bench/scale/${part}.ts`), { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
  return new Promise((resolve) => child.on('close', resolve));
}

async function main(): Promise<void> {
  let failed = false;
  for (const part of PARTS) {
    const code = await runPart(part);
    if (code !== 0) {
      console.error(`bench/scale/${part} failed (exit code ${code})`);
      failed = true;
    }
  }
  process.exit(failed ? 1 : 0);
}

void main();
