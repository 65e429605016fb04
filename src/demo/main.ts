/**
 * `npm run demo [-- --hub] [--scsp] [--ocpp] [--speed N] [--kwh N] [--keep]`: a roaming session end to end on this
 * machine (PostgreSQL and Redis on their default local ports). Exits non-zero if any step fails.
 * However it ends (done, failed, Ctrl-C or SIGTERM at any point) it stops its platforms and
 * removes their schemas and Redis keys first.
 */
import { parseArgs } from 'node:util';
import { DEMO_ADMIN_KEY, type DemoPlatform, DemoPlatforms } from './platforms.js';
import { CPO } from './fixture.js';
import { runDemo } from './story.js';

const USAGE = `Usage: npm run demo -- [options]

A CPO platform and an eMSP platform in one process roam one charging session end to end:
handshake, token push, remote start, accelerated charging, stop, and the priced CDR.

Options:
  --hub          run the same story with both platforms connected only to a third one acting as hub
  --scsp         add a smart charging provider's platform: the CPO delegates the station to it, and
                 mid-session it lowers the charging power (the eMSP's own profile is then refused)
  --ocpp         the CPO's station is a simulated OCPP 1.6J charge point connected to the CPO platform
                 over a real WebSocket instead of the built-in simulator; its OCPP calls join the timeline
  --speed N      how much faster than real time the charge point runs (1-100000, default 900)
  --kwh N        energy to charge before stopping, in kWh (0.1-200, default 15)
  --keep         after the story, keep the platforms running to explore them (their URLs and the
                 admin key are printed) until Ctrl-C
  -h, --help     show this help and exit

Ctrl-C (or SIGTERM) at any point stops the platforms and removes their schemas and Redis keys;
a second Ctrl-C exits at once, leaving them behind.

Environment: DEMO_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/ocpi_demo),
DEMO_REDIS_URL (default redis://127.0.0.1:6379).`;

/** The conventional exit codes of a process ended by a signal (128 + its number). */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT;

/** A number option within bounds, or the message that names it. */
function numberOption(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max} (got ${JSON.stringify(text)})`);
  return n;
}

class UsageError extends Error {}

function options(argv: string[]): { help: true } | { help: false; hub: boolean; scsp: boolean; ocpp: boolean; speed: number; kwh: number; keep: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        hub: { type: 'boolean' },
        scsp: { type: 'boolean' },
        ocpp: { type: 'boolean' },
        speed: { type: 'string' },
        kwh: { type: 'string' },
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { help: true };
  return {
    help: false,
    hub: v.hub === true,
    scsp: v.scsp === true,
    ocpp: v.ocpp === true,
    speed: numberOption('speed', v.speed, 900, 1, 100_000),
    kwh: numberOption('kwh', v.kwh, 15, 0.1, 200),
    keep: v.keep === true,
  };
}

/** Stops the platforms and reports what could not be removed; the demo exits either way. */
async function cleanUp(platforms: DemoPlatforms): Promise<void> {
  const report = await platforms.stop();
  for (const problem of report.problems) console.error(`  could not finish cleaning up: ${problem}`);
}

/** Where to look while the platforms keep running. */
function printKept(out: (line: string) => void, running: readonly DemoPlatform[]): void {
  out('');
  out('▶ The platforms keep running (--keep)');
  for (const p of running) {
    out(`  ${p.name.padEnd(4)} ${p.url}   admin API ${p.url}/admin   API docs ${p.url}/docs   console ${p.url}/console   OCPI ${p.url}/ocpi/versions`);
  }
  out(`  admin key (every platform): Authorization: Bearer ${DEMO_ADMIN_KEY}`);
  const cpo = running.find((p) => p.name === 'CPO');
  if (cpo) out(`  e.g. curl -H 'Authorization: Bearer ${DEMO_ADMIN_KEY}' ${cpo.url}/admin/parties/${CPO.country_code}/${CPO.party_id}/sessions`);
  out('  Running until Ctrl-C, which stops them and removes their schemas and Redis keys.');
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  const platforms = new DemoPlatforms({
    databaseUrl: process.env.DEMO_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ocpi_demo',
    redisUrl: process.env.DEMO_REDIS_URL ?? 'redis://127.0.0.1:6379',
    speed: opts.speed,
  });
  let stoppedBy: StopSignal | undefined;
  const onSignal = (signal: StopSignal) => {
    if (stoppedBy) {
      console.error(`\n${signal} again: exiting now; schemas ${platforms.schemaNames.join(', ')} and their Redis keys may be left behind`);
      process.exit(SIGNAL_EXIT[signal]);
    }
    stoppedBy = signal;
    console.log(`\n${signal}: stopping the platforms and removing their schemas and Redis keys (again to exit at once)`);
    void cleanUp(platforms).finally(() => {
      console.log('Stopped and cleaned up.');
      process.exit(SIGNAL_EXIT[signal]);
    });
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // Once stopping, the story's last steps fail against stopped platforms: nobody needs to read them.
  const out = (line: string) => {
    if (!stoppedBy) console.log(line);
  };
  const whileStopping = () => new Promise<never>(() => undefined);

  try {
    await runDemo({ platforms, hub: opts.hub, scsp: opts.scsp, ocpp: opts.ocpp, speed: opts.speed, targetKwh: opts.kwh, out });
  } catch (e) {
    if (stoppedBy) return whileStopping();
    console.error(`\n✗ demo failed: ${(e as Error).message}`);
    await cleanUp(platforms);
    process.exit(1);
  }
  if (stoppedBy) return whileStopping();
  if (opts.keep) {
    printKept(out, platforms.started);
    // The listening platforms keep the process alive; the signal handler ends it.
    return whileStopping();
  }
  await cleanUp(platforms);
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
