/**
 * Rows that are not finished (PENDING, DEAD, RESYNC) are found through the partial indexes that
 * hold them, never by reading the delivered history: /metrics counts them on every scrape and
 * upkeep moves them out of every dropped hour, and an hour of history is millions of rows.
 */
import { Client } from 'pg';
import { createPrisma } from '../../src/db/prisma.js';
import { OutboxHistory, hourOf, partitionName } from '../../src/delivery/history.js';
import { migrate } from '../../src/db/migrate.js';
import { TEST_DATABASE_URL, uniqueSchema } from '../helpers/platform.js';

const schema = uniqueSchema('unfinished_rows');
const s = `"${schema}"`;
const PEER = '00000000-0000-4000-8000-000000000001';
const HOUR = 3_600_000;
let pg: Client;
let db: ReturnType<typeof createPrisma>;
let history: OutboxHistory;
const old = hourOf(new Date(Date.now() - 30 * HOUR));

async function rows(status: string, count: number, bucket: Date): Promise<void> {
  await pg.query(
    `INSERT INTO ${s}.outbox_message (bucket, peer_id, object_key, kind, module, full_version, method, status)
     SELECT $1, $2, 'locations:NL/CPO/L' || g, 'PUSH', 'locations', true, 'PUT', $3 FROM generate_series(1, $4) g`,
    [bucket, PEER, status, count],
  );
}

/** Each scan of an outbox_message partition in the statement's plan, as "node type on index" ("Seq Scan" without one). */
async function scansOf(sql: string, params: unknown[]): Promise<string[]> {
  await pg.query('BEGIN');
  try {
    // What PostgreSQL would do at scale: on these small tables a sequential scan is cheapest anyway.
    await pg.query('SET LOCAL enable_seqscan = off');
    const [{ 'QUERY PLAN': plan }] = (await pg.query(`EXPLAIN (FORMAT JSON) ${sql}`, params)).rows;
    const scans: string[] = [];
    const walk = (node: Record<string, unknown>, relation: string | null) => {
      const on = typeof node['Relation Name'] === 'string' ? (node['Relation Name'] as string) : relation;
      const type = node['Node Type'] as string;
      if (on?.startsWith('outbox_message') && /Scan$/.test(type) && type !== 'Bitmap Heap Scan') scans.push(`${type}${node['Index Name'] ? ` on ${node['Index Name']}` : ''}`);
      for (const child of (node.Plans as Array<Record<string, unknown>>) ?? []) walk(child, /^Bitmap(Or|And| Heap Scan)$/.test(type) ? on : null);
    };
    walk(plan[0].Plan, null);
    return scans;
  } finally {
    await pg.query('ROLLBACK');
  }
}

async function partialIndexes(): Promise<Set<string>> {
  const { rows: found } = await pg.query(
    `SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND i.indpred IS NOT NULL`,
    [schema],
  );
  return new Set(found.map((r) => r.relname as string));
}

beforeAll(async () => {
  await migrate(TEST_DATABASE_URL, schema);
  pg = new Client({ connectionString: TEST_DATABASE_URL });
  await pg.connect();
  db = createPrisma(TEST_DATABASE_URL, schema, 2);
  history = new OutboxHistory(db, schema);
  await history.ensure(hourOf(new Date()), 1);
  await history.ensure(old, 0);
  await pg.query(`INSERT INTO ${s}.peer (id, status, updated_at) VALUES ($1, 'REGISTERED', now())`, [PEER]);
  for (const bucket of [new Date(), old, new Date(old.getTime() - 5 * HOUR)]) {
    await rows('DELIVERED', 300, bucket);
    await rows('SUPERSEDED', 20, bucket);
    await rows('PENDING', 3, bucket);
    await rows('DEAD', 2, bucket);
    await rows('RESYNC', 1, bucket);
  }
  await pg.query(`ANALYZE ${s}.outbox_message`);
});

afterAll(async () => {
  await db?.$disconnect();
  await pg?.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await pg?.end();
});

test('the unfinished rows are counted over every hour, the default partition included', async () => {
  expect(await history.countUnfinished()).toEqual({ PENDING: 9, DEAD: 6, RESYNC: 3 });
});

test("the count and upkeep's move read only the partial indexes of unfinished rows", async () => {
  const partial = await partialIndexes();
  const statements: Array<{ sql: string; params: unknown[] }> = [];
  const record = (sql: string, ...params: unknown[]) => {
    statements.push({ sql, params });
    return Promise.resolve([]);
  };
  const spies = [jest.spyOn(db, '$queryRawUnsafe').mockImplementation(record as never), jest.spyOn(db, '$executeRawUnsafe').mockImplementation(record as never)];
  try {
    await history.countUnfinished();
    // keepUnfinished's statements, as dropBefore runs them on an hour past retention.
    await (history as unknown as { keepUnfinished(tx: unknown, from: Date, to: Date): Promise<number> }).keepUnfinished(db, old, new Date(old.getTime() + HOUR));
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  expect(statements).toHaveLength(3);
  for (const { sql, params } of statements) {
    const scans = await scansOf(sql, params);
    expect(scans.length).toBeGreaterThan(0);
    for (const scan of scans) expect({ sql, scan, partial: partial.has(scan.split(' on ')[1] ?? '') }).toEqual({ sql, scan, partial: true });
  }
});

test('upkeep keeps the unfinished rows of a dropped hour and drops its history', async () => {
  const { dropped, kept } = await history.dropBefore(new Date(), 6);
  expect(dropped).toContain(partitionName('outbox_message', old));
  expect(kept).toBe(12);
  expect(await history.countUnfinished()).toEqual({ PENDING: 9, DEAD: 6, RESYNC: 3 });
  const { rows: left } = await pg.query(`SELECT status, count(*)::int AS n FROM ${s}.outbox_message GROUP BY status ORDER BY status`);
  expect(left).toEqual([
    { status: 'DEAD', n: 6 },
    { status: 'DELIVERED', n: 300 },
    { status: 'PENDING', n: 9 },
    { status: 'RESYNC', n: 3 },
    { status: 'SUPERSEDED', n: 20 },
  ]);
});
