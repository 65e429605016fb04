/**
 * What the dispatcher's sweep finds (delivery-store.ts dueLanes), which hour partitions a run's
 * statements reach (sinceBucket), and in which order the expansion writes a batch's rows: against
 * the real database, with the partitions upkeep creates.
 */
import { Client } from 'pg';
import { createPrisma } from '../../src/db/prisma.js';
import { DeliveryStore } from '../../src/delivery/delivery-store.js';
import { OutboxHistory, hourOf } from '../../src/delivery/history.js';
import { TEST_DATABASE_URL, uniqueSchema } from '../helpers/platform.js';
import { migrate } from '../../src/db/migrate.js';

const schema = uniqueSchema('due_lanes');
const s = `"${schema}"`;
const peer = (n: number) => `00000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;
const party = (n: number) => `00000000-0000-4000-9000-0000000000${String(n).padStart(2, '0')}`;
let pg: Client;
let db: ReturnType<typeof createPrisma>;
let store: DeliveryStore;
let nextId = 1;

async function message(lane: { peer?: string; party?: string }, status: string, nextAttemptAt = 'now()', bucket = 'now()'): Promise<bigint> {
  const id = nextId++;
  await pg.query(
    `INSERT INTO ${s}.outbox_message (id, bucket, peer_id, party_id, object_key, kind, module, full_version, method, status, next_attempt_at)
     VALUES ($1, ${bucket}, $2, $3, 'locations:NL/CPO/L${id}', 'PUSH', 'locations', true, 'PUT', $4, ${nextAttemptAt})`,
    [id, lane.peer ?? null, lane.party ?? null, status],
  );
  return BigInt(id);
}

beforeAll(async () => {
  await migrate(TEST_DATABASE_URL, schema);
  pg = new Client({ connectionString: TEST_DATABASE_URL });
  await pg.connect();
  db = createPrisma(TEST_DATABASE_URL, schema, 2);
  await new OutboxHistory(db, schema).ensure(hourOf(new Date()), 2);
  store = new DeliveryStore(db, schema);
  const peers: Array<[number, string]> = [
    [1, 'REGISTERED'],
    [2, 'REGISTERED'],
    [3, 'SUSPENDED'],
    [4, 'REGISTERED'],
    [5, 'REGISTERED'],
  ];
  for (const [n, status] of peers) await pg.query(`INSERT INTO ${s}.peer (id, status, updated_at) VALUES ($1, $2, now())`, [peer(n), status]);
  for (const n of [1, 2]) {
    await pg.query(`INSERT INTO ${s}.party (id, country_code, party_id, party_key, business_details, updated_at) VALUES ($1, 'NL', $2, $3, '{}', now())`, [
      party(n),
      `EM${n}`,
      `NLEM${n}`,
    ]);
  }
});

afterAll(async () => {
  await db?.$disconnect();
  await pg?.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await pg?.end();
});

test('the sweep finds registered peers and parties with a due pending row, and nothing else', async () => {
  // Peer 1: a drained history and one due row at the end.
  for (let i = 0; i < 20; i++) await message({ peer: peer(1) }, 'DELIVERED');
  await message({ peer: peer(1) }, 'PENDING');
  // Peer 2: only rows waiting for their retry time, and finished ones.
  await message({ peer: peer(2) }, 'DELIVERED');
  await message({ peer: peer(2) }, 'PENDING', "now() + interval '5 minutes'");
  await message({ peer: peer(2) }, 'DEAD');
  // Peer 3: due, but suspended.
  await message({ peer: peer(3) }, 'PENDING');
  // Peer 4: its newest row waits for a retry, an older one is due: the probe must not stop at the first.
  await message({ peer: peer(4) }, 'PENDING');
  await message({ peer: peer(4) }, 'PENDING', "now() + interval '5 minutes'");
  // Peer 5: nothing pending at all.
  await message({ peer: peer(5) }, 'SUPERSEDED');
  // Party 1: a due backend event; party 2: only a delivered one.
  await message({ party: party(1) }, 'PENDING');
  await message({ party: party(2) }, 'DELIVERED');

  expect((await store.dueLanes(1000)).sort()).toEqual([peer(1), peer(4), `party:${party(1)}`].sort());
  // The limit applies to peers and to parties each.
  const one = await store.dueLanes(1);
  expect(one.filter((l) => !l.startsWith('party:'))).toHaveLength(1);
  expect(one.filter((l) => l.startsWith('party:'))).toEqual([`party:${party(1)}`]);
});

test('a due row in an hour without its partition (the DEFAULT one) is found and can be acknowledged', async () => {
  await pg.query(`UPDATE ${s}.outbox_message SET status = 'DELIVERED' WHERE status = 'PENDING'`);
  const id = await message({ peer: peer(5) }, 'PENDING', 'now()', "now() - interval '5 hours'");
  const where = await pg.query(`SELECT tableoid::regclass::text AS t FROM ${s}.outbox_message WHERE id = $1`, [String(id)]);
  expect(where.rows[0].t).toMatch(/outbox_message_default/);
  expect(await store.dueLanes(1000)).toEqual([peer(5)]);

  const [row] = await store.pending(peer(5), 10);
  expect(row.id).toBe(id);
  await store.recordDelivered(peer(5), [row], [{ objectKey: row.objectKey, lastUpdated: new Date(), messageId: row.id }]);
  const after = await pg.query(`SELECT status FROM ${s}.outbox_message WHERE id = $1`, [String(id)]);
  expect(after.rows[0].status).toBe('DELIVERED');
  expect(await store.dueLanes(1000)).toEqual([]);
});

test('a row that upkeep moved to a later hour after the run read it is still acknowledged', async () => {
  const id = await message({ peer: peer(1) }, 'PENDING', 'now()', "now() - interval '1 hour'");
  const [row] = await store.pending(peer(1), 10);
  expect(row.id).toBe(id);
  // What upkeep does to an unfinished row of an hour it drops.
  await pg.query(`UPDATE ${s}.outbox_message SET bucket = now() WHERE id = $1`, [String(id)]);
  await store.recordDelivered(peer(1), [row], [{ objectKey: row.objectKey, lastUpdated: new Date(), messageId: row.id }]);
  const after = await pg.query(`SELECT status, bucket > now() - interval '1 minute' AS moved FROM ${s}.outbox_message WHERE id = $1`, [String(id)]);
  expect(after.rows[0]).toEqual({ status: 'DELIVERED', moved: true });
});

test("an expanded batch of fan-outs writes each peer's rows next to each other, in change order", async () => {
  // One lane's rows together: its pending read and its acknowledgement touch a page or two of
  // the batch instead of one page per change.
  const destinations = [peer(4), peer(1), peer(2)];
  const changes: string[] = [];
  for (let n = 1; n <= 3; n++) {
    const { rows } = await pg.query(
      `WITH c AS (INSERT INTO ${s}.outbox_change (body) VALUES ($1::jsonb) RETURNING id)
       INSERT INTO ${s}.outbox_fanout (change_id, kind, module, method, full_version, peer_ids, object_keys, to_countries, to_parties)
       SELECT c.id, 'PUSH', 'locations', 'PUT', true, $2::uuid[], $3::text[], $4::text[], $5::text[] FROM c RETURNING change_id`,
      [JSON.stringify({ n }), destinations, destinations.map(() => `locations:NL/CPO/F${n}`), destinations.map(() => 'DE'), destinations.map(() => 'EMP')],
    );
    changes.push(String(rows[0].change_id));
  }
  expect(await store.expandFanouts(50)).toEqual({ changes: 3, lanes: expect.arrayContaining(destinations) });
  const { rows } = await pg.query(`SELECT peer_id, change_id::text FROM ${s}.outbox_message WHERE change_id = ANY($1::bigint[]) ORDER BY id`, [changes]);
  expect(rows.map((r) => `${r.peer_id} ${changes.indexOf(r.change_id) + 1}`)).toEqual([peer(1), peer(2), peer(4)].flatMap((p) => [1, 2, 3].map((n) => `${p} ${n}`)));
});
