/**
 * `npm run demo [-- --hub] [--speed N] [--kwh N]`: a roaming session end to end on this machine
 * (PostgreSQL and Redis on their default local ports). Exits non-zero if any step fails.
 */
import { parseArgs } from 'node:util';
import { runDemo } from './story.js';

const USAGE = `Usage: npm run demo -- [options]

A CPO platform and an eMSP platform in one process roam one charging session end to end:
handshake, token push, remote start, accelerated charging, stop, and the priced CDR.

Options:
  --hub          run the same story with both platforms connected only to a third one acting as hub
  --speed N      how much faster than real time the charge point runs (1-100000, default 900)
  --kwh N        energy to charge before stopping, in kWh (0.1-200, default 15)
  -h, --help     show this help and exit

Environment: DEMO_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/ocpi_demo),
DEMO_REDIS_URL (default redis://127.0.0.1:6379).`;

/** A number option within bounds, or the message that names it. */
function numberOption(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max} (got ${JSON.stringify(text)})`);
  return n;
}

class UsageError extends Error {}

function options(argv: string[]): { help: true } | { help: false; hub: boolean; speed: number; kwh: number } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { hub: { type: 'boolean' }, speed: { type: 'string' }, kwh: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { help: true };
  return { help: false, hub: v.hub === true, speed: numberOption('speed', v.speed, 900, 1, 100_000), kwh: numberOption('kwh', v.kwh, 15, 0.1, 200) };
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  const lines: string[] = [];
  const out = (line: string) => {
    lines.push(line);
    console.log(line);
  };
  await runDemo({
    hub: opts.hub,
    speed: opts.speed,
    targetKwh: opts.kwh,
    databaseUrl: process.env.DEMO_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ocpi_demo',
    redisUrl: process.env.DEMO_REDIS_URL ?? 'redis://127.0.0.1:6379',
    out,
  });
}

main().then(
  () => process.exit(0),
  (e) => {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`\n✗ demo failed: ${(e as Error).message}`);
    process.exit(1);
  },
);
