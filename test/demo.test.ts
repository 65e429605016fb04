/**
 * `npm run demo` as a new user runs it: the real entry point in its own process, two platforms,
 * a roaming session from token to priced CDR. It must exit 0 and tell the whole story; with
 * `--keep` it stays up until Ctrl-C, and a signal at any point leaves no schema or Redis key behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { CPO } from '../src/demo/fixture.js';
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
    'Signed meter data (OCMF, meter SIM',
    '): valid,',
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

test('the demo with --scsp: the CPO delegates the station to a smart charging provider, which lowers the power mid-session', async () => {
  const { code, out } = await runDemo(['--scsp', '--speed', '3600', '--kwh', '5']);
  if (code !== 0) console.log(out);
  expect(code).toBe(0);
  for (const step of [
    'with a smart charging provider',
    'The CPO delegates the smart charging at UTR-CENTRAAL to the SCSP',
    'SetChargingProfile: ChargingProfileResponse ACCEPTED, ChargingProfileResult ACCEPTED',
    'ActiveChargingProfile the charge point runs: 3700 W',
    'the eMSP asks for 11 kW: ChargingProfileResponse REJECTED',
    'matches the CDR',
    '): valid,',
    'Summary',
  ])
    expect(out).toContain(step);
  // The session reaches the SCSP from the CPO; the SCSP's profile goes to the CPO and its result back.
  expect(out).toMatch(/CPO\s+→ SCSP PUT\s+\/emsp\/2\.2\.1\/sessions\/NL\/UCP\/SIM-\w+\s+201\/1000 session SIM-\w+ ACTIVE/);
  expect(out).toMatch(/SCSP → CPO\s+PUT\s+\/cpo\/2\.2\.1\/chargingprofiles\/SIM-\w+\s+200\/1000 set profile: 3700 W → ACCEPTED/);
  expect(out).toMatch(/CPO\s+→ SCSP POST\s+\/emsp\/2\.2\.1\/chargingprofiles\/get\/[\w-]+\s+200\/1000 charging profile result: ACCEPTED, active 3700 W/);
  expect(out).toMatch(/eMSP → CPO\s+PUT\s+\/cpo\/2\.2\.1\/chargingprofiles\/SIM-\w+\s+200\/1000 set profile: 11000 W → REJECTED/);
  expect(out).not.toMatch(/\s\?\s+→/);
}, 120_000);

test('the demo with --ocpp: a simulated OCPP 1.6J charge point on a real WebSocket charges the car, and the priced CDR reaches the eMSP', async () => {
  const { code, out } = await runDemo(['--ocpp', '--speed', '3600', '--kwh', '5']);
  if (code !== 0) console.log(out);
  expect(code).toBe(0);
  for (const step of [
    'its station at Utrecht Centraal is a simulated OCPP 1.6J charge point',
    'charge point UCP-CEN registered for UTR-CENTRAAL',
    'START_SESSION: CommandResponse ACCEPTED, CommandResult ACCEPTED',
    'STOP_SESSION: CommandResponse ACCEPTED, CommandResult ACCEPTED',
    'matches the CDR',
    'OCPP 1.6 carries no public key',
    "Signed meter data with the meter's key from its label (OCMF, meter UCP-CEN-M): valid,",
    'Summary',
  ])
    expect(out).toContain(step);
  // The OCPP calls sit in the timeline beside the OCPI messages they cause, in the order of the story.
  const lines = [
    /CP\s+→ CPO\s+OCPP\s+BootNotification\s+Accepted/,
    /CPO\s+→ CP\s+OCPP\s+RemoteStartTransaction\s+Accepted start on connector 1 for DEMO-RFID-0001/,
    /CP\s+→ CPO\s+OCPP\s+StartTransaction\s+Accepted connector 1 started for DEMO-RFID-0001/,
    /CPO\s+→ CP\s+OCPP\s+RemoteStopTransaction\s+Accepted/,
    /CP\s+→ CPO\s+OCPP\s+StopTransaction\s+ok\s+transaction \d+ stopped at [\d.]+ kWh, 2 signed OCMF readings/,
  ];
  const at = lines.map((re) => out.search(re));
  expect(at.every((i) => i >= 0)).toBe(true);
  expect([...at].sort((a, b) => a - b)).toEqual(at);
  expect(out).toMatch(/CPO\s+→ eMSP PUT\s+\/emsp\/2\.2\.1\/sessions\/NL\/UCP\/[\w-]+\s+201\/1000 session [\w-]+ ACTIVE at UTR-CENTRAAL\/UCP-CEN-01/);
  expect(out).toMatch(/CPO\s+→ eMSP POST\s+\/emsp\/2\.2\.1\/cdrs\s+201\/1000 CDR/);
  expect(out).toMatch(/\d+ OCPI messages exchanged, \d+ OCPP calls/);
  // The built-in simulator did not run: its sessions are SIM-...
  expect(out).not.toMatch(/SIM-/);
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
  expect(out).toContain('--keep');
  expect(out).toContain('--scsp');
  expect(out).toContain('--ocpp');
  expect(out).not.toContain('credentials handshake');
});

/** The demo as a child process whose output can be waited on line by line. */
function startDemo(args: string[]) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/demo/main.ts', ...args], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, DEMO_DATABASE_URL: TEST_DATABASE_URL, DEMO_REDIS_URL: TEST_REDIS_URL },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: Array<() => void> = [];
  const onData = (d: Buffer) => {
    out += String(d);
    for (const w of waiters) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => out,
    /** Resolves with the first match once it is printed; fails if the demo exits first. */
    waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) resolve(m);
        };
        waiters.push(check);
        check();
        void exited.then(() => reject(new Error(`the demo exited before printing ${pattern}:\n${out}`)));
      });
    },
  };
}

/** The demo's schemas (named on its "data:" line) that exist in the database, and how many Redis keys they have. */
async function leftovers(schemas: string[]): Promise<{ schemas: string[]; redisKeys: number }> {
  const db = new Client({ connectionString: TEST_DATABASE_URL });
  const redis = new Redis(TEST_REDIS_URL);
  try {
    await db.connect();
    const found = await db.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY 1', [schemas]);
    let redisKeys = 0;
    for (const schema of schemas) redisKeys += (await redis.keys(`demo:${schema}:*`)).length;
    return { schemas: found.rows.map((r) => r.nspname), redisKeys };
  } finally {
    await db.end();
    redis.disconnect();
  }
}

const schemasOf = (dataLine: string) => [...new Set(dataLine.match(/demo_[a-z]+_[0-9a-f]{6}/g) ?? [])];

test('demo --keep leaves the platforms running after the story; Ctrl-C stops them, removes their schemas and Redis keys, exit code 130', async () => {
  const demo = startDemo(['--keep', '--speed', '3600', '--kwh', '5']);
  try {
    const schemas = schemasOf((await demo.waitFor(/data: PostgreSQL schemas .*/))[0]);
    expect(schemas).toHaveLength(2);
    await demo.waitFor(/Running until Ctrl-C/);
    const cpoUrl = (await demo.waitFor(/CPO +(http:\/\/127\.0\.0\.1:\d+)/))[1];
    const key = (await demo.waitFor(/Authorization: Bearer ([0-9a-f]+)/))[1];
    expect(demo.output()).toContain(`${cpoUrl}/console`);
    expect(demo.output()).toContain(`${cpoUrl}/docs`);

    // Still serving after the story: the CPO's backend lists the session it charged.
    const sessions = await fetch(`${cpoUrl}/admin/parties/${CPO.country_code}/${CPO.party_id}/sessions`, { headers: { Authorization: `Bearer ${key}` } });
    expect(sessions.status).toBe(200);
    expect(((await sessions.json()) as { total: number }).total).toBe(1);
    const before = await leftovers(schemas);
    expect(before.schemas).toEqual([...schemas].sort());
    expect(before.redisKeys).toBeGreaterThan(0);

    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(130);
    expect(demo.output()).toContain('Stopped and cleaned up.');
    expect(await leftovers(schemas)).toEqual({ schemas: [], redisKeys: 0 });
    await expect(fetch(`${cpoUrl}/health/live`)).rejects.toThrow();
  } finally {
    demo.child.kill('SIGKILL');
  }
}, 120_000);

test('Ctrl-C in the middle of the story stops both platforms and removes their data, exit code 130', async () => {
  const demo = startDemo(['--speed', '3600', '--kwh', '5']);
  try {
    const schemas = schemasOf((await demo.waitFor(/data: PostgreSQL schemas .*/))[0]);
    await demo.waitFor(/▶ Charging/);
    expect((await leftovers(schemas)).schemas).toEqual([...schemas].sort());
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(130);
    expect(demo.output()).toContain('SIGINT: stopping the platforms');
    expect(demo.output()).not.toContain('Summary');
    expect(await leftovers(schemas)).toEqual({ schemas: [], redisKeys: 0 });
  } finally {
    demo.child.kill('SIGKILL');
  }
}, 120_000);

test('SIGTERM while the platforms are still starting waits for them, then removes their data, exit code 143', async () => {
  const demo = startDemo(['--hub', '--speed', '3600']);
  try {
    const schemas = schemasOf((await demo.waitFor(/data: PostgreSQL schemas .*/))[0]);
    expect(schemas).toHaveLength(3);
    demo.child.kill('SIGTERM');
    expect(await demo.exited).toBe(143);
    expect(demo.output()).toContain('Stopped and cleaned up.');
    expect(await leftovers(schemas)).toEqual({ schemas: [], redisKeys: 0 });
  } finally {
    demo.child.kill('SIGKILL');
  }
}, 120_000);

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
