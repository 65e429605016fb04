/**
 * Who may call what: every OCPI endpoint of the registry (every method, SENDER and RECEIVER)
 * called by the wrong caller. Peer A's objects exist on every RECEIVER interface (pushed by A
 * through the real endpoints) and on our CPO side (a session and a CDR of A's token, written
 * through the admin backend API); each request names them. Expected (digest 00 §2.2, §6, §8):
 *
 * | caller | answer |
 * |---|---|
 * | no token, unknown token | HTTP 401, 2000 |
 * | Token A (invitation) | HTTP 401 except on versions and credentials (there: reads work, PUT and DELETE are 405) |
 * | peer B on A's Client Owned Object URL | HTTP 404, 2000 |
 * | peer B elsewhere | whatever its own rights give it, but nothing of A's (a command or profile request on A's session is not ACCEPTED) |
 * | OCPI-from-* naming A's party, sent by B | HTTP 403, 2000 |
 * | OCPI-to-* naming a party we do not host | HTTP 404 (2000, or 4001 from a hub) |
 *
 * and in every cell: never a 5xx, an OCPI envelope, none of A's ids, contract ids or tokens in
 * the answer (unless the request itself carried them), and every table unchanged. A failure
 * prints the whole matrix.
 */
import type { FakePeer } from '../helpers/fake-peer.js';
import type { TestPlatform } from '../helpers/platform.js';
import { type Endpoint, listEndpoints, queryString, sample } from './endpoints.js';
import { type RawResponse, TableSnapshots, assertHealthy, auth, closeAgent, envelopeProblem, rawRequest } from './harness.js';
import { type Peer, type Secrets, aPeer, connectBackend, seedObjects, startWorld } from './world.js';

jest.setTimeout(120_000);

let platform: TestPlatform;
let peerA: Peer;
let peerB: Peer;
let tokenA: string;
let secrets: Secrets;
let snapshots: TableSnapshots;
let backend: FakePeer;
const endpoints = listEndpoints();

beforeAll(async () => {
  platform = await startWorld('reliability_access');
  peerA = await aPeer(platform, 'DE', 'AAA', 'A');
  peerB = await aPeer(platform, 'FR', 'BBB', 'B');
  secrets = await seedObjects(platform, peerA);
  // With a backend, commands and profile requests are really forwarded: only the rules refuse them.
  backend = await connectBackend(platform);
  tokenA = (await platform.admin().post('/peers/invitations', {}).expect(201)).body.token;
  snapshots = new TableSnapshots(platform);
});

afterAll(async () => {
  await snapshots?.close();
  await backend?.close();
  closeAgent();
  for (const p of [peerA, peerB]) await p?.fake.close();
  await platform?.stop();
});

type Column = 'none' | 'wrong' | 'tokenA' | 'peerB' | 'fromForeign' | 'toUnknown';
const COLUMNS: Column[] = ['none', 'wrong', 'tokenA', 'peerB', 'fromForeign', 'toUnknown'];

/**
 * OCPI 2.1.1 bodies that name no owner (a CDR, a START_SESSION's token: the posting connection's
 * one party's): what peer B posts there is its own object, never A's, so its write (and an
 * ACCEPTED remote start for its own driver) is its right (docs/interop.md).
 */
const OWNERLESS_211 = new Set(['POST /ocpi/emsp/2.1.1/cdrs', 'POST /ocpi/cpo/2.1.1/commands/START_SESSION']);

/** Interfaces whose every call acts on the caller's own connection (there is no "A's object" to reach). */
const OWN_CONNECTION = new Set(['credentials']);

interface Cell {
  status: string;
  problems: string[];
}

function plan(ep: Endpoint, column: Column): { headers: Record<string, string>; body?: unknown } | 'n/a' {
  const s = sample(ep, peerA.world);
  switch (column) {
    case 'none':
      return { headers: {}, body: s.body };
    case 'wrong':
      return { headers: auth('not-a-token-of-anyone'), body: s.body };
    case 'tokenA':
      // Where Token A is valid, a valid POST would register: an empty body is refused before that.
      return { headers: auth(tokenA), body: ep.iface.acceptsTokenA && ep.method === 'post' ? {} : s.body };
    case 'peerB':
      if (OWN_CONNECTION.has(ep.iface.identifier) && ep.method !== 'get') return 'n/a';
      return { headers: auth(peerB.tokenC), body: s.body };
    case 'fromForeign':
      if (!ep.iface.routed) return 'n/a';
      return { headers: { ...auth(peerB.tokenC), 'OCPI-from-country-code': peerA.party.countryCode, 'OCPI-from-party-id': peerA.party.partyId }, body: s.body };
    case 'toUnknown':
      if (!ep.iface.routed) return 'n/a';
      return { headers: { ...auth(peerA.tokenC), 'OCPI-to-country-code': 'ZZ', 'OCPI-to-party-id': 'ZZZ' }, body: s.body };
  }
}

function expectation(ep: Endpoint, column: Column, res: RawResponse): string | undefined {
  const code = res.json?.status_code;
  const is = (http: number, codes: number[]) => (res.status === http && codes.includes(code) ? undefined : `expected ${http}/${codes.join('|')}`);
  switch (column) {
    case 'none':
    case 'wrong':
      return is(401, [2000]);
    case 'tokenA':
      if (!ep.iface.acceptsTokenA) return is(401, [2000]);
      // Not registered yet: updating or unregistering is 405 (digest 01 §4); reading works.
      if (ep.method === 'put' || ep.method === 'delete') return is(405, [2000]);
      if (ep.method === 'get') return is(200, [1000]);
      return res.status === 401 ? 'Token A refused where it is valid' : undefined;
    case 'peerB':
      if (ep.clientOwned && ep.iface.routed) return is(404, [2000]);
      // Commands and charging profiles on A's session answer 1000 with a refusal inside.
      return res.json?.data?.result === 'ACCEPTED' && !OWNERLESS_211.has(ep.label) ? "ACCEPTED a request about peer A's objects" : undefined;
    case 'fromForeign':
      return is(403, [2000]);
    case 'toUnknown':
      return is(404, [2000, 4001]);
  }
}

async function call(ep: Endpoint, column: Column): Promise<Cell> {
  const p = plan(ep, column);
  if (p === 'n/a') return { status: 'n/a', problems: [] };
  const s = sample(ep, peerA.world);
  const path = `${s.path}${queryString(s.query)}`;
  const body = p.body === undefined ? undefined : JSON.stringify(p.body);
  const before = await snapshots.take();
  const res = await rawRequest(platform.url, ep.method.toUpperCase(), path, p.headers, body);
  const after = await snapshots.take();
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`HTTP ${res.status}`);
  const envelope = envelopeProblem(res);
  if (envelope) problems.push(`not an OCPI envelope: ${envelope}`);
  const wrong = expectation(ep, column, res);
  if (wrong) problems.push(wrong);
  const sent = `${path} ${body ?? ''}`;
  const leaked = secrets.values.filter((v) => res.text.includes(v) && !sent.includes(v));
  if (leaked.length) problems.push(`leaked ${leaked.join(', ')}`);
  const changed = TableSnapshots.diff(before, after);
  if (changed.length && !(column === 'peerB' && OWNERLESS_211.has(ep.label))) problems.push(`wrote ${changed.join('; ')}`);
  return { status: `${res.status}/${res.json?.status_code ?? '-'}`, problems };
}

function render(rows: Array<{ ep: Endpoint; cells: Record<Column, Cell> }>): string {
  const width = Math.max(...rows.map((r) => r.ep.label.length));
  const head = `${'endpoint'.padEnd(width)}  ${COLUMNS.map((c) => c.padEnd(12)).join('')}`;
  const lines = rows.map((r) => `${r.ep.label.padEnd(width)}  ${COLUMNS.map((c) => `${r.cells[c].status}${r.cells[c].problems.length ? ' ✗' : ''}`.padEnd(12)).join('')}`);
  const problems = rows.flatMap((r) => COLUMNS.flatMap((c) => r.cells[c].problems.map((p) => `${r.ep.label} [${c}]: ${p}`)));
  return [head, ...lines, '', ...problems].join('\n');
}

test('every endpoint refuses every wrong caller, leaks nothing of peer A and writes nothing', async () => {
  const rows: Array<{ ep: Endpoint; cells: Record<Column, Cell> }> = [];
  for (const ep of endpoints) {
    const cells = {} as Record<Column, Cell>;
    for (const column of COLUMNS) cells[column] = await call(ep, column);
    rows.push({ ep, cells });
  }
  const failed = rows.some((r) => COLUMNS.some((c) => r.cells[c].problems.length));
  if (failed) throw new Error(`access matrix (HTTP/status_code per caller):\n${render(rows)}`);
  if (process.env.PRINT_ACCESS_MATRIX) console.log(render(rows));
  await assertHealthy(platform);
});

describe('the matrix can fail', () => {
  test('peer A itself reads its objects at the same sample URLs (so the 404s above are about the caller, not the URL)', async () => {
    const reads = endpoints.filter((ep) => ep.method === 'get' && ep.clientOwned && ep.iface.routed);
    expect(reads.length).toBeGreaterThan(0);
    const seen: string[] = [];
    for (const ep of reads) {
      const s = sample(ep, peerA.world);
      const res = await rawRequest(platform.url, 'GET', `${s.path}${queryString(s.query)}`, auth(peerA.tokenC));
      expect({ ep: ep.label, code: res.json?.status_code }).toEqual({ ep: ep.label, code: 1000 });
      seen.push(...secrets.values.filter((v) => res.text.includes(v)));
    }
    expect(seen.length).toBeGreaterThan(0);
  });

  test('peer A posts the result of the command we sent it at the URL where peer B got 404', async () => {
    const ep = endpoints.find((e) => e.iface.identifier === 'commands' && e.iface.role === 'SENDER' && e.method === 'post');
    expect(ep).toBeDefined();
    const s = sample(ep!, peerA.world);
    const res = await rawRequest(platform.url, 'POST', s.path, auth(peerA.tokenC), JSON.stringify(s.body));
    expect(res.json).toMatchObject({ status_code: 1000 });
  });

  test("peer A's own session and CDR lists carry its objects, which the leak check looks for", async () => {
    const lists = endpoints.filter((ep) => ep.method === 'get' && ep.route.paginated && ['sessions', 'cdrs'].includes(ep.iface.identifier) && ep.iface.role === 'SENDER');
    expect(lists.length).toBeGreaterThan(0);
    for (const ep of lists) {
      const own = await rawRequest(platform.url, 'GET', sample(ep, peerA.world).path, auth(peerA.tokenC));
      expect(secrets.values.filter((v) => own.text.includes(v)).length).toBeGreaterThan(0);
      const other = await rawRequest(platform.url, 'GET', sample(ep, peerA.world).path, auth(peerB.tokenC));
      expect(other.json).toMatchObject({ status_code: 1000, data: [] });
    }
  });
});
