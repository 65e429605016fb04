/**
 * Who may call what on the admin API: every route of `adminRoutes` (every method) called with
 * a key of each scope. Party routes name our party NL/CPO; other ids name nothing, and bodies
 * are `{}`, so a call the scope lets through reaches its handler and is refused there (400, 404,
 * 409) or changes nothing that matters. Expected (README, "API keys and scopes"):
 *
 * | key | answer |
 * |---|---|
 * | none | 401 |
 * | admin | past the guard: neither 401 nor 403, and a declared route answered (not the 404 of an unknown path) |
 * | read | GET: past the guard; anything else 403 insufficient_scope |
 * | party:NL/CPO (own) | routes under `/parties/:country_code/:party_id/`, and GET /whoami: past the guard; anything else 403 |
 * | party:NL/OTH (other) | GET /whoami: past the guard; anything else 403 |
 *
 * and in every cell: never a 5xx; a refused call (401, 403) writes nothing (the audit log
 * aside); every refused change (403 but GET) is in the audit log. A failure prints the matrix.
 */
import { aBusinessDetails } from '../helpers/builders.js';
import { type TestPlatform, request, startTestPlatform } from '../helpers/platform.js';
import { type AdminEndpoint, adminSamplePath, listAdminEndpoints } from './admin-endpoints.js';
import { type RawResponse, TableSnapshots, assertHealthy, closeAgent, rawRequest } from './harness.js';

jest.setTimeout(120_000);

type Column = 'none' | 'admin' | 'read' | 'partyOwn' | 'partyOther';
const COLUMNS: Column[] = ['none', 'admin', 'read', 'partyOwn', 'partyOther'];
const OWN = { countryCode: 'NL', partyId: 'CPO' };
const OTHER = { countryCode: 'NL', partyId: 'OTH' };
const SCOPES: Record<Exclude<Column, 'none'>, string> = { admin: 'admin', read: 'read', partyOwn: 'party:NL/CPO', partyOther: 'party:NL/OTH' };

let platform: TestPlatform;
let snapshots: TableSnapshots;
const keys = {} as Record<Exclude<Column, 'none'>, string>;
const endpoints = listAdminEndpoints();

beforeAll(async () => {
  platform = await startTestPlatform('reliability_admin_access', { env: { LOG_LEVEL: 'warn' } });
  for (const party of [OWN, OTHER]) {
    await platform
      .admin()
      .post('/parties', { country_code: party.countryCode, party_id: party.partyId, roles: ['CPO', 'EMSP'], business_details: aBusinessDetails() })
      .expect(201);
  }
  for (const column of Object.keys(SCOPES) as Array<keyof typeof SCOPES>) {
    keys[column] = (
      await platform
        .admin()
        .post('/api-keys', { name: `matrix ${column}`, scope: SCOPES[column] })
        .expect(201)
    ).body.key;
  }
  snapshots = new TableSnapshots(platform);
});

afterAll(async () => {
  await snapshots?.close();
  closeAgent();
  await platform?.stop();
});

const READS = new Set(['get']);
const UNDER_PARTY = '/parties/:country_code/:party_id/';

/** What the scope rule says: may this key's call reach the route? */
function allowed(ep: AdminEndpoint, column: Column): boolean {
  if (column === 'none') return false;
  if (column === 'admin') return true;
  if (ep.method === 'get' && ep.template === '/whoami') return true;
  if (column === 'read') return READS.has(ep.method);
  if (column === 'partyOwn') return ep.template.startsWith(UNDER_PARTY);
  return false;
}

interface Cell {
  status: string;
  problems: string[];
}

function expectation(ep: AdminEndpoint, column: Column, res: RawResponse): string | undefined {
  const code = res.json?.error?.code;
  if (column === 'none') return res.status === 401 && code === 'unauthorized' ? undefined : 'expected 401 unauthorized';
  if (!allowed(ep, column)) return res.status === 403 && code === 'insufficient_scope' ? undefined : 'expected 403 insufficient_scope';
  if (res.status === 401 || res.status === 403) return `refused (${res.status} ${code}) where the scope allows it`;
  if (res.status === 404 && String(res.json?.error?.message).startsWith('No admin endpoint')) return 'no route answered';
  return undefined;
}

let refusedChanges = 0;

async function call(ep: AdminEndpoint, column: Column): Promise<Cell> {
  // Our party in every column: the party keys differ by their scope, not by the path.
  const path = adminSamplePath(ep, OWN);
  const headers: Record<string, string> = column === 'none' ? {} : { Authorization: `Bearer ${keys[column]}` };
  const body = ep.method === 'get' || ep.method === 'delete' ? undefined : '{}';
  const refused = !allowed(ep, column);
  const before = refused ? await snapshots.take() : undefined;
  const res = await rawRequest(platform.url, ep.method.toUpperCase(), path, headers, body);
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`HTTP ${res.status}: ${res.text.slice(0, 200)}`);
  const wrong = expectation(ep, column, res);
  if (wrong) problems.push(wrong);
  if (before) {
    const changed = TableSnapshots.diff(before, await snapshots.take());
    if (changed.length) problems.push(`wrote ${changed.join('; ')}`);
    if (column !== 'none' && ep.method !== 'get') refusedChanges++;
  }
  return { status: `${res.status}${res.json?.error?.code ? ` ${res.json.error.code}` : ''}`, problems };
}

function render(rows: Array<{ ep: AdminEndpoint; cells: Record<Column, Cell> }>): string {
  const width = Math.max(...rows.map((r) => r.ep.label.length));
  const head = `${'route'.padEnd(width)}  ${COLUMNS.map((c) => c.padEnd(26)).join('')}`;
  const lines = rows.map((r) => `${r.ep.label.padEnd(width)}  ${COLUMNS.map((c) => `${r.cells[c].status}${r.cells[c].problems.length ? ' ✗' : ''}`.padEnd(26)).join('')}`);
  const problems = rows.flatMap((r) => COLUMNS.flatMap((c) => r.cells[c].problems.map((p) => `${r.ep.label} [${c}]: ${p}`)));
  return [head, ...lines, '', ...problems].join('\n');
}

test('every admin route answers every scope as the scope rule says, and refusals write nothing', async () => {
  const rows = endpoints.map((ep) => ({ ep, cells: {} as Record<Column, Cell> }));
  // Column by column, admin last: its calls are the only ones that may change the world, and
  // within it DELETEs last, children before parents (the party itself goes last of all), so
  // that every other call still finds the party.
  for (const column of ['none', 'read', 'partyOther', 'partyOwn'] as const) {
    for (const row of rows) row.cells[column] = await call(row.ep, column);
  }
  const deletesLast = (row: (typeof rows)[number]) => (row.ep.method === 'delete' ? 1_000 - row.ep.template.length : 0);
  for (const row of [...rows].sort((a, b) => deletesLast(a) - deletesLast(b))) row.cells.admin = await call(row.ep, 'admin');
  const failed = rows.some((r) => COLUMNS.some((c) => r.cells[c].problems.length));
  if (failed) throw new Error(`admin access matrix (HTTP status and error code per key):\n${render(rows)}`);
  if (process.env.PRINT_ACCESS_MATRIX) console.log(render(rows));

  // Every refused change is in the audit log, with its route.
  await platform.ctx.services.adminAudit.flush();
  const audit = await platform.admin().get('/audit?status=403&limit=1').expect(200);
  expect(audit.body.total).toBe(refusedChanges);
  expect(audit.body.items[0]).toMatchObject({ error_code: 'insufficient_scope', route: expect.any(String) });
  await assertHealthy(platform);
});

describe('the matrix can fail', () => {
  test('it covers every admin route, party routes among them, and the scope rule is not all-or-nothing', () => {
    expect(endpoints.length).toBeGreaterThan(50);
    const underParty = endpoints.filter((ep) => ep.template.startsWith(UNDER_PARTY));
    expect(underParty.length).toBeGreaterThan(20);
    expect(underParty.length).toBeLessThan(endpoints.length);
    expect(endpoints.filter((ep) => ep.method !== 'get').length).toBeGreaterThan(20);
  });

  test('each key is valid: it reaches what its scope allows with a 2xx somewhere', async () => {
    const auth = (column: keyof typeof SCOPES) => ({ Authorization: `Bearer ${keys[column]}` });
    expect((await request(platform.url).get('/admin/whoami').set(auth('read')).expect(200)).body).toEqual({ name: 'matrix read', scope: 'read' });
    expect((await request(platform.url).get('/admin/whoami').set(auth('partyOther')).expect(200)).body.scope).toBe('party:NL/OTH');
    // The other party's key reaches its own party's routes: the 403s above are about the path.
    await request(platform.url).get('/admin/parties/NL/OTH/tokens').set(auth('partyOther')).expect(200);
    // The matrix removed the own party last of all, and its key died with it.
    await request(platform.url).get('/admin/whoami').set(auth('partyOwn')).expect(401);
    await platform
      .admin()
      .post('/parties', { country_code: OWN.countryCode, party_id: OWN.partyId, roles: ['CPO', 'EMSP'], business_details: aBusinessDetails() })
      .expect(201);
    const own = (await platform.admin().post('/api-keys', { name: 'matrix own again', scope: SCOPES.partyOwn }).expect(201)).body.key;
    await request(platform.url)
      .get('/admin/parties/NL/OTH/tokens')
      .set({ Authorization: `Bearer ${own}` })
      .expect(403);
  });
});
