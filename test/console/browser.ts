/**
 * What the console's browser tests need: a fresh build of the console when its sources changed,
 * Debian's Chromium driven by playwright-core (never a downloaded browser), pages that reach
 * nothing but the platforms under test, and screenshots in test-artifacts/console/.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, type Locator, type Page, chromium } from 'playwright-core';
import { eventually } from '../helpers/eventually.js';

const ROOT = path.resolve(__dirname, '../..');
const CONSOLE = path.join(ROOT, 'console');
const BUILT = path.join(CONSOLE, 'dist', 'index.html');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'console');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** `npm test` builds the console first; a test run on its own builds it when the build is missing or older than its sources. */
export function ensureConsoleBuilt(): void {
  if (fs.existsSync(BUILT) && fs.statSync(BUILT).mtimeMs >= newestSource(CONSOLE)) return;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'console', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}

export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does it)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

/**
 * A browser context whose pages reach only the given origins: anything else (the map's tile
 * server among them) is refused, as it would be on a machine without internet.
 */
export async function offlineContext(browser: Browser, allowedOrigins: string[]): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  await context.route('**/*', (route) => (allowedOrigins.includes(new URL(route.request().url()).origin) ? route.continue() : route.abort('internetdisconnected')));
  return context;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Logs in on the console's page at `baseUrl` with `key`; resolves once the shell shows the key's scope. */
export async function logIn(page: Page, baseUrl: string, key: string, scopeText: string): Promise<void> {
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator(`[data-scope="${scopeText}"]`).waitFor();
}

// Web-first checks for jest (playwright-core brings no `expect` of its own): each polls until it holds.

const WAIT_MS = 10_000;

/** The element shows this text (or matches this pattern). */
export async function seeText(locator: Locator, text: string | RegExp, timeoutMs = WAIT_MS): Promise<void> {
  await eventually(
    async () => {
      const shown = await locator.innerText({ timeout: 1000 });
      if (typeof text === 'string') expect(shown).toContain(text);
      else expect(shown).toMatch(text);
    },
    timeoutMs,
    100,
  );
}

/** The element's whole text, trimmed, is this. */
export async function seeExactly(locator: Locator, text: string, timeoutMs = WAIT_MS): Promise<void> {
  await eventually(async () => expect((await locator.innerText({ timeout: 1000 })).trim()).toBe(text), timeoutMs, 100);
}

export async function seeCount(locator: Locator, count: number, timeoutMs = WAIT_MS): Promise<void> {
  await eventually(async () => expect(await locator.count()).toBe(count), timeoutMs, 100);
}

export async function seeValue(locator: Locator, value: string, timeoutMs = WAIT_MS): Promise<void> {
  await eventually(async () => expect(await locator.inputValue({ timeout: 1000 })).toBe(value), timeoutMs, 100);
}
