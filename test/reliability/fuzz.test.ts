/**
 * Fuzzing of every OCPI endpoint of the registry (RECEIVER interfaces, credentials and every
 * other route that takes input) with hostile bodies, headers and URLs. Whatever arrives, the
 * answer is an OCPI envelope and never a 5xx; input the route's schemas refuse gets a 2xxx status
 * code; a refused request leaves every table as it was; the process stays healthy.
 *
 * FUZZ_RUNS=n changes the runs per endpoint; FUZZ_SEED=s replays a failure (fast-check prints
 * the seed and path of every failure).
 */
import querystring from 'node:querystring';
import fc from 'fast-check';
import type { FakePeer } from '../helpers/fake-peer.js';
import type { TestPlatform } from '../helpers/platform.js';
import { type HostileBody, asServerSees, badRoutingHeaders, garbageAuthorization, garbageRequestId, hostileBody, hostileQuery, hostileSegment, wire } from './arbitraries.js';
import { type Endpoint, type World, bodySchema, listEndpoints, querySchema, queryString, sample, sampleBody } from './endpoints.js';
import { type RawResponse, TableSnapshots, assertHealthy, auth, closeAgent, envelopeProblem, rawRequest } from './harness.js';
import { CPO, EMSP, type Peer, aPeer, connectBackend, seedObjects, startWorld } from './world.js';
import type { z } from 'zod';
import { receive } from '../../src/ocpi/receive-profile.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 30);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const params = (numRuns: number) => ({ numRuns, ...(SEED === undefined ? {} : { seed: SEED }), endOnFailure: true });

jest.setTimeout(120_000);

let platform: TestPlatform;
let peerA: Peer;
/** A peer whose credentials the PUT fuzzing may rotate (its current token is kept here). */
let rotating: Peer;
let snapshots: TableSnapshots;
let backend: FakePeer;
const extraPeers: Peer[] = [];
const endpoints = listEndpoints();

beforeAll(async () => {
  platform = await startWorld('reliability_fuzz');
  peerA = await aPeer(platform, 'DE', 'AAA', 'A');
  rotating = await aPeer(platform, 'BE', 'ROT', 'R');
  rotating.fake.acceptedTokens.clear(); // accepts whatever new token a PUT hands it
  await seedObjects(platform, peerA);
  backend = await connectBackend(platform);
  snapshots = new TableSnapshots(platform);
});

afterAll(async () => {
  await snapshots?.close();
  await backend?.close();
  closeAgent();
  for (const p of [peerA, rotating, ...extraPeers]) await p?.fake.close();
  await platform?.stop();
});

interface Caller {
  token: string;
  world: World;
  /** Called with a 1xxx answer: keeps the caller usable (a new Token A, a rotated token). */
  after?(res: RawResponse): Promise<void>;
}

/** Token A for a registration POST; the rotating peer for credentials PUT; peer A for the rest. */
async function callerFor(ep: Endpoint): Promise<Caller> {
  if (ep.iface.identifier === 'credentials' && ep.method === 'post') {
    let token = await invitation();
    return {
      get token() {
        return token;
      },
      world: { ...peerA.world, party: { countryCode: 'FR', partyId: 'NEW' }, versionsUrl: rotating.fake.versionsUrl },
      async after() {
        token = await invitation(); // the registration consumed it
      },
    };
  }
  if (ep.iface.identifier === 'credentials' && ep.method === 'put') {
    return {
      get token() {
        return rotating.tokenC;
      },
      world: rotating.world,
      async after(res) {
        rotating.tokenC = res.json.data.token;
      },
    };
  }
  if (ep.iface.identifier === 'credentials' && ep.method === 'delete') {
    // Unregistering works once per connection: each success is followed by a new peer.
    let peer = await disposablePeer();
    return {
      get token() {
        return peer.tokenC;
      },
      world: peer.world,
      async after() {
        await peer.fake.close();
        peer = await disposablePeer();
      },
    };
  }
  return { token: peerA.tokenC, world: peerA.world };
}

let disposed = 0;
async function disposablePeer(): Promise<Peer> {
  disposed++;
  const peer = await aPeer(platform, 'LU', `D${disposed.toString(36).padStart(2, '0')}`, `D${disposed}`);
  extraPeers.push(peer);
  return peer;
}

async function invitation(): Promise<string> {
  return (await platform.admin().post('/peers/invitations', {}).expect(201)).body.token;
}

interface Judged {
  ep: Endpoint;
  what: string;
  res: RawResponse;
  /** The route's schemas accept the input as the server decodes it. */
  valid: boolean;
  /** The body is not JSON at all: HTTP 400 expected. */
  notJson?: boolean;
  before: Record<string, string>;
  after: Record<string, string>;
}

/** The rules every answer to hostile input must follow; a message per broken rule. */
function problems({ ep, res, valid, notJson, before, after }: Judged): string[] {
  const out: string[] = [];
  if (res.status >= 500) out.push(`HTTP ${res.status}`);
  const envelope = envelopeProblem(res);
  if (envelope) out.push(`not an OCPI envelope: ${envelope}`);
  const code: number | undefined = res.json?.status_code;
  if (code !== undefined) {
    // A CDR no repair can read is kept in quarantine and answered 1000 (docs/interop.md).
    const quarantines = ep.route.unreadableBody !== undefined;
    if (!valid && !quarantines && (code < 2000 || code >= 3000)) out.push(`status_code ${code} for input the receive profile refuses (2xxx expected)`);
    if (valid && code >= 4000) out.push(`status_code ${code}`);
    if (notJson && (res.status !== 400 || code !== 2000)) out.push(`HTTP ${res.status}/${code} for a body that is not JSON (400/2000 expected)`);
    if (code >= 2000) {
      const changed = TableSnapshots.diff(before, after);
      if (changed.length) out.push(`refused (${code}) but tables changed: ${changed.join('; ')}`);
    }
  }
  if (!res.headers['x-request-id']) out.push('no X-Request-ID');
  if (({} as Record<string, unknown>).polluted !== undefined || ({} as Record<string, unknown>).isAdmin !== undefined) out.push('Object.prototype polluted');
  return out;
}

function fail(j: Judged, found: string[]): never {
  throw new Error(`${j.ep.label} with ${j.what}: ${found.join(' | ')}\n  -> HTTP ${j.res.status} ${j.res.text.slice(0, 400)}`);
}

const schemaAccepts = (schema: { safeParse(v: unknown): { success: boolean } } | undefined, value: unknown) => !schema || schema.safeParse(value).success;
/** What the server accepts: the route's schema through the receive profile, as the route reads it. */
const profileAccepts = (ep: Endpoint, schema: z.ZodType | undefined, value: unknown) =>
  !schema || receive(schema, value, { module: ep.iface.identifier, recipient: ep.iface.owner === 'CPO' ? CPO : ep.iface.owner === 'EMSP' ? EMSP : undefined }).ok;

/**
 * The state after one request is the state before the next: one snapshot per request. Anything
 * else that writes (a caller's `after`, a new test) calls `forget()`.
 */
let lastSnapshot: Record<string, string> | undefined;
const forget = () => void (lastSnapshot = undefined);

async function send(ep: Endpoint, path: string, headers: Record<string, string>, body?: Buffer) {
  const before = lastSnapshot ?? (await snapshots.take());
  const res = await rawRequest(platform.url, ep.method.toUpperCase(), path, headers, body);
  const after = await snapshots.take();
  // After an accepted request, background work (a forwarded command) may still write.
  lastSnapshot = res.json?.status_code < 2000 ? undefined : after;
  return { res, before, after };
}

beforeEach(forget);

const withBody = endpoints.filter((ep) => ep.route.body !== undefined);

describe('the registry is fuzzable', () => {
  test('every endpoint has a valid sample path, query and body (a new endpoint fails here with its name)', () => {
    const unusable: string[] = [];
    for (const ep of endpoints) {
      try {
        const s = sample(ep, peerA.world);
        const body = sampleBody(ep, peerA.world, s.params);
        if (ep.route.body && body && !schemaAccepts(bodySchema(ep, s.params), body.body))
          unusable.push(`${ep.label}: ${body.generated ? 'generated' : 'known'} sample body does not pass the route's schema`);
      } catch (e) {
        unusable.push((e as Error).message);
      }
    }
    expect(unusable).toEqual([]);
    expect(withBody.length).toBeGreaterThan(0);
  });
});

describe('hostile bodies', () => {
  test.each(withBody.map((ep) => [ep.label, ep] as const))('%s: never a 5xx, refused input gets 2xxx and writes nothing', async (_label, ep) => {
    const caller = await callerFor(ep);
    const s = sample(ep, caller.world);
    const path = `${s.path}${queryString(s.query)}`;
    const schema = bodySchema(ep, s.params);
    await fc.assert(
      fc.asyncProperty(hostileBody(s.body), async (hb: HostileBody) => {
        const { res, before, after } = await send(ep, path, auth(caller.token), hb.bytes);
        const seen = asServerSees(hb.bytes);
        const valid = seen.ok && profileAccepts(ep, schema, seen.value);
        const judged: Judged = { ep, what: `body (${hb.label})`, res, valid, notJson: !seen.ok, before, after };
        const found = problems(judged);
        if (found.length) fail(judged, found);
        if (res.json?.status_code < 2000 && caller.after) {
          await caller.after(res);
          forget();
        }
      }),
      params(RUNS),
    );
    await assertHealthy(platform);
  });
});

describe('hostile URLs', () => {
  test.each(endpoints.map((ep) => [ep.label, ep] as const))('%s: path segments and query strings', async (_label, ep) => {
    const caller = await callerFor(ep);
    const s = sample(ep, caller.world);
    const body = s.body === undefined ? undefined : Buffer.from(JSON.stringify(s.body));
    const segment = fc.tuple(fc.nat(), hostileSegment).map(([i, seg]) => {
      const names = ep.paramNames;
      if (!names.length) return { what: `extra segment ${seg}`, path: `${s.path}/${seg}${queryString(s.query)}`, params: s.params, query: s.query as Record<string, unknown> };
      const name = names[i % names.length];
      let decoded: string | undefined;
      try {
        decoded = decodeURIComponent(seg);
      } catch {
        decoded = undefined;
      }
      const path = ep.template.replace(/:([A-Za-z0-9_]+)/g, (_m, n: string) => (n === name ? seg : encodeURIComponent(s.params[n])));
      return {
        what: `:${name} = ${seg.slice(0, 60)}`,
        path: `${path}${queryString(s.query)}`,
        params: decoded === undefined ? undefined : { ...s.params, [name]: decoded },
        query: s.query as Record<string, unknown>,
      };
    });
    const query = hostileQuery.map((q) => {
      const full = [new URLSearchParams(s.query).toString(), q].filter(Boolean).join('&');
      return {
        what: `query ${q.slice(0, 80)}`,
        path: `${s.path}?${full}`,
        params: s.params as Record<string, string> | undefined,
        query: { ...querystring.parse(full) } as Record<string, unknown>,
      };
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(segment, query), async (u) => {
        const { res, before, after } = await send(ep, u.path, auth(caller.token), body);
        const paramsOk = u.params !== undefined && schemaAccepts(ep.route.params, u.params);
        const valid = paramsOk && schemaAccepts(querySchema(ep), u.query) && (s.body === undefined || profileAccepts(ep, bodySchema(ep, u.params!), s.body));
        const judged: Judged = { ep, what: u.what, res, valid, before, after };
        const found = problems(judged);
        if (found.length) fail(judged, found);
        if (res.json?.status_code < 2000 && caller.after) {
          await caller.after(res);
          forget();
        }
      }),
      params(Math.ceil(RUNS / 2)),
    );
    await assertHealthy(platform);
  });
});

describe('hostile headers', () => {
  const foreign = { countryCode: 'FR', partyId: 'BBB' };
  test.each(endpoints.map((ep) => [ep.label, ep] as const))('%s: garbage Authorization, routing headers and request ids', async (_label, ep) => {
    const caller = await callerFor(ep);
    const s = sample(ep, caller.world);
    const path = `${s.path}${queryString(s.query)}`;
    const body = s.body === undefined ? undefined : Buffer.from(JSON.stringify(s.body));
    const ids = fc.record({ 'X-Request-ID': garbageRequestId, 'X-Correlation-ID': garbageRequestId }, { requiredKeys: [] });
    const badAuth = fc
      .tuple(garbageAuthorization, ids)
      .map(([a, extra]) => ({ kind: 'auth' as const, what: `Authorization ${a.slice(0, 60)}`, headers: { Authorization: a, ...extra } }));
    // Routing headers are read on functional modules only; elsewhere a valid token would act.
    const badRouting = fc.tuple(badRoutingHeaders(foreign), ids).map(([r, extra]) => ({
      kind: 'routing' as const,
      what: `${r.label} ${JSON.stringify(r.headers).slice(0, 120)}`,
      headers: { ...auth(caller.token), ...r.headers, ...extra },
    }));
    await fc.assert(
      fc.asyncProperty(ep.iface.routed ? fc.oneof(badAuth, badRouting) : badAuth, async (h) => {
        const { res, before, after } = await send(ep, path, h.headers, body);
        const judged: Judged = { ep, what: h.what, res, valid: false, before, after };
        const found = problems(judged);
        if (h.kind === 'auth' && (res.status !== 401 || res.json?.status_code !== 2000 || res.headers['www-authenticate'] !== 'Token'))
          found.push(`HTTP ${res.status}/${res.json?.status_code} for a garbage token (401/2000 expected)`);
        // Malformed: 2001 (HTTP 200 or 400); a party the caller cannot speak for: 403; one we do not host: 404.
        if (h.kind === 'routing' && ![200, 400, 403, 404].includes(res.status)) found.push(`HTTP ${res.status} for bad routing headers (200/2001, 400, 403 or 404 expected)`);
        // HTTP drops the spaces around a header value before anyone reads it.
        const sentId = (h.headers as Record<string, string>)['X-Request-ID']?.replace(/^[ \t]+|[ \t]+$/g, '');
        const echoed = String(res.headers['x-request-id'] ?? '');
        if (sentId !== undefined) {
          const expected = /^[\x21-\x7e]{1,255}$/.test(sentId) ? sentId : undefined;
          if (expected ? echoed !== expected : !/^[0-9a-f-]{36}$/.test(echoed)) found.push(`X-Request-ID echoed as ${echoed.slice(0, 40)}`);
        }
        if (found.length) fail(judged, found);
      }),
      params(Math.ceil(RUNS / 2)),
    );
    await assertHealthy(platform);
  });
});

describe('text PostgreSQL cannot store (found by this fuzzing)', () => {
  const endpoint = (identifier: string, method: string, role = 'RECEIVER') =>
    endpoints.find((e) => e.iface.identifier === identifier && e.method === method && e.iface.role === role && e.paramNames.length <= 3)!;

  test.each(['\ud800', '\udfff', 'a\udc00b'])('a lone surrogate (%j) in a required string(n) field is 2001 naming the field, not a 500, and nothing is stored', async (text) => {
    const ep = endpoint('locations', 'put');
    const s = sample(ep, peerA.world, { location_id: 'LOC-SURROGATE' });
    const { res, before, after } = await send(ep, s.path, auth(peerA.tokenC), Buffer.from(JSON.stringify({ ...(s.body as object), address: `Street ${text}` })));
    expect(res.json).toMatchObject({ status_code: 2001 });
    expect(res.json.status_message).toContain('address');
    expect(TableSnapshots.diff(before, after)).toEqual([]);
  });

  test('a lone surrogate in an optional string(n) field is dropped by the receive profile: stored without it, never a 500', async () => {
    const ep = endpoint('locations', 'put');
    const s = sample(ep, peerA.world, { location_id: 'LOC-SURROGATE-OPT' });
    const { res } = await send(ep, s.path, auth(peerA.tokenC), Buffer.from(JSON.stringify({ ...(s.body as object), name: 'Station \ud800' })));
    forget();
    expect(res.json).toMatchObject({ status_code: 1000 });
    expect(res.json.status_message).toContain('name (malformed_optional_field)');
    const stored = await platform.ctx.db.receivedLocation.findFirst({ where: { locationKey: 'LOC-SURROGATE-OPT' } });
    expect(stored?.document).not.toHaveProperty('name');
  });

  test.each([
    ['a NUL in a value', '"note":"a\\u0000b"'],
    ['a lone surrogate in a value', '"note":"a\\ud800"'],
    ['a NUL in a key', '"no\\u0000te":"x"'],
  ])("%s among the passed-through fields of a command's token is 2001, not a 500, and no command is stored", async (_name, extra) => {
    const ep = endpoint('commands', 'post');
    const s = sample(ep, peerA.world, { command: 'START_SESSION' });
    const text = JSON.stringify(s.body).replace('"token":{', `"token":{${extra},`);
    const { res, before, after } = await send(ep, s.path, auth(peerA.tokenC), Buffer.from(text));
    expect(res.json).toMatchObject({ status_code: 2001 });
    expect(res.json.status_message).toContain('token');
    expect(TableSnapshots.diff(before, after)).toEqual([]);
    // The same command without the bad field is accepted and stored: the refusal is about the text.
    const good = await send(ep, s.path, auth(peerA.tokenC), Buffer.from(JSON.stringify(s.body)));
    expect(good.res.json).toMatchObject({ status_code: 1000, data: { result: 'ACCEPTED' } });
    expect(TableSnapshots.diff(good.before, good.after)).not.toEqual([]);
  });
});

describe('limits', () => {
  test('a body over BODY_LIMIT is refused with HTTP 413 and an OCPI envelope', async () => {
    const ep = withBody.find((e) => e.iface.role === 'RECEIVER' && e.method === 'put')!;
    const s = sample(ep, peerA.world);
    const { res, before, after } = await send(ep, s.path, auth(peerA.tokenC), Buffer.from(JSON.stringify({ ...(s.body as object), name: 'x'.repeat(1_100_000) })));
    expect(res.status).toBe(413);
    expect(envelopeProblem(res)).toBeUndefined();
    expect(res.json.status_code).toBe(2000);
    expect(TableSnapshots.diff(before, after)).toEqual([]);
  });

  test('headers beyond what Node accepts are cut off by the HTTP server (431), never reaching the application', async () => {
    const res = await rawRequest(platform.url, 'GET', '/ocpi/versions', { 'X-Request-ID': wire('r'.repeat(20_000)) }).catch((e: Error) => ({ status: 0, error: e.message }));
    expect([0, 431]).toContain(res.status);
    await assertHealthy(platform);
  });

  test('raw non-ASCII bytes in the URL are refused by the HTTP server (400) before the application, which stays healthy', async () => {
    const res = await rawRequest(platform.url, 'GET', `/ocpi/emsp/2.2.1/locations/DE/AAA/${wire('LOC-é')}`, auth(peerA.tokenC)).catch((e: Error) => ({
      status: 0,
      error: e.message,
    }));
    expect([0, 400]).toContain(res.status);
    await assertHealthy(platform);
  });

  test('no request of the whole run logged an unhandled error', () => {
    expect(platform.logs.filter((l) => l.includes('unhandled error'))).toEqual([]);
  });
});
