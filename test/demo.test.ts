/**
 * `npm run demo` as a new user runs it: the real entry point in its own process, two platforms,
 * a roaming session from token to priced CDR. It must exit 0 and tell the whole story.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './helpers/platform.js';

function runDemo(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/demo/main.ts', ...args], {
      cwd: path.join(__dirname, '..'),
      env: { ...process.env, DEMO_DATABASE_URL: TEST_DATABASE_URL, DEMO_REDIS_URL: TEST_REDIS_URL, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

test('the demo charges a car from token to priced CDR and prints the timeline and summary', async () => {
  const { code, out } = await runDemo(['--speed', '3600', '--kwh', '5']);
  if (code !== 0) console.log(out);
  expect(code).toBe(0);
  for (const step of [
    'credentials handshake',
    'START_SESSION: CommandResponse ACCEPTED, CommandResult ACCEPTED',
    'STOP_SESSION: CommandResponse ACCEPTED',
    'matches the CDR',
    'Summary',
  ])
    expect(out).toContain(step);
  // The timeline shows the messages that crossed, with their statuses.
  expect(out).toMatch(/eMSP → CPO\s+POST\s+\/cpo\/2\.2\.1\/commands\/START_SESSION\s+200\/1000/);
  expect(out).toMatch(/CPO\s+→ eMSP POST\s+\/emsp\/2\.2\.1\/cdrs\s+201\/1000 CDR/);
  expect(out).toMatch(/\d+ OCPI messages exchanged/);
}, 120_000);

test('the demo runs the same story with both platforms connected only to a hub, each message named by its real sender', async () => {
  const { code, out } = await runDemo(['--hub', '--speed', '3600', '--kwh', '5']);
  if (code !== 0) console.log(out);
  expect(code).toBe(0);
  for (const step of [
    'CPO and eMSP behind a hub',
    'START_SESSION: CommandResponse ACCEPTED, CommandResult ACCEPTED',
    'STOP_SESSION: CommandResponse ACCEPTED',
    'matches the CDR',
    'Summary',
  ])
    expect(out).toContain(step);
  // eMSP -> hub -> CPO for the pull, the command and its result; CPO -> hub -> eMSP for the CDR.
  expect(out).toMatch(/eMSP → HUB\s+GET\s+\/hub\/2\.2\.1\/locations\/sender\s+200\/1000 pull: 3 location/);
  expect(out).toMatch(/eMSP → HUB\s+PUT\s+\/hub\/2\.2\.1\/tokens\/receiver\//);
  expect(out).toMatch(/eMSP → HUB\s+POST\s+\/hub\/2\.2\.1\/commands\/receiver\/START_SESSION\s+200\/1000/);
  expect(out).toMatch(/HUB\s+→ CPO\s+POST\s+\/cpo\/2\.2\.1\/commands\/START_SESSION\s+200\/1000/);
  expect(out).toMatch(/CPO\s+→ HUB\s+POST\s+\/hub\/alias\/\w+\s+200\/1000 callback through the hub: result ACCEPTED/);
  expect(out).toMatch(/CPO\s+→ HUB\s+POST\s+\/hub\/2\.2\.1\/cdrs\/receiver\s+201\/1000 CDR/);
  expect(out).toMatch(/HUB\s+→ eMSP POST\s+\/emsp\/2\.2\.1\/cdrs\s+201\/1000 CDR/);
  expect(out).not.toMatch(/\s\?\s+→/);
}, 120_000);

test('the demo exits non-zero and says why when a step cannot happen', async () => {
  const { code, out } = await runDemo(['--speed', '3600'], { DEMO_REDIS_URL: 'redis://127.0.0.1:1' });
  expect(code).toBe(1);
  expect(out).toMatch(/demo failed: .*REDIS_URL/);
}, 60_000);

test('demo --help prints the options and starts nothing', async () => {
  const { code, out } = await runDemo(['--help']);
  expect(code).toBe(0);
  expect(out).toContain('Usage: npm run demo');
  expect(out).toContain('--kwh N');
  expect(out).not.toContain('credentials handshake');
});

test.each([
  [['--kwh', 'abc'], '--kwh must be a number'],
  [['--speed', '0'], '--speed must be a number'],
  [['--turbo'], "Unknown option '--turbo'"],
])('demo %j is refused with exit code 2 and a message naming the option, before anything starts', async (args, message) => {
  const { code, out } = await runDemo(args);
  expect(code).toBe(2);
  expect(out).toContain(message);
  expect(out).not.toContain('credentials handshake');
});

test('bench --help prints the benches and runs none; an unknown option is exit code 2', async () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run-all.ts', ...args], { cwd: path.join(__dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += String(d)));
      child.stderr.on('data', (d) => (out += String(d)));
      child.on('exit', (code) => resolve({ code, out }));
    });
  const help = await run(['--help']);
  expect(help.code).toBe(0);
  expect(help.out).toMatch(/Benches: .*cpo/);
  expect(help.out).not.toContain('== bench/');
  const bad = await run(['--fast']);
  expect(bad.code).toBe(2);
  expect(bad.out).toContain('Unknown option --fast');
});
