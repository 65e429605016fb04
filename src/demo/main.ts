/**
 * `npm run demo [-- --hub] [--speed N] [--kwh N]`: a roaming session end to end on this machine
 * (PostgreSQL and Redis on their default local ports). Exits non-zero if any step fails.
 */
import { runDemo } from './story.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const out = (line: string) => {
    lines.push(line);
    console.log(line);
  };
  await runDemo({
    hub: process.argv.includes('--hub'),
    speed: Number(arg('speed') ?? 900),
    targetKwh: Number(arg('kwh') ?? 15),
    databaseUrl: process.env.DEMO_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ocpi_demo',
    redisUrl: process.env.DEMO_REDIS_URL ?? 'redis://127.0.0.1:6379',
    out,
  });
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`\n✗ demo failed: ${(e as Error).message}`);
    process.exit(1);
  },
);
