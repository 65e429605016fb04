/**
 * The outbox's shape at scale: a change's body stored once however many peers it goes to, a
 * fan-out past OUTBOX_INLINE_FANOUT written as one row and expanded by the worker, and delivered
 * history kept in hour partitions that are dropped whole, unfinished rows and their bodies kept.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { migrate } from '../../src/db/migrate.js';
import { createPrisma } from '../../src/db/prisma.js';
import { OutboxHistory, hourOf, partitionName } from '../../src/delivery/history.js';
import { aBusinessDetails } from '../helpers/builders.js';
import { FAST_DELIVERY, type ReceivingPeer, aLocationMessage, aReceivingPeer } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { aLocation, anEvse } from '../helpers/locations.js';
import { TEST_DATABASE_URL, type TestPlatform, startTestPlatform } from '../helpers/platform.js';

let platform: TestPlatform;
let peers: ReceivingPeer[];
const HOUR = 3_600_000;

beforeAll(async () => {
  platform = await startTestPlatform('fanout', { env: { ...FAST_DELIVERY, OUTBOX_INLINE_FANOUT: '2' } });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  peers = [await aReceivingPeer(platform, 'EMA'), await aReceivingPeer(platform, 'EMB'), await aReceivingPeer(platform, 'EMC')];
});

afterAll(async () => {
  for (const p of peers ?? []) await p.fake.close();
  await platform?.stop();
});

const q = () => `"${platform.ctx.config.DATABASE_SCHEMA}"`;
const history = () => new OutboxHistory(platform.ctx.db, platform.ctx.config.DATABASE_SCHEMA);
/** One change for each of `targets`, built from one object as the modules build theirs. */
function change(targets: ReceivingPeer[], n: number, version: number) {
  const template = aLocationMessage(targets[0].peerId, n, version);
  return targets.map((p, i) => ({ ...template, peerId: p.peerId, to: { countryCode: 'DE', partyId: ['EMA', 'EMB', 'EMC'][i] } }));
}

test('a change to more peers than OUTBOX_INLINE_FANOUT is one body and one fan-out row; the worker writes a row per peer and each gets it once', async () => {
  const changesBefore = await platform.ctx.db.outboxChange.count();
  await platform.ctx.db.$transaction(async (tx) => {
    await platform.ctx.outbox.enqueue(tx, change(peers, 1, 7));
    // Before commit, nothing per peer exists yet: the request paid for two rows, not three.
    expect(await tx.outboxFanout.count()).toBe(1);
    expect(await tx.outboxMessage.count({ where: { objectKey: 'locations:NL/CPO/OBJ1' } })).toBe(0);
  });
  expect(await platform.ctx.db.outboxChange.count()).toBe(changesBefore + 1);
  await platform.whenIdle();
  for (const p of peers) expect(p.arrivals.filter((a) => a.path === '/emsp/locations/NL/CPO/OBJ1').map((a) => a.version)).toEqual([7]);
  const rows = await platform.ctx.db.outboxMessage.findMany({ where: { objectKey: 'locations:NL/CPO/OBJ1' } });
  expect(rows.map((r) => r.status)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED']);
  expect(new Set(rows.map((r) => r.peerId))).toEqual(new Set(peers.map((p) => p.peerId)));
  expect(new Set(rows.map((r) => r.toParty))).toEqual(new Set(['EMA', 'EMB', 'EMC']));
  expect(new Set(rows.map((r) => String(r.changeId))).size).toBe(1);
  expect(await platform.ctx.db.outboxFanout.count()).toBe(0);
});

test("an EVSE PATCH of the CPO backend fans out with its keys by their parts; each peer's row gets its own key and each peer the PATCH once", async () => {
  const evsePatches = new Map<string, unknown[]>();
  for (const p of peers) {
    p.fake.on('PATCH', '/emsp/locations/NL/CPO/OBJ40/E1', (req, r) => {
      evsePatches.set(p.peerId, [...(evsePatches.get(p.peerId) ?? []), req.body]);
      r.json({ status_code: 1000, timestamp: new Date().toISOString() });
    });
  }
  await platform
    .admin()
    .put('/parties/NL/CPO/locations/OBJ40', aLocation('OBJ40', { evses: [anEvse('E1')] }))
    .expect(200);
  await platform.whenIdle();
  const stamp = new Date(Date.now() + 60_000).toISOString();
  // The hot path (one statement, store.ts patchInPlace), past the inline fan-out of 2.
  await platform.admin().patch('/parties/NL/CPO/locations/OBJ40/E1', { status: 'CHARGING', last_updated: stamp }).expect(200);
  await platform.whenIdle();
  for (const p of peers) expect(evsePatches.get(p.peerId)).toEqual([{ status: 'CHARGING', last_updated: stamp }]);
  const rows = await platform.ctx.db.outboxMessage.findMany({ where: { method: 'PATCH', path: '/NL/CPO/OBJ40/E1' } });
  expect(rows.map((r) => r.objectKey).sort()).toEqual(['locations:DE/EMA:NLCPO/OBJ40', 'locations:DE/EMB:NLCPO/OBJ40', 'locations:DE/EMC:NLCPO/OBJ40']);
  expect(rows.map((r) => r.status)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED']);
  expect(new Set(rows.map((r) => String(r.changeId))).size).toBe(1);
});

test('up to OUTBOX_INLINE_FANOUT peers the rows are written with the change, pointing at one body', async () => {
  const changesBefore = await platform.ctx.db.outboxChange.count();
  await platform.ctx.db.$transaction(async (tx) => {
    await platform.ctx.outbox.enqueue(tx, change(peers.slice(0, 2), 2, 3));
    expect(await tx.outboxFanout.count()).toBe(0);
    expect(await tx.outboxMessage.count({ where: { objectKey: 'locations:NL/CPO/OBJ2' } })).toBe(2);
  });
  expect(await platform.ctx.db.outboxChange.count()).toBe(changesBefore + 1);
  await platform.whenIdle();
  expect(peers.map((p) => p.arrivals.filter((a) => a.path.endsWith('/OBJ2')).length)).toEqual([1, 1, 0]);
});

test('fan-outs keep the order of an object: later changes of it arrive after earlier ones at every peer', async () => {
  await platform.ctx.outbox.enqueue(platform.ctx.db, [...change(peers, 3, 1), ...change(peers, 3, 2)]);
  await platform.ctx.outbox.enqueue(platform.ctx.db, change(peers, 3, 3));
  await platform.whenIdle();
  for (const p of peers) expect(p.arrivals.filter((a) => a.path.endsWith('/OBJ3')).map((a) => a.version)).toEqual([1, 2, 3]);
});

test('a fan-out to a peer deleted before the worker expands it skips that peer only', async () => {
  const gone = await aReceivingPeer(platform, 'GON');
  await platform.ctx.db.$transaction(async (tx) => {
    const template = aLocationMessage(gone.peerId, 4, 1);
    await platform.ctx.outbox.enqueue(
      tx,
      [...peers, gone].map((p) => ({ ...template, peerId: p.peerId })),
    );
    expect(await tx.outboxFanout.count()).toBe(1);
    await tx.peer.delete({ where: { id: gone.peerId } });
  });
  await platform.whenIdle();
  await gone.fake.close();
  for (const p of peers) expect(p.arrivals.filter((a) => a.path.endsWith('/OBJ4')).map((a) => a.version)).toEqual([1]);
  expect(gone.arrivals).toEqual([]);
});

test('dropping an hour of history keeps its unfinished rows and their bodies, and they are still delivered', async () => {
  const [waiting] = peers;
  await platform.ctx.db.peer.update({ where: { id: waiting.peerId }, data: { status: 'SUSPENDED' } });
  await platform.ctx.outbox.enqueue(platform.ctx.db, [aLocationMessage(waiting.peerId, 5, 42)]);
  await platform.ctx.outbox.enqueue(platform.ctx.db, [aLocationMessage(peers[1].peerId, 6, 1)]);
  await platform.whenIdle();
  const old = hourOf(new Date(Date.now() - 30 * HOUR));
  await history().ensure(old, 0);
  // Everything so far as if written 30 hours ago.
  const db = platform.ctx.db;
  await db.$executeRawUnsafe(`UPDATE ${q()}."outbox_message" SET bucket = $1`, old);
  await db.$executeRawUnsafe(`UPDATE ${q()}."outbox_change" SET bucket = $1`, old);
  const delivered = await db.outboxMessage.count({ where: { status: 'DELIVERED' } });
  expect(delivered).toBeGreaterThan(3);
  const { dropped, kept } = await history().dropBefore(new Date(), 6);
  expect(dropped).toEqual(expect.arrayContaining([partitionName('outbox_message', old), partitionName('outbox_change', old)]));
  expect(kept).toBe(1);
  expect(await db.outboxMessage.count({ where: { status: 'DELIVERED', bucket: { lt: new Date(Date.now() - HOUR) } } })).toBe(0);
  const [row] = await db.outboxMessage.findMany({ where: { peerId: waiting.peerId, status: 'PENDING' } });
  expect(row.bucket.getTime()).toBeGreaterThan(Date.now() - HOUR);
  expect((await db.outboxChange.findMany()).map((c) => c.body)).toEqual([{ version: 42, last_updated: expect.any(String) }]);

  await platform.admin().post(`/peers/${waiting.peerId}/resume`, {}).expect(200);
  await platform.ctx.outbox.wake([waiting.peerId]);
  await eventually(() => expect(waiting.arrivals.filter((a) => a.path.endsWith('/OBJ5')).map((a) => a.version)).toEqual([42]));
});

test('rows of an hour nobody created a partition for wait in the default partition and move into it when it is created', async () => {
  const later = hourOf(new Date(Date.now() + 40 * HOUR));
  const db = platform.ctx.db;
  await db.$executeRawUnsafe(`INSERT INTO ${q()}."outbox_change" (id, bucket, body) VALUES (9000002, $1, '{}')`, new Date(later.getTime() + 60_000));
  const where = async () => (await db.$queryRawUnsafe<Array<{ t: string }>>(`SELECT tableoid::regclass::text AS t FROM ${q()}."outbox_change" WHERE id = 9000002`))[0].t;
  expect(await where()).toMatch(/outbox_change_default"?$/);
  expect(await history().ensure(later, 0)).toEqual([partitionName('outbox_message', later), partitionName('outbox_change', later)]);
  expect(await where()).toContain(partitionName('outbox_change', later));
  expect(await history().ensure(later, 0)).toEqual([]);
});

test('the migration moves PENDING, DEAD and RESYNC rows into the new shape with their bodies, and the last day of history', async () => {
  const schema = `t_fanout_mig_${crypto.randomBytes(4).toString('hex')}`;
  const all = path.resolve(__dirname, '../../prisma/migrations');
  const before = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  for (const name of fs.readdirSync(all).filter((n) => n < '20261207000200_outbox_fanout')) fs.cpSync(path.join(all, name), path.join(before, name), { recursive: true });
  const pg = new Client({ connectionString: TEST_DATABASE_URL });
  await pg.connect();
  try {
    await migrate(TEST_DATABASE_URL, schema, { dir: before });
    const peerId = crypto.randomUUID();
    await pg.query(`INSERT INTO "${schema}"."peer" (id, status, updated_at) VALUES ($1, 'REGISTERED', now())`, [peerId]);
    const insert = (status: string, body: string | null, createdAt: string) =>
      pg.query(
        `INSERT INTO "${schema}"."outbox_message" (peer_id, object_key, kind, module, full_version, method, interface_role, path, body, status, created_at)
         VALUES ($1, 'locations:DE/EMS:NLCPO/L1', 'PUSH', 'locations', false, 'PATCH', 'RECEIVER', '/NL/CPO/L1', $2::jsonb, $3, $4) RETURNING id`,
        [peerId, body, status, createdAt],
      );
    const pending = (await insert('PENDING', '{"status": "CHARGING"}', '2020-01-01T00:00:00Z')).rows[0].id;
    const dead = (await insert('DEAD', null, '2020-01-01T00:00:00Z')).rows[0].id;
    const recent = (await insert('DELIVERED', '{"x": 1}', new Date().toISOString())).rows[0].id;
    await insert('DELIVERED', '{"x": 2}', '2020-01-01T00:00:00Z');

    await migrate(TEST_DATABASE_URL, schema);
    const rows = (
      await pg.query(`SELECT m.id, m.status, m.change_id, c.body FROM "${schema}"."outbox_message" m LEFT JOIN "${schema}"."outbox_change" c ON c.id = m.change_id ORDER BY m.id`)
    ).rows;
    expect(rows).toEqual([
      { id: pending, status: 'PENDING', change_id: pending, body: { status: 'CHARGING' } },
      { id: dead, status: 'DEAD', change_id: null, body: null },
      { id: recent, status: 'DELIVERED', change_id: recent, body: { x: 1 } },
    ]);
    // New ids continue after the old ones, for messages and changes alike.
    const next = await pg.query(`INSERT INTO "${schema}"."outbox_change" (body) VALUES ('{}') RETURNING id`);
    expect(BigInt(next.rows[0].id)).toBeGreaterThan(BigInt(recent));

    // No worker runs here: a fan-out of an hour past retention waits, and upkeep keeps its body.
    const db = createPrisma(TEST_DATABASE_URL, schema, 1);
    try {
      const upkeep = new OutboxHistory(db, schema);
      const old = hourOf(new Date(Date.now() - 30 * HOUR));
      await upkeep.ensure(old, 0);
      await pg.query(`UPDATE "${schema}"."outbox_change" SET bucket = $1`, [old]);
      await pg.query(`UPDATE "${schema}"."outbox_message" SET bucket = $1`, [old]);
      await pg.query(
        `INSERT INTO "${schema}"."outbox_fanout" (change_id, kind, module, method, full_version, peer_ids, object_keys, to_countries, to_parties)
         VALUES ($1, 'PUSH', 'locations', 'PATCH', false, ARRAY[$2::uuid], ARRAY['k'], ARRAY['DE'], ARRAY['EMS'])`,
        [next.rows[0].id, peerId],
      );
      expect(await upkeep.dropBefore(new Date(), 6)).toEqual({ dropped: [partitionName('outbox_message', old), partitionName('outbox_change', old)], kept: 2 });
      const left = await pg.query(`SELECT id FROM "${schema}"."outbox_change" ORDER BY id`);
      expect(left.rows.map((r) => r.id)).toEqual([pending, next.rows[0].id]);
    } finally {
      await db.$disconnect();
    }
  } finally {
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pg.end();
    fs.rmSync(before, { recursive: true, force: true });
  }
});
