/**
 * How the platform serves the console at /console: the page for every console path (it routes
 * in the browser), hashed assets cached for good, security headers, and a clear word instead of
 * an error when the console was never built. Over a real platform, with a stand-in build.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { consoleRouter } from '../../src/http/console.js';
import { type TestPlatform, request, startTestPlatform } from '../helpers/platform.js';

let built: string;
let empty: string;
let app: express.Express;

beforeAll(() => {
  built = fs.mkdtempSync(path.join(os.tmpdir(), 'console-built-'));
  fs.mkdirSync(path.join(built, 'assets'));
  fs.writeFileSync(path.join(built, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/console/assets/app-1a2b3c.js"></script>');
  fs.writeFileSync(path.join(built, 'assets', 'app-1a2b3c.js'), 'console.log("console")');
  empty = fs.mkdtempSync(path.join(os.tmpdir(), 'console-empty-'));
  app = express();
  app.use('/console', consoleRouter(built));
  app.use('/unbuilt', consoleRouter(empty));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
});

afterAll(() => {
  fs.rmSync(built, { recursive: true, force: true });
  fs.rmSync(empty, { recursive: true, force: true });
});

test('the page is served at /console/ with a strict content security policy and without caching', async () => {
  const res = await request(app).get('/console/').expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.text).toContain('<title>console</title>');
  expect(res.headers['cache-control']).toBe('no-cache');
  const csp = res.headers['content-security-policy'];
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("connect-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
});

test('/console redirects to /console/, and every other console path gets the page (browser routing)', async () => {
  await request(app).get('/console').expect(301).expect('Location', '/console/');
  for (const p of ['/console/peers/0b6f4a52-0000-4000-8000-000000000000', '/console/parties/NL/ABC/cpo/locations?status=AVAILABLE']) {
    const res = await request(app).get(p).expect(200);
    expect(res.text).toContain('<title>console</title>');
  }
});

test('hashed assets are cached for good; a missing one is a 404, never the page', async () => {
  const asset = await request(app).get('/console/assets/app-1a2b3c.js').expect(200);
  expect(asset.headers['content-type']).toMatch(/javascript/);
  expect(asset.headers['cache-control']).toContain('immutable');
  expect(asset.headers['cache-control']).toContain('max-age=31536000');
  const missing = await request(app).get('/console/assets/app-000000.js').expect(404);
  expect(missing.text).not.toContain('<title>');
});

test('changes are not served: a POST under /console falls through to the 404', async () => {
  await request(app).post('/console/').send({}).expect(404);
});

test('without a build, /console says how to build it instead of failing', async () => {
  const res = await request(app).get('/unbuilt/').expect(503);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  expect(res.text).toContain('npm run console:build');
  const deep = await request(app).get('/unbuilt/peers/1').expect(503);
  expect(deep.text).toContain('npm run console:build');
});

describe('in the platform', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform('console_mount');
  });
  afterAll(() => platform?.stop());

  test('/console is open without a key (the page asks for one), the admin API is not', async () => {
    const page = await request(platform.url).get('/console/');
    // Built (npm test builds it first) or not, the platform answers the page or the build hint, never an error.
    expect([200, 503]).toContain(page.status);
    expect(page.text).toMatch(page.status === 200 ? /<div id="app">/ : /npm run console:build/);
    await request(platform.url).get('/admin/peers').expect(401);
  });

  test('the start line names the console', () => {
    expect(platform.logs.some((line) => line.includes(`console ${platform.url}/console/`))).toBe(true);
  });
});
