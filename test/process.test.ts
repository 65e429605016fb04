/**
 * The real binary (src/main.ts) as ops meet it: one-line startup errors naming the variable,
 * and a clean exit on SIGTERM with both roles running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { TEST_DATABASE_URL, TEST_REDIS_URL, dropSchema, freePort, uniqueSchema } from './helpers/platform.js';

const root = path.join(__dirname, '..');

function baseEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    PUBLIC_BASE_URL: 'http://127.0.0.1:1',
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    ADMIN_API_KEY: 'process-test-admin-key',
    TOKEN_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    ...overrides,
  };
}

function run(env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string; stdout: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.on('data', (d) => (stdout += d));
  const done = new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => child.on('exit', (code) => resolve({ code, stderr, stdout })));
  return { child, done };
}

test.each([
  ['REDIS_URL', { REDIS_URL: 'redis://127.0.0.1:1' }],
  ['DATABASE_URL', { DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/ocpi' }],
  ['PORT', { PORT: 'eighty' }],
])(
  'an unusable %s stops the start with one line naming it',
  async (name, overrides) => {
    const { done } = run(baseEnv({ PORT: String(await freePort()), DATABASE_URL: `${TEST_DATABASE_URL}?schema=${uniqueSchema('proc_err')}`, ...overrides }));
    const { code, stderr } = await done;
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(name);
  },
  30000,
);

test('the image and compose start node with the V8 flags of npm start and npm run start:worker', () => {
  // The worker's young generation (--max-semi-space-size) is part of its measured speed; API
  // processes keep V8's default, whose shorter pauses keep request latency down. The container
  // must run each with the flags the scripts (and the benches) use.
  const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts;
  const words = (command: string) => command.split(/\s+/);
  const flags = (list: string[]) => list.filter((w) => w.startsWith('--'));
  const image = /^CMD (\[.*\])$/m.exec(fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
  const worker = /^ {2}worker:\n(?: {4}.*\n)*? {4}command: (\[.*\])$/m.exec(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'));
  expect(image).not.toBeNull();
  expect(worker).not.toBeNull();
  expect(words(scripts['start:worker'])).toContain('ROLE=worker');
  expect(flags(words(scripts['start:worker']))).toEqual(['--max-semi-space-size=64']);
  expect(flags(JSON.parse(worker![1]))).toEqual(flags(words(scripts['start:worker'])));
  expect(flags(JSON.parse(image![1]))).toEqual(flags(words(scripts.start)));
  for (const command of [JSON.parse(image![1]), JSON.parse(worker![1]), words(scripts.start), words(scripts['start:worker'])]) {
    expect(command.at(-1)).toBe('dist/src/main.js');
  }
});

test('ROLE=all starts, answers ready, and exits 0 on SIGTERM', async () => {
  const port = await freePort();
  const schema = uniqueSchema('proc_run');
  const { child, done } = run(baseEnv({ ROLE: 'all', PORT: String(port), DATABASE_URL: `${TEST_DATABASE_URL}?schema=${schema}`, REDIS_PREFIX: `test:${schema}` }));
  try {
    let ready = false;
    for (let i = 0; i < 100 && !ready; i++) {
      await new Promise((r) => setTimeout(r, 200));
      ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
    }
    expect(ready).toBe(true);
    child.kill('SIGTERM');
    const { code, stdout } = await done;
    expect(code).toBe(0);
    expect(stdout).toContain('shutting down');
    expect(stdout).toContain('workers started');
    // The start line tells a new user where everything is.
    expect(stdout).toMatch(/listening on port \d+: OCPI http:\/\/[^ ]+\/ocpi\/versions, admin API [^ ]+\/admin, console [^ ]+\/console\/, API docs [^ ]+\/docs/);
    // Every line is JSON with a level: structured logs.
    for (const line of stdout.trim().split('\n')) expect(JSON.parse(line).level).toEqual(expect.any(String));
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await dropSchema(schema);
  }
}, 40000);
