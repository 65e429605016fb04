/**
 * Pull sync of an eMSP party from a CPO peer: the first full pull right after the peer registers,
 * then incremental pulls with date_from, every object stored through the same receiver rules as a
 * push. The fake CPO misbehaves the ways real ones do (1-item pages without X-Total-Count, slow
 * answers, a Link pointing at itself, a set that shrinks while we page, a 503): the sync still
 * ends, never loops, and stores everything that was served.
 */
import type { Request, Response } from 'express';
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../helpers/fake-peer.js';
import { aLocation, later } from '../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { aCdr, aSession } from '../helpers/sessions.js';
import { aTariff } from '../helpers/tariffs.js';

type Doc = Record<string, unknown> & { id: string; last_updated: string };

/** How the fake CPO serves one list. */
interface Listing {
  items: Doc[];
  pageSize: number;
  delayMs?: number;
  totalCount?: boolean;
  /** From this offset on, `Link` points at the page itself. */
  selfLinkFrom?: number;
  /** The next request at this offset answers HTTP 503 (once). */
  failOnceAt?: number;
  /** Called after a page was served (the set may change while the client pages). */
  afterServe?: (offset: number) => void;
}

let platform: TestPlatform;
let fake: FakePeer;
let peerId: string;
let tokenC: string;
const lists: Record<string, Listing> = {};

const MODULES = ['locations', 'tariffs', 'sessions', 'cdrs'] as const;
const path = (module: string) => `/cpo/${module}`;
const requestsTo = (module: string) => fake.received.filter((r) => r.path === path(module));
const state = (module: string) => platform.ctx.db.pullState.findUniqueOrThrow({ where: { peerId_module: { peerId, module } } });
const storedLocation = (id: string) => platform.ctx.db.receivedLocation.findFirst({ where: { locationKey: id.toUpperCase() } });
const ids = (rows: Array<{ document: unknown }>) => rows.map((r) => (r.document as { id: string }).id).sort();

function serve(module: string) {
  return async (req: Request, res: Response) => {
    const listing = lists[module];
    const dateFrom = typeof req.query.date_from === 'string' ? req.query.date_from : undefined;
    const offset = Number(req.query.offset ?? 0);
    if (listing.delayMs) await sleep(listing.delayMs);
    if (listing.failOnceAt === offset) {
      listing.failOnceAt = undefined;
      return void res.status(503).type('text/plain').send('Service Unavailable');
    }
    const set = listing.items.filter((i) => !dateFrom || Date.parse(i.last_updated) >= Date.parse(dateFrom));
    const page = set.slice(offset, offset + listing.pageSize);
    const at = (o: number) => `${fake.url}${path(module)}?${dateFrom ? `date_from=${encodeURIComponent(dateFrom)}&` : ''}offset=${o}&limit=${listing.pageSize}`;
    if (listing.selfLinkFrom !== undefined && offset >= listing.selfLinkFrom) res.set('Link', `<${at(offset)}>; rel="next"`);
    else if (offset + listing.pageSize < set.length) res.set('Link', `<${at(offset + listing.pageSize)}>; rel="next"`);
    if (listing.totalCount !== false) res.set('X-Total-Count', String(set.length));
    listing.afterServe?.(offset);
    res.json(ok(page));
  };
}

/** Makes the next pull of a module due now (full when `full`) and waits until it succeeded. */
async function pullNow(module: string, full = false): Promise<void> {
  const asked = new Date();
  if (full)
    await platform
      .admin()
      .post(`/peers/${peerId}/resync`, { modules: [module] })
      .expect(200);
  else await platform.ctx.db.pullState.update({ where: { peerId_module: { peerId, module } }, data: { nextPullAt: new Date() } });
  await eventually(async () => {
    const s = await state(module);
    expect(s.lastError).toBeNull();
    expect(s.lastSuccessAt?.getTime()).toBeGreaterThanOrEqual(asked.getTime() - 5);
  }, 20000);
}

beforeAll(async () => {
  platform = await startTestPlatform('pull_sync', { env: { ...FAST_DELIVERY, PULL_INTERVAL_MINUTES: '60', PULL_JITTER_MINUTES: '0' } });
  await platform.admin().post('/parties', { country_code: 'DE', party_id: 'EMS', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
  // A webhook nobody listens on: the events stay PENDING for the test to read.
  await platform.admin().put('/parties/DE/EMS/backend', { adapter: 'webhook', url: 'http://127.0.0.1:1/events', secret: 'pull-sync-secret-0123' }).expect(200);
  fake = await startFakePeer(MODULES.map((m) => ({ identifier: m, role: 'SENDER', path: path(m) })));
  for (const m of MODULES) fake.on('GET', path(m), serve(m));

  // 1-item pages, no X-Total-Count, slow answers.
  lists.locations = { items: ['L1', 'L2', 'L3', 'L4', 'L5'].map((id) => aLocation(id)), pageSize: 1, totalCount: false, delayMs: 150 };
  // The second page's Link points at itself; one object is invalid, one of a party the peer did not register.
  lists.tariffs = {
    items: [aTariff('T1'), aTariff('T2'), aTariff('TBAD', { currency: 'euro' }), aTariff('T4'), aTariff('TFOREIGN', { party_id: 'XXX' }), aTariff('T6')],
    pageSize: 3,
    selfLinkFrom: 3,
  };
  // The set shrinks after the first page; S6 is a session of another eMSP's driver.
  const foreignToken = { country_code: 'FR', party_id: 'OTH', uid: 'X1', type: 'RFID', contract_id: 'FR-OTH-C1' };
  lists.sessions = { items: ['S1', 'S2', 'S3', 'S4', 'S5'].map((id) => aSession(id)).concat(aSession('S6', { cdr_token: foreignToken })), pageSize: 2 };
  lists.sessions.afterServe = (offset) => {
    if (offset === 0) lists.sessions.items = lists.sessions.items.filter((s) => s.id !== 'S1');
  };
  // The second page fails once with 503.
  lists.cdrs = { items: ['C1', 'C2', 'C3', 'C4'].map((id) => aCdr(id)), pageSize: 2, failOnceAt: 2 };

  fake.acceptedTokens.add('pull-sync-token-b');
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  peerId = invitation.body.peer_id;
  const res = await request(platform.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: 'pull-sync-token-b', url: fake.versionsUrl, roles: [aCredentialsRole({ role: 'CPO', country_code: 'NL', party_id: 'CPO' })] })
    .expect(200);
  tokenC = res.body.data.token;
  // The first full pull of every module starts right after registration, without anyone asking.
  await eventually(async () => {
    for (const m of MODULES) expect((await state(m)).lastSuccessAt).not.toBeNull();
  }, 30000);
});

afterAll(async () => {
  await fake?.close();
  await platform?.stop();
});

describe('the first full pull after the CPO registers', () => {
  test('follows 1-item pages without X-Total-Count, slow as they are, to the end', async () => {
    expect(ids(await platform.ctx.db.receivedLocation.findMany())).toEqual(['L1', 'L2', 'L3', 'L4', 'L5']);
    expect(requestsTo('locations')).toHaveLength(5);
    expect((await state('locations')).lastCount).toBe(5);
  });

  test('sends the routing headers: from our eMSP party, to the CPO party of the peer; no date_from except for sessions', async () => {
    for (const m of MODULES) {
      const first = requestsTo(m)[0];
      expect(first.headers).toMatchObject({ 'ocpi-from-country-code': 'DE', 'ocpi-from-party-id': 'EMS', 'ocpi-to-country-code': 'NL', 'ocpi-to-party-id': 'CPO' });
      // Sessions' date_from is required (05-sessions P1): a full pull asks from the epoch.
      expect(first.query.date_from).toBe(m === 'sessions' ? '1970-01-01T00:00:00.000Z' : undefined);
    }
  });

  test("stops at a Link pointing at the page itself, and skips an invalid object and a foreign party's object without losing the rest of their page", async () => {
    expect(requestsTo('tariffs')).toHaveLength(2);
    expect(ids(await platform.ctx.db.receivedTariff.findMany())).toEqual(['T1', 'T2', 'T4', 'T6']);
    expect((await state('tariffs')).lastCount).toBe(6);
    const warnings = platform.logs.filter((l) => l.includes('"module":"tariffs"'));
    expect(warnings.some((l) => l.includes('pulled object is unreadable even after repair') && l.includes('"object_id":"TBAD"') && l.includes('currency'))).toBe(true);
    expect(warnings.some((l) => l.includes('did not register') && l.includes('"object_id":"TFOREIGN"'))).toBe(true);
  });

  test("re-reads from an earlier offset when the set shrinks while paging, so no session slips through; sessions of other eMSPs' drivers are not stored", async () => {
    expect(ids(await platform.ctx.db.receivedSession.findMany())).toEqual(['S1', 'S2', 'S3', 'S4', 'S5']);
    expect(requestsTo('sessions').length).toBeLessThanOrEqual(5);
  });

  test('retries a page that answered 503 and carries on from there', async () => {
    expect(ids(await platform.ctx.db.receivedCdr.findMany())).toEqual(['C1', 'C2', 'C3', 'C4']);
    expect(requestsTo('cdrs').map((r) => r.query.offset ?? '0')).toEqual(['0', '2', '2']);
  });
});

test('pulled sessions and CDRs are told to the eMSP backend like pushed ones, once', async () => {
  const events = async () =>
    (await platform.ctx.db.backendEvent.findMany())
      .map((e) => `${e.type} ${(e.payload as { data: { id?: string; cdr?: { id: string } } }).data.id ?? (e.payload as { data: { cdr: { id: string } } }).data.cdr.id}`)
      .sort();
  const expected = ['S1', 'S2', 'S3', 'S4', 'S5']
    .map((id) => `session.started ${id}`)
    .concat(['C1', 'C2', 'C3', 'C4'].map((id) => `cdr.received ${id}`))
    .sort();
  expect(await events()).toEqual(expected);
  await pullNow('sessions', true);
  await pullNow('cdrs', true);
  expect(await events()).toEqual(expected);
});

describe('later pulls', () => {
  test('an incremental pull sends date_from = the start of the last successful pull and stores what changed', async () => {
    const since = (await state('locations')).lastSuccessAt!;
    const before = requestsTo('locations').length;
    lists.locations.items.push(aLocation('L6', { last_updated: new Date(Date.now() + 60_000).toISOString() }));
    await pullNow('locations');
    const sent = requestsTo('locations').slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0].query.date_from).toBe(since.toISOString());
    expect(await storedLocation('L6')).not.toBeNull();
  });

  test('a pushed newer version is not overwritten by an older pulled one, and a pulled newer one replaces an older push', async () => {
    const put = (body: Doc) => request(platform.url).put(`/ocpi/emsp/2.2.1/locations/NL/CPO/${body.id}`).set('Authorization', tokenHeader(tokenC)).send(body);
    const pulledOld = aLocation('LX', { name: 'pulled, older' });
    const pushedNew = aLocation('LX', { name: 'pushed, newer' });
    const pushedOld = aLocation('LY', { name: 'pushed, older' });
    const pulledNew = aLocation('LY', { name: 'pulled, newer' });
    await put(pushedNew).expect(201);
    await put(pushedOld).expect(201);
    lists.locations.items.push(pulledOld, pulledNew);
    await pullNow('locations', true);
    expect((await storedLocation('LX'))?.document).toMatchObject({ name: 'pushed, newer' });
    expect((await storedLocation('LY'))?.document).toMatchObject({ name: 'pulled, newer' });
    // And the other way round: a late push older than what the pull stored is ignored.
    const latePush = await put(aLocation('LY', { name: 'late push', last_updated: '2020-01-01T00:00:00.000Z' })).expect(200);
    expect(latePush.body.status_message).toMatch(/^Ignored/);
    expect((await storedLocation('LY'))?.document).toMatchObject({ name: 'pulled, newer' });
  });

  test('a pulled CDR we already hold is left as it was (CDRs are immutable)', async () => {
    lists.cdrs.items = lists.cdrs.items.map((c) => (c.id === 'C2' ? { ...c, total_energy: 99, last_updated: later() } : c));
    await pullNow('cdrs', true);
    const c2 = await platform.ctx.db.receivedCdr.findMany({ where: { cdrKey: 'C2' } });
    expect(c2).toHaveLength(1);
    expect(c2[0].document).toMatchObject({ total_energy: 11 });
  });

  test('a page that keeps failing fails the pull, which is recorded and retried later, without looping', async () => {
    const before = requestsTo('tariffs').length;
    fake.on('GET', path('tariffs'), (_req, res) => void res.status(503).send('down'));
    try {
      await platform
        .admin()
        .post(`/peers/${peerId}/resync`, { modules: ['tariffs'] })
        .expect(200);
      const failed = await eventually(async () => {
        const s = await state('tariffs');
        expect(s.lastError).toMatch(/HTTP 503/);
        return s;
      }, 20000);
      // A few attempts of the first page, then the pull gives up until the next retry.
      expect(requestsTo('tariffs').length - before).toBe(3);
      expect(failed.nextPullAt.getTime()).toBeGreaterThan(Date.now() + 60_000);
      expect(await platform.ctx.db.receivedTariff.count()).toBe(4);
    } finally {
      fake.on('GET', path('tariffs'), serve('tariffs'));
    }
  });
});
