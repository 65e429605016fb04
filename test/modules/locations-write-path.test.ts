/**
 * The CPO write path of an EVSE status (issue 18): the PATCH and its push are one statement
 * (store.ts patchInPlace), so they commit or fail together without an interactive transaction;
 * wake-ups go out after the commit, and when one is lost (the writer died between its commit and
 * its NOTIFY) the dispatcher's sweep still delivers the push and another API process's read model
 * still gets the change, through its catch-up poll, even from a transaction that committed after
 * a later one.
 */
import { Client } from 'pg';
import pino from 'pino';
import { parseConfig } from '../../src/config.js';
import type { LocationsReadModel } from '../../src/modules/2.2.1/locations/read-model.js';
import type { OwnLocationsService } from '../../src/modules/2.2.1/locations/service.js';
import { type RunningPlatform, startPlatform } from '../../src/runtime.js';
import { FAST_DELIVERY, type ReceivingPeer, aReceivingPeer } from '../helpers/delivery.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { ok } from '../helpers/fake-peer.js';
import { aBusinessDetails } from '../helpers/builders.js';
import { aLocation, anEvse, later } from '../helpers/locations.js';
import { TEST_DATABASE_URL, type TestPlatform, freePort, startTestPlatform } from '../helpers/platform.js';

let a: TestPlatform;
let b: RunningPlatform;
let peer: ReceivingPeer;
/** Bodies the peer received per path, in arrival order. */
const pushed = new Map<string, unknown[]>();
const party = { countryCode: 'NL', partyId: 'CPO' };
const IDS = ['WP1', 'WP2', 'WP3', 'WP4', 'WP5'];

beforeAll(async () => {
  a = await startTestPlatform('write_path', { env: FAST_DELIVERY });
  await a.ctx.parties.create({ ...party, roles: ['CPO'], businessDetails: aBusinessDetails() });
  peer = await aReceivingPeer(a, 'EMS');
  for (const id of IDS) {
    for (const path of [`/emsp/locations/NL/CPO/${id}`, `/emsp/locations/NL/CPO/${id}/${id}-E1`]) {
      for (const method of ['PUT', 'PATCH']) {
        peer.fake.on(method, path, (req, res) => {
          pushed.set(`${method} ${path}`, [...(pushed.get(`${method} ${path}`) ?? []), req.body]);
          res.json(ok());
        });
      }
    }
  }
  const port = await freePort();
  // A second API process of the same deployment (same schema), without a worker.
  b = await startPlatform(
    parseConfig({
      ...Object.fromEntries(Object.entries(a.ctx.config).map(([k, v]) => [k, String(v)])),
      ROLE: 'api',
      PORT: String(port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    }),
    { logger: pino({ level: 'silent' }) },
  );
  for (const id of IDS) await service(a).put(party, id, { kind: 'location' }, aLocation(id, { evses: [anEvse(`${id}-E1`)] }));
  await modelOf(b).whenCaughtUp();
}, 60000);

afterAll(async () => {
  a.ctx.outbox.wakeups.suppressed = false;
  await b?.close();
  await peer?.fake.close();
  await a?.stop();
});

const service = (p: RunningPlatform): OwnLocationsService => p.ctx.services.ownLocations;
function modelOf(p: RunningPlatform): LocationsReadModel {
  const model = service(p).readModel;
  if (!model) throw new Error('an API process has a read model');
  return model;
}
const q = () => `"${a.schema}"`;

/** The EVSE status of `id` as a process's read model serves it (no catch-up forced). */
function heldStatus(p: RunningPlatform, id: string): string | undefined {
  const page = modelOf(p).page('NLCPO', { offset: 0, limit: 1000 });
  const doc = page?.documents.map((d) => JSON.parse(String(d)) as { id: string; evses: Array<{ status: string }> }).find((d) => d.id === id);
  return doc?.evses[0].status;
}

async function rowOf(id: string): Promise<{ status: string; xid: string }> {
  const [row] = await a.ctx.db.$queryRawUnsafe<Array<{ status: string; xid: string }>>(
    `SELECT document->'evses'->0->>'status' AS status, change_xid::text AS xid FROM ${q()}."own_location" WHERE location_key = $1`,
    id,
  );
  return row;
}

const messagesOf = async (id: string) =>
  a.ctx.db.$queryRawUnsafe<Array<{ method: string; path: string; status: string; body: { status: string } }>>(
    `SELECT m.method, m.path, m.status, c.body FROM ${q()}."outbox_message" m JOIN ${q()}."outbox_change" c ON c.id = m.change_id
      WHERE m.object_key = $1 ORDER BY m.id`,
    `locations:DE/EMS:NLCPO/${id}`,
  );

test('an EVSE status PATCH is written in place with its push in one statement, and the peer gets it', async () => {
  const spy = jest.spyOn(service(a).store, 'patchInPlace');
  try {
    const stamp = later();
    await service(a).patch(party, 'WP1', { kind: 'evse', evseUid: 'WP1-E1' }, { status: 'CHARGING', last_updated: stamp });
    // The hot path answered: no general-path transaction ran after it.
    expect(await spy.mock.results[0].value).toMatchObject({ xid: expect.stringMatching(/^[0-9]+$/) });
    expect((await rowOf('WP1')).status).toBe('CHARGING');
    const messages = await messagesOf('WP1');
    expect(messages.at(-1)).toMatchObject({ method: 'PATCH', path: '/NL/CPO/WP1/WP1-E1', body: { status: 'CHARGING', last_updated: stamp } });
    await eventually(() => expect(pushed.get('PATCH /emsp/locations/NL/CPO/WP1/WP1-E1')).toEqual([{ status: 'CHARGING', last_updated: stamp }]));
  } finally {
    spy.mockRestore();
  }
});

test('a failure after the UPDATE, inside the same statement, leaves neither the change nor its push', async () => {
  const before = await rowOf('WP2');
  const changes = async () => Number((await a.ctx.db.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM ${q()}."outbox_change"`))[0].n);
  const changesBefore = await changes();
  const messagesBefore = (await messagesOf('WP2')).length;
  // The outbox insert fails: the UPDATE before it in the statement must be undone with it.
  await a.ctx.db.$executeRawUnsafe(`CREATE FUNCTION ${q()}.fail_outbox() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected outbox failure'; END $$`);
  await a.ctx.db.$executeRawUnsafe(`CREATE TRIGGER fail_outbox BEFORE INSERT ON ${q()}."outbox_change" FOR EACH ROW EXECUTE FUNCTION ${q()}.fail_outbox()`);
  try {
    await expect(service(a).patch(party, 'WP2', { kind: 'evse', evseUid: 'WP2-E1' }, { status: 'BLOCKED', last_updated: later() })).rejects.toThrow(/injected outbox failure/);
  } finally {
    await a.ctx.db.$executeRawUnsafe(`DROP TRIGGER fail_outbox ON ${q()}."outbox_change"`);
    await a.ctx.db.$executeRawUnsafe(`DROP FUNCTION ${q()}.fail_outbox()`);
  }
  expect(await rowOf('WP2')).toEqual(before);
  expect(await changes()).toBe(changesBefore);
  expect((await messagesOf('WP2')).length).toBe(messagesBefore);
  await modelOf(a).whenCaughtUp();
  expect(heldStatus(a, 'WP2')).toBe(before.status);
});

test('lost wake-ups (hot path and general path): the sweep still pushes, the other process polls the change in', async () => {
  const polled = modelOf(b).stats.polled;
  a.ctx.outbox.wakeups.suppressed = true;
  try {
    const stamp = later();
    await service(a).patch(party, 'WP3', { kind: 'evse', evseUid: 'WP3-E1' }, { status: 'OUTOFORDER', last_updated: stamp });
    const renamed = aLocation('WP4', { name: 'Renamed without a wake-up', evses: [anEvse('WP4-E1', { status: 'INOPERATIVE' })] });
    await service(a).put(party, 'WP4', { kind: 'location' }, renamed);
    // No whenCaughtUp on b: only its periodic poll can bring these in.
    await eventually(() => {
      expect(heldStatus(b, 'WP3')).toBe('OUTOFORDER');
      expect(heldStatus(b, 'WP4')).toBe('INOPERATIVE');
    });
    expect(modelOf(b).stats.polled).toBeGreaterThan(polled);
    await eventually(() => {
      expect(pushed.get('PATCH /emsp/locations/NL/CPO/WP3/WP3-E1')).toEqual([{ status: 'OUTOFORDER', last_updated: stamp }]);
      // The last of two: the location's first PUT (beforeAll) went out before it.
      expect(pushed.get('PUT /emsp/locations/NL/CPO/WP4')?.at(-1)).toEqual(renamed);
    });
  } finally {
    a.ctx.outbox.wakeups.suppressed = false;
  }
});

test('the poll sees a transaction that committed after a later one (ids and commits out of order)', async () => {
  const early = new Client({ connectionString: TEST_DATABASE_URL });
  await early.connect();
  try {
    // This writer takes its transaction id first and commits last, announcing nothing.
    await early.query('BEGIN');
    await early.query(
      `UPDATE ${q()}."own_location" SET change_xid = pg_current_xact_id()::text::bigint,
         document = jsonb_set(document, '{evses,0,status}', '"PLANNED"') WHERE location_key = 'WP5'`,
    );
    await service(a).patch(party, 'WP1', { kind: 'evse', evseUid: 'WP1-E1' }, { status: 'AVAILABLE', last_updated: later() });
    // b polls past the later transaction while the early one is still open...
    const polled = modelOf(b).stats.polled;
    await eventually(() => expect(heldStatus(b, 'WP1')).toBe('AVAILABLE'));
    await eventually(() => expect(modelOf(b).stats.polled).toBeGreaterThan(polled + 1));
    await early.query('COMMIT');
  } finally {
    await early.end();
  }
  // ...and still finds it once committed: its watermark never passed a transaction still running.
  await eventually(() => expect(heldStatus(b, 'WP5')).toBe('PLANNED'));
});

test('wake-ups queued together go out as few NOTIFYs, split under the payload limit, every entry once', async () => {
  const listener = new Client({ connectionString: TEST_DATABASE_URL });
  await listener.connect();
  const channel = `wp_test_${a.schema}`.slice(0, 63);
  const heard: string[] = [];
  listener.on('notification', (msg) => heard.push(msg.payload ?? ''));
  try {
    await listener.query(`LISTEN "${channel}"`);
    // 400 lane-sized entries (about 15 KB): more than one payload can carry.
    const entries = Array.from({ length: 400 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    a.ctx.outbox.wakeups.add(channel, entries.slice(0, 150), 'p|');
    a.ctx.outbox.wakeups.add(channel, entries.slice(150), 'p|');
    await a.ctx.outbox.wakeups.flush();
    await eventually(() => expect(heard.flatMap((p) => p.slice(2).split(',')).sort()).toEqual([...entries].sort()));
    expect(heard.length).toBeGreaterThan(1);
    expect(heard.length).toBeLessThan(5);
    for (const payload of heard) {
      expect(payload.startsWith('p|')).toBe(true);
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(7000);
    }
  } finally {
    await listener.end();
  }
});

test('two EVSEs of one location changed with stamps out of order: each EVSE keeps its own version, the location its newest', async () => {
  const old = '2026-01-01T00:00:00.000Z';
  const t1 = '2026-01-02T00:00:00.000Z';
  const t2 = '2026-01-03T00:00:00.000Z';
  const evses = [anEvse('WP6-E1', { last_updated: old }), anEvse('WP6-E2', { last_updated: old })];
  await a
    .admin()
    .put('/parties/NL/CPO/locations/WP6', aLocation('WP6', { evses, last_updated: old }))
    .expect(200);
  // Each answer is the changed object as stored (the hot path reads it back from the written row).
  const patched = async (path: string, body: Record<string, unknown>) => {
    const answer = (await a.admin().patch(path, body).expect(200)).body;
    expect(answer).toEqual((await a.admin().get(path).expect(200)).body);
    return answer;
  };
  // The newer change lands first; the older one, of the other EVSE, is still newer than that EVSE.
  expect(await patched('/parties/NL/CPO/locations/WP6/WP6-E1', { status: 'CHARGING', last_updated: t2 })).toMatchObject({ uid: 'WP6-E1', status: 'CHARGING' });
  expect(await patched('/parties/NL/CPO/locations/WP6/WP6-E2', { status: 'BLOCKED', last_updated: t1 })).toMatchObject({ uid: 'WP6-E2', status: 'BLOCKED' });
  // A connector change older than its EVSE's stamp is kept too; the EVSE keeps its newer stamp.
  expect(await patched('/parties/NL/CPO/locations/WP6/WP6-E1/1', { max_amperage: 20, last_updated: t1 })).toMatchObject({ id: '1', max_amperage: 20, last_updated: t1 });
  // The read model placed the location by its newest stamp, where the database orders it.
  await modelOf(a).whenCaughtUp();
  const ordered = await a.ctx.db.$queryRawUnsafe<Array<{ id: string }>>(
    `SELECT document->>'id' AS id FROM ${q()}."own_location" WHERE party_key = 'NLCPO' ORDER BY last_updated, location_key COLLATE "C"`,
  );
  const held = modelOf(a).page('NLCPO', { offset: 0, limit: 1000 });
  expect(held?.documents.map((d) => (JSON.parse(String(d)) as { id: string }).id)).toEqual(ordered.map((r) => r.id));
  const stored = (await a.admin().get('/parties/NL/CPO/locations/WP6').expect(200)).body;
  expect(stored.last_updated).toBe(t2);
  expect(stored.evses).toEqual([
    expect.objectContaining({ uid: 'WP6-E1', status: 'CHARGING', last_updated: t2, connectors: [expect.objectContaining({ max_amperage: 20, last_updated: t1 })] }),
    expect.objectContaining({ uid: 'WP6-E2', status: 'BLOCKED', last_updated: t1 }),
  ]);
  // An EVSE's own older version is still refused, naming the stored one.
  const refused = await a.admin().patch('/parties/NL/CPO/locations/WP6/WP6-E2', { status: 'AVAILABLE', last_updated: old });
  expect(refused.status).toBe(409);
  expect(JSON.stringify(refused.body)).toContain(t1);
});

describe('group commit: PATCHes that arrive together share one statement', () => {
  const GC = Array.from({ length: 24 }, (_, i) => `GC${String(i + 1).padStart(2, '0')}`);
  const stats = () => ({ ...service(a).store.inPlaceStats });
  // Newer than the HTTP PATCHes' own stamps (now), and increasing.
  let clock = Date.now() + 60_000;
  const fresh = () => new Date((clock += 1000)).toISOString();

  beforeAll(async () => {
    for (const id of GC) await service(a).put(party, id, { kind: 'location' }, aLocation(id, { evses: [anEvse(`${id}-E1`)] }));
  });

  test('over HTTP: each PATCH is stored, answered, pushed once and held by the read model, in fewer statements than PATCHes', async () => {
    const before = stats();
    // The first statement takes a while, as on a busy database: the PATCHes arriving meanwhile
    // queue behind it. Without this, a loaded test machine may deliver the requests one at a
    // time, each finding nothing to share its statement with.
    const store = service(a).store as unknown as { runInPlace(sql: string, batch: unknown[]): Promise<unknown[]> };
    const run = store.runInPlace.bind(store);
    let first = true;
    const slowFirst = jest.spyOn(store, 'runInPlace').mockImplementation(async (sql, batch) => {
      if (first) {
        first = false;
        await sleep(200);
      }
      return run(sql, batch);
    });
    const answers = await Promise.all(GC.map((id) => a.admin().patch(`/parties/NL/CPO/locations/${id}/${id}-E1`, { status: 'CHARGING' }))).finally(() => slowFirst.mockRestore());
    expect(first).toBe(false);
    for (const answer of answers) expect(answer.status).toBe(200);
    expect(answers.map((r) => r.body.status)).toEqual(GC.map(() => 'CHARGING'));
    const after = stats();
    expect(after.changes - before.changes).toBe(GC.length);
    expect(after.statements - before.statements).toBeLessThan(GC.length);
    await modelOf(a).whenCaughtUp();
    for (const id of GC) {
      expect((await rowOf(id)).status).toBe('CHARGING');
      const messages = await messagesOf(id);
      expect(messages.filter((m) => m.method === 'PATCH')).toEqual([
        expect.objectContaining({ path: `/NL/CPO/${id}/${id}-E1`, body: expect.objectContaining({ status: 'CHARGING' }) }),
      ]);
      expect(heldStatus(a, id)).toBe('CHARGING');
    }
  });

  test('PATCHes of one location wait for each other and apply in arrival order', async () => {
    const statuses = ['BLOCKED', 'AVAILABLE', 'CHARGING', 'OUTOFORDER', 'AVAILABLE'];
    const stamps = statuses.map(() => fresh());
    await Promise.all(statuses.map((status, i) => service(a).patch(party, 'GC01', { kind: 'evse', evseUid: 'GC01-E1' }, { status, last_updated: stamps[i] })));
    const messages = (await messagesOf('GC01')).filter((m) => m.method === 'PATCH').slice(-statuses.length);
    expect(messages.map((m) => m.body.status)).toEqual(statuses);
    expect((await rowOf('GC01')).status).toBe('AVAILABLE');
  });

  test('a PATCH that fails inside a shared statement is refused alone; the others are written', async () => {
    await a.ctx.db.$executeRawUnsafe(`CREATE FUNCTION ${q()}.fail_gc03() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure of GC03'; END $$`);
    await a.ctx.db.$executeRawUnsafe(
      `CREATE TRIGGER fail_gc03 BEFORE UPDATE ON ${q()}."own_location" FOR EACH ROW WHEN (OLD.location_key = 'GC03') EXECUTE FUNCTION ${q()}.fail_gc03()`,
    );
    const before = stats();
    let outcome: PromiseSettledResult<unknown>[];
    try {
      const patch = (id: string) => service(a).patch(party, id, { kind: 'evse', evseUid: `${id}-E1` }, { status: 'BLOCKED', last_updated: fresh() });
      // GC02 goes out alone; the three that arrive while it runs share the next statement.
      outcome = await Promise.allSettled(['GC02', 'GC03', 'GC04', 'GC05'].map(patch));
    } finally {
      await a.ctx.db.$executeRawUnsafe(`DROP TRIGGER fail_gc03 ON ${q()}."own_location"`);
      await a.ctx.db.$executeRawUnsafe(`DROP FUNCTION ${q()}.fail_gc03()`);
    }
    expect(outcome.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(String((outcome[1] as PromiseRejectedResult).reason)).toContain('injected failure of GC03');
    // GC02, the shared statement of three, then the three again one by one.
    expect(stats().statements - before.statements).toBe(5);
    for (const id of ['GC02', 'GC04', 'GC05']) expect((await rowOf(id)).status).toBe('BLOCKED');
    expect((await rowOf('GC03')).status).toBe('CHARGING');
    expect((await messagesOf('GC03')).map((m) => m.body.status)).not.toContain('BLOCKED');
  });
});
