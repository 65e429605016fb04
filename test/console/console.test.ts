/**
 * The operations console in a real browser (Debian's Chromium through playwright-core) against
 * two real platforms: an operator logs in, sees what needs attention, retries a dead letter,
 * invites a peer, blocks a driver's token and watches an EVSE change status without reloading.
 * Each page is saved as a screenshot in test-artifacts/console/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CPO, EMSP, driverToken, locations } from '../../src/demo/fixture.js';
import { eventually } from '../helpers/eventually.js';
import { ADMIN_KEY } from '../helpers/platform.js';
import { ensureConsoleBuilt, launchChromium, logIn, offlineContext, screenshot, seeCount, seeExactly, seeText, seeValue } from './browser.js';
import { type Network, REFUSAL, cpoPath, emspPath, startNetwork } from './network.js';

jest.setTimeout(120_000);

let net: Network;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ensureConsoleBuilt();
  [net, browser] = await Promise.all([startNetwork(), launchChromium()]);
}, 180_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await net?.stop();
});

/** What went wrong inside the pages: uncaught errors and content security policy refusals. */
const pageProblems: string[] = [];

async function newPage(): Promise<Page> {
  const context = await offlineContext(browser, [net.cpo.url, net.emsp.url]);
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageProblems.push(`${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageProblems.push(`${page.url()}: ${m.text()}`);
  });
  return page;
}

const operators = new Map<string, Promise<Page>>();

/** The operator's tab of a platform's console, logged in once with the bootstrap key. */
function operator(baseUrl: string): Promise<Page> {
  let page = operators.get(baseUrl);
  if (!page) {
    page = newPage().then(async (p) => {
      await logIn(p, baseUrl, ADMIN_KEY, 'admin');
      return p;
    });
    operators.set(baseUrl, page);
  }
  return page;
}

/** Opens a console path (`/`, `/peers/…`) in the operator's tab of that platform. */
async function open(baseUrl: string, path: string): Promise<Page> {
  const page = await operator(baseUrl);
  await page.goto(`${baseUrl}/console${path}`);
  return page;
}

/** A key of this scope on the CPO platform, made through the admin API. */
async function keyOf(scope: string): Promise<string> {
  const created = await net.cpo
    .admin()
    .post('/api-keys', { name: `console ${scope.replace('/', ' ')}`, scope })
    .expect(201);
  return created.body.key;
}

const ALL_PAGES = ['Overview', 'Parties', 'Connections', 'Smart charging', 'API keys', 'Audit log'];

/**
 * One case per kind of key: what it logs in with, where it lands, what the navigation shows and
 * hides, and what else the scope changes. A new scope is one more entry.
 */
const LOGINS: Array<{ scope: string; key: () => Promise<string>; lands: RegExp; sees: string[]; hides: string[]; then?: (page: Page) => Promise<void> }> = [
  { scope: 'admin', key: async () => ADMIN_KEY, lands: /\/console\/$/, sees: ALL_PAGES, hides: [] },
  {
    scope: 'read',
    key: () => keyOf('read'),
    lands: /\/console\/$/,
    sees: ALL_PAGES,
    hides: [],
    then: async (page) => {
      // Everything is shown, nothing can be changed.
      await page.goto(`${net.cpo.url}/console/peers/${net.refuser.peerId}?status=DEAD`);
      await seeText(page.getByRole('table', { name: 'Deliveries' }), REFUSAL);
      for (const action of ['Rotate tokens', 'Suspend', 'Unregister', 'Retry', 'Drop']) await seeCount(page.getByRole('button', { name: action }), 0);
      await page.goto(`${net.cpo.url}/console${cpoPath}/cpo/locations`);
      await seeText(page.getByRole('table', { name: 'Locations' }), 'Maliebaan');
      await seeCount(page.locator('select.evse-set'), 0);
    },
  },
  {
    scope: `party:${CPO.country_code}/${CPO.party_id}`,
    key: () => keyOf(`party:${CPO.country_code}/${CPO.party_id}`),
    lands: new RegExp(`/console${cpoPath}/cpo`),
    sees: [`Party ${CPO.country_code}*${CPO.party_id}`],
    hides: ALL_PAGES,
    then: async (page) => {
      // Its own party's pages, with their controls; the platform's pages lead back there.
      await seeText(page.getByRole('table', { name: 'Locations' }), 'Maliebaan');
      await seeCount(page.locator('select.evse-set'), 5);
      await page.goto(`${net.cpo.url}/console/peers/${net.refuser.peerId}`);
      await page.waitForURL(new RegExp(`/console${cpoPath}/cpo`));
      await page.goto(`${net.cpo.url}/console${emspPath}/emsp/tokens`);
      await seeText(page.locator('main'), 'may not see party');
    },
  },
];

describe.each(LOGINS)('logging in with a key of scope $scope', ({ scope, key, lands, sees, hides, then }) => {
  test('shows the pages that scope allows', async () => {
    const page = await newPage();
    await logIn(page, net.cpo.url, await key(), scope);
    await page.waitForURL(lands);
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const item of sees) await nav.getByRole('link', { name: item, exact: true }).waitFor();
    for (const item of hides) await seeCount(nav.getByRole('link', { name: item, exact: true }), 0);
    await screenshot(page, `login-${scope.replace(/[^a-z]+/gi, '-')}`);
    await then?.(page);
  });
});

test('a wrong key is refused with the platform’s message, and the key is kept in this tab only', async () => {
  const page = await newPage();
  await page.goto(`${net.cpo.url}/console/`);
  await screenshot(page, 'login');
  await page.getByLabel('API key').fill('not-the-key-0123456789');
  await page.getByRole('button', { name: 'Log in' }).click();
  await seeText(page.getByRole('alert'), 'Missing or wrong admin API key');
  await page.getByLabel('API key').fill(ADMIN_KEY);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('[data-scope="admin"]').waitFor();
  const stored = await page.evaluate('({ session: Object.values(sessionStorage), local: Object.values(localStorage) })');
  expect(stored).toEqual({ session: [ADMIN_KEY], local: [] });
});

test('the overview puts the dead letters first, beside parties, peers and pulls', async () => {
  const page = await open(net.cpo.url, '/');
  const attention = page.getByRole('region', { name: 'Needs attention' }).locator('li');
  await seeText(attention.first(), /\d+ dead deliver(y|ies) to Strict eMSP/);
  await seeText(page.getByRole('table', { name: 'Peers' }), EMSP.name);
  await seeText(page.getByRole('table', { name: 'Local parties' }), `${CPO.country_code}*${CPO.party_id}`);
  await seeText(page.getByRole('table', { name: 'Pulls' }), /tokens/);
  await screenshot(page, 'overview');
});

test("a peer's page lists its dead letters; a retried one is delivered", async () => {
  const page = await open(net.cpo.url, '/');
  await page
    .getByRole('region', { name: 'Needs attention' })
    .getByRole('link', { name: /dead deliver/ })
    .click();
  await page.waitForURL(`**/console/peers/${net.refuser.peerId}`);
  await seeText(page.getByRole('table', { name: 'Endpoints' }), 'locations');
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: /^DEAD/ }).click();
  const rows = page.getByRole('table', { name: 'Deliveries' }).locator('tbody tr');
  await seeText(rows.first(), REFUSAL);
  await screenshot(page, 'peer');

  const deadBefore = (await net.cpo.admin().get(`/peers/${net.refuser.peerId}/deliveries?status=DEAD`).expect(200)).body;
  // The PUT of a location no session touched: nothing newer of that object waits behind it.
  const target = deadBefore.items.find((d: { object_key: string; method: string }) => d.object_key.endsWith('UTR-MALIEBAAN') && d.method === 'PUT');
  net.refuser.refusing = false;
  const row = page.locator(`tr[data-key="${target.id}"]`);
  await row.getByRole('button', { name: 'Retry' }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Delivery ${target.id} queued again` })
    .waitFor();
  // The platform sends it again and the peer takes it now: the row leaves the dead letters.
  await seeCount(row, 0, 20_000);
  const delivered = await eventually(async () => {
    const answer = (await net.cpo.admin().get(`/peers/${net.refuser.peerId}/deliveries?status=DELIVERED`).expect(200)).body;
    const found = answer.items.find((d: { id: string }) => d.id === target.id);
    expect(found).toBeDefined();
    return found;
  }, 20_000);
  expect(delivered.object_key).toBe(target.object_key);
  await page
    .getByRole('navigation', { name: 'Sections' })
    .getByRole('link', { name: /^DELIVERED/ })
    .click();
  await seeText(page.locator(`tr[data-key="${target.id}"]`), 'DELIVERED');
});

test('an invitation is created and its Token A shown once', async () => {
  const page = await open(net.cpo.url, '/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections' }).click();
  await page.getByLabel('Label (who it is for)').fill('Console test eMSP');
  await page.getByRole('button', { name: 'Create invitation' }).click();
  const token = await page.getByTestId('invitation').getByLabel('Token A', { exact: true }).inputValue();
  expect(token.length).toBeGreaterThanOrEqual(16);
  await seeValue(page.getByTestId('invitation').getByLabel('Versions URL', { exact: true }), `${net.cpo.url}/ocpi/versions`);
  await screenshot(page, 'connections');
  const pending = (await net.cpo.admin().get('/peers').expect(200)).body.filter((p: { label: string; status: string }) => p.label === 'Console test eMSP');
  expect(pending).toMatchObject([{ status: 'PENDING' }]);
  await seeText(page.getByRole('table', { name: 'Waiting connections' }), 'Console test eMSP');
  // The token works as Token A at the platform (its versions endpoint accepts it)...
  const versions = await fetch(`${net.cpo.url}/ocpi/versions`, { headers: { Authorization: `Token ${Buffer.from(token).toString('base64')}` } });
  expect(versions.status).toBe(200);
  // ...and is gone once the page is left.
  await page.reload();
  await page.getByRole('region', { name: 'Invite a peer' }).waitFor();
  await seeCount(page.getByTestId('invitation'), 0);
});

test("blocking a driver's token on the eMSP's page pushes it to the CPO", async () => {
  const page = await open(net.emsp.url, `${emspPath}/emsp/tokens`);
  const token = driverToken();
  const row = page.locator(`tr[data-key="${token.type}:${token.uid}"]`);
  await seeText(row, 'VALID');
  await row.getByRole('button', { name: 'Block' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Block' }).click();
  await seeText(row, 'BLOCKED');
  await screenshot(page, 'emsp-tokens');
  const stored = (await net.emsp.admin().get(`${emspPath}/tokens/${token.uid}?type=${token.type}`).expect(200)).body;
  expect(stored.valid).toBe(false);
  await eventually(() => {
    const patches = net.cpo.received.filter((r) => r.method === 'PATCH' && r.path.endsWith(`/tokens/${EMSP.country_code}/${EMSP.party_id}/${token.uid}`));
    expect(patches.map((r) => (r.body as { valid?: boolean } | undefined)?.valid)).toContain(false);
  }, 20_000);
  await row.getByRole('button', { name: 'Unblock' }).click();
  await seeText(row, 'VALID');
});

test('an EVSE status change made through the CPO backend API shows on both consoles without a reload', async () => {
  const cpoPage = await open(net.cpo.url, `${cpoPath}/cpo/locations`);
  const emspPage = await open(net.emsp.url, `${emspPath}/emsp/locations`);
  const maliebaan = locations()[1];
  const evse = maliebaan.evses[0];
  const pills = [cpoPage, emspPage].map((p) => p.locator(`[data-evse="${evse.uid}"] .pill`));
  for (const pill of pills) await seeExactly(pill, 'AVAILABLE');
  // Offline, the map says its tiles are missing and still shows the stations.
  await cpoPage.getByRole('region', { name: 'Map of locations' }).waitFor();
  await seeText(cpoPage.locator('.map-note'), 'Map tiles cannot be loaded');
  await seeCount(cpoPage.locator('.leaflet-interactive'), locations().length);
  for (const p of [cpoPage, emspPage]) await p.evaluate('window.sameDocument = true');

  await net.cpo.admin().patch(`${cpoPath}/locations/${maliebaan.id}/${evse.uid}`, { status: 'OUTOFORDER' }).expect(200);
  for (const pill of pills) await seeExactly(pill, 'OUTOFORDER', 20_000);
  for (const p of [cpoPage, emspPage]) expect(await p.evaluate('window.sameDocument')).toBe(true);
  await screenshot(cpoPage, 'cpo-locations');
  await screenshot(emspPage, 'emsp-locations');
});

test("a charging profile set on the eMSP's live session comes back with the CPO's result", async () => {
  const [active] = (await net.emsp.admin().get(`${emspPath}/received/sessions?status=ACTIVE`).expect(200)).body.items;
  const page = await open(net.emsp.url, `${emspPath}/emsp/sessions`);
  const row = page.locator(`tr[data-key="${CPO.country_code}*${CPO.party_id}/${active.id}"]`);
  await seeText(row, 'ACTIVE');
  await row.getByLabel('Limit in kW').fill('7.4');
  await row.getByRole('button', { name: 'Limit' }).click();
  await page.getByRole('status').filter({ hasText: 'Set charging profile: done' }).waitFor();
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Commands & profiles' }).click();
  const requests = page.getByRole('table', { name: 'Charging profile requests', exact: true });
  await seeText(requests, 'SET');
  await seeText(requests, 'result ACCEPTED', 20_000);
  await screenshot(page, 'emsp-profiles');
  const sent = net.cpo.received.filter((r) => r.method === 'PUT' && r.path === `/ocpi/cpo/2.2.1/chargingprofiles/${active.id}`);
  expect(sent.map((r) => (r.body as { charging_profile?: unknown } | undefined)?.charging_profile)).toContainEqual({
    charging_rate_unit: 'W',
    charging_profile_period: [{ start_period: 0, limit: 7400 }],
  });
});

test('a party is registered on the parties page and opens on its CPO pages', async () => {
  const page = await open(net.cpo.url, '/parties');
  await page.getByLabel('Country code').fill('be');
  await page.getByLabel('Party id').fill('cns');
  await page.getByLabel('Name', { exact: true }).fill('Console Charging');
  await page.getByLabel('eMSP').check();
  await page.getByRole('button', { name: 'Register' }).click();
  const parties = page.getByRole('table', { name: 'Parties', exact: true });
  await seeText(parties, 'Console Charging');
  expect((await net.cpo.admin().get('/parties/BE/CNS').expect(200)).body).toMatchObject({ roles: ['CPO', 'EMSP'], business_details: { name: 'Console Charging' } });
  await parties.getByRole('link', { name: 'BE*CNS' }).click();
  await page.waitForURL(/\/console\/parties\/BE\/CNS\/cpo$/);
  await seeText(page.locator('.party-head'), 'eMSP pages of this party');
  await seeText(page.getByRole('table', { name: 'Locations' }), 'No locations.');
});

test('an API key is created on its page, shown once, and revoked', async () => {
  const page = await open(net.cpo.url, '/keys');
  await page.getByLabel('Name', { exact: true }).fill('console made');
  await page.getByLabel('Scope').selectOption('read');
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = await page.getByTestId('new-key').getByLabel('API key', { exact: true }).inputValue();
  const whoami = (k: string) => fetch(`${net.cpo.url}/admin/whoami`, { headers: { Authorization: `Bearer ${k}` } });
  expect(await (await whoami(key)).json()).toEqual({ name: 'console made', scope: 'read' });
  const row = page.getByRole('table', { name: 'API keys', exact: true }).locator('tr', { hasText: 'console made' });
  await seeText(row, 'ACTIVE');
  await screenshot(page, 'keys');
  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
  await seeText(row, 'REVOKED');
  expect((await whoami(key)).status).toBe(401);
});

test('a delegation to an SCSP is made and ended on the smart charging page', async () => {
  await net.cpo
    .admin()
    .post('/parties', { country_code: 'NL', party_id: 'SCS', role: 'SCSP', business_details: { name: 'Smart Charging Services' } })
    .expect(201);
  const page = await open(net.cpo.url, '/smart-charging');
  await seeText(page.getByRole('table', { name: 'Delegations', exact: true }), 'No delegations');
  await page.getByLabel('From').selectOption(`${CPO.country_code}/${CPO.party_id}`);
  await page.getByLabel('SCSP').fill('NL/SCS');
  await page.getByLabel('Locations').fill(locations()[0].id);
  await page.getByRole('button', { name: 'Delegate' }).click();
  const row = page.getByRole('table', { name: 'Delegations', exact: true }).locator('tr', { hasText: 'NL/SCS' });
  await seeText(row, locations()[0].id);
  expect((await net.cpo.admin().get('/delegations').expect(200)).body).toEqual([expect.objectContaining({ to: 'NL/SCS', locations: [locations()[0].id] })]);
  await seeText(page.getByRole('table', { name: 'Conflicts', exact: true }), 'No conflicts.');
  await screenshot(page, 'smart-charging');
  // A refused delegation shows the platform's message, naming the field.
  await page.getByLabel('From').selectOption(`${CPO.country_code}/${CPO.party_id}`);
  await page.getByLabel('SCSP').fill('NL/ZZZ');
  await page.getByRole('button', { name: 'Delegate' }).click();
  await seeText(page.locator('main .error'), 'to:');
  await row.getByRole('button', { name: 'End' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'End' }).click();
  await seeText(page.getByRole('table', { name: 'Delegations', exact: true }), 'No delegations');
  expect((await net.cpo.admin().get('/delegations').expect(200)).body).toEqual([]);
  await net.cpo.admin().delete('/parties/NL/SCS').expect(204);
});

/** Every other page: it shows its data (in the table or section named) without an error box; a screenshot of each. */
const PAGES: Array<{ name: string; platform: 'cpo' | 'emsp'; path: string; within: { role: 'table' | 'region'; name: string }; shows: string }> = [
  { name: 'parties', platform: 'cpo', path: '/parties', within: { role: 'table', name: 'Parties' }, shows: CPO.name },
  { name: 'cpo-sessions', platform: 'cpo', path: `${cpoPath}/cpo/sessions`, within: { role: 'table', name: 'Sessions' }, shows: 'ACTIVE' },
  { name: 'cpo-commands', platform: 'cpo', path: `${cpoPath}/cpo/commands`, within: { role: 'table', name: 'Commands' }, shows: 'STOP_SESSION' },
  { name: 'cpo-tariffs', platform: 'cpo', path: `${cpoPath}/cpo/tariffs`, within: { role: 'table', name: 'Tariffs' }, shows: 'AC-STANDARD' },
  { name: 'cpo-backend', platform: 'cpo', path: `${cpoPath}/cpo/backend`, within: { role: 'region', name: 'Backend adapter' }, shows: 'Set backend' },
  { name: 'emsp-sessions', platform: 'emsp', path: `${emspPath}/emsp/sessions`, within: { role: 'table', name: 'Sessions' }, shows: 'COMPLETED' },
  { name: 'emsp-commands', platform: 'emsp', path: `${emspPath}/emsp/commands`, within: { role: 'table', name: 'Commands sent' }, shows: 'STOP_SESSION' },
  { name: 'emsp-events', platform: 'emsp', path: `${emspPath}/emsp/events`, within: { role: 'table', name: 'Events' }, shows: 'session.started' },
  { name: 'audit', platform: 'cpo', path: '/audit', within: { role: 'table', name: 'Audit log' }, shows: '/peers/invitations' },
];

test.each(PAGES)('the $name page renders', async ({ name, platform, path, within, shows }) => {
  const page = await open(platform === 'cpo' ? net.cpo.url : net.emsp.url, path);
  await seeText(page.getByRole(within.role, { name: within.name, exact: true }), shows, 15_000);
  await seeCount(page.locator('main .error'), 0);
  await screenshot(page, name);
});

test('a CDR on either side is explained: the parts of its price and the tariff applied', async () => {
  for (const [platform, path, name] of [
    [net.cpo, `${cpoPath}/cpo/cdrs`, 'cpo-cdrs'],
    [net.emsp, `${emspPath}/emsp/cdrs`, 'emsp-cdrs'],
  ] as const) {
    const page = await open(platform.url, path);
    await page.getByRole('button', { name: 'Explain price' }).click();
    const breakdown = page.getByRole('table', { name: 'Price breakdown' });
    await seeText(breakdown, 'Energy');
    await seeText(breakdown, 'EUR');
    await seeText(page.locator('.cdr-price'), 'AC-STANDARD');
    // The tariff engine's explanation: re-priced from the CDR's own tariff, equal to its total.
    await seeText(page.locator('.cdr-price [data-matches="true"]'), 'matches the CDR');
    await seeText(page.getByRole('list', { name: 'Explanation' }), 'EUR');
    // The eMSP checked the simulator's signed meter data on receipt (OCMF): the verdict is shown.
    if (platform === net.emsp) await seeText(page.locator('.cdr-price [data-signed="valid"]'), 'OCMF: valid');
    await screenshot(page, name);
  }
});

test('no page threw an error or was refused something by its content security policy', () => {
  expect(pageProblems).toEqual([]);
});
