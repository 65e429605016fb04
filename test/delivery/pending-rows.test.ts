/**
 * The rows a delivery run reads are built by hand from column arrays, with times read as epoch
 * milliseconds (delivery-store.ts pending): every field must come back as the database holds it,
 * to the millisecond, nulls and headers included, on the pg fast path and through Prisma alike.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { Client, Pool } from 'pg';
import { PrismaClient } from '../../src/generated/prisma/client.js';
import { migrate } from '../../src/db/migrate.js';
import { registerPool } from '../../src/db/hot-statements.js';
import { createPrisma } from '../../src/db/prisma.js';
import { DeliveryStore } from '../../src/delivery/delivery-store.js';
import { OutboxHistory, hourOf } from '../../src/delivery/history.js';
import { TEST_DATABASE_URL, uniqueSchema } from '../helpers/platform.js';

const schema = uniqueSchema('pending_rows');
const PEER = '00000000-0000-4000-8000-000000000001';
const PARTY = '00000000-0000-4000-8000-000000000002';
let pg: Client;

beforeAll(async () => {
  await migrate(TEST_DATABASE_URL, schema);
  pg = new Client({ connectionString: TEST_DATABASE_URL });
  await pg.connect();
  const db = createPrisma(TEST_DATABASE_URL, schema, 1);
  try {
    await new OutboxHistory(db, schema).ensure(hourOf(new Date()), 1);
  } finally {
    await db.$disconnect();
  }
  const s = `"${schema}"`;
  await pg.query(`INSERT INTO ${s}.peer (id, status, updated_at) VALUES ($1, 'REGISTERED', now())`, [PEER]);
  await pg.query(`INSERT INTO ${s}.party (id, country_code, party_id, party_key, business_details, updated_at) VALUES ($1, 'NL', 'EMP', 'NLEMP', '{}', now())`, [PARTY]);
  await pg.query(`INSERT INTO ${s}.outbox_change (id, body) VALUES (41, '{"status":"CHARGING","n":1.50}')`);
  // A PATCH of a fan-out: every optional column set, times with milliseconds.
  await pg.query(
    `INSERT INTO ${s}.outbox_message (id, change_id, peer_id, object_key, kind, module, full_version, method, interface_role, path, url,
       last_updated, from_country, from_party, to_country, to_party, status, attempts, next_attempt_at, first_failed_at, deadline_at, created_at, correlation_id)
     VALUES (9007199254740993, 41, $1, 'locations:NL/CPO/LOC1/E1', 'PUSH', 'locations', false, 'PATCH', 'RECEIVER', '/NL/CPO/LOC1/E1', NULL,
       '2026-03-29 01:59:59.123+00', 'NL', 'CPO', 'DE', 'EMS', 'PENDING', 3, '2026-01-01 00:00:00.001+00', '2025-12-31 23:59:59.999+00',
       '2030-06-01 12:00:00.500+00', '2026-01-01 00:00:00.000+00', 'corr-1')`,
    [PEER],
  );
  // A callback with an absolute URL and no body, object time or parties.
  await pg.query(
    `INSERT INTO ${s}.outbox_message (id, peer_id, object_key, kind, module, full_version, method, url, status, next_attempt_at, created_at)
     VALUES (9007199254740994, $1, 'commands:abc', 'CALLBACK', 'commands', true, 'POST', 'https://peer.example/cb/1', 'PENDING',
       '2026-01-02 00:00:00+00', '2026-01-02 00:00:00+00')`,
    [PEER],
  );
  // A backend event of a party lane: headers kept.
  await pg.query(
    `INSERT INTO ${s}.outbox_message (id, party_id, object_key, kind, module, full_version, method, headers, status, next_attempt_at, created_at)
     VALUES (5, $1, 'events:1', 'WEBHOOK', 'events', true, 'POST', '{"x-event":"session.started"}', 'PENDING', now(), now())`,
    [PARTY],
  );
});

afterAll(async () => {
  await pg?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pg?.end();
});

/** A Prisma client over its own pool; registered, hot-statements reaches the pool directly (the fast path). */
function client(fastPath: boolean): { db: PrismaClient; close(): Promise<void> } {
  const pool = new Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { schema, disposeExternalPool: true }) });
  if (fastPath) registerPool(db, pool);
  return {
    db,
    async close() {
      await db.$disconnect();
      if (!pool.ended) await pool.end();
    },
  };
}

const expected = [
  {
    id: 9007199254740993n,
    changeId: 41n,
    objectKey: 'locations:NL/CPO/LOC1/E1',
    kind: 'PUSH',
    module: 'locations',
    fullVersion: false,
    method: 'PATCH',
    interfaceRole: 'RECEIVER',
    path: '/NL/CPO/LOC1/E1',
    url: null,
    lastUpdated: new Date('2026-03-29T01:59:59.123Z'),
    fromCountry: 'NL',
    fromParty: 'CPO',
    toCountry: 'DE',
    toParty: 'EMS',
    attempts: 3,
    nextAttemptAt: new Date('2026-01-01T00:00:00.001Z'),
    firstFailedAt: new Date('2025-12-31T23:59:59.999Z'),
    deadlineAt: new Date('2030-06-01T12:00:00.500Z'),
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    correlationId: 'corr-1',
    headers: null,
    body: { status: 'CHARGING', n: 1.5 },
  },
  {
    id: 9007199254740994n,
    changeId: null,
    objectKey: 'commands:abc',
    kind: 'CALLBACK',
    module: 'commands',
    fullVersion: true,
    method: 'POST',
    interfaceRole: null,
    path: null,
    url: 'https://peer.example/cb/1',
    lastUpdated: null,
    fromCountry: null,
    fromParty: null,
    toCountry: null,
    toParty: null,
    attempts: 0,
    nextAttemptAt: new Date('2026-01-02T00:00:00Z'),
    firstFailedAt: null,
    deadlineAt: null,
    createdAt: new Date('2026-01-02T00:00:00Z'),
    correlationId: null,
    headers: null,
    body: null,
  },
];

test.each([
  ['the pg fast path', true],
  ['Prisma', false],
])('pending rows read through %s hold every column exactly', async (_label, fastPath) => {
  const { db, close } = client(fastPath);
  try {
    const store = new DeliveryStore(db, schema);
    const rows = await store.pending(PEER, 10);
    expect(rows.map(({ bucket, cached, ...row }) => row)).toEqual(expected);
    for (const row of rows) expect(row.bucket).toBeInstanceOf(Date);
    expect(rows[0].cached?.value).toEqual(expected[0].body);

    const events = await store.pending(`party:${PARTY}`, 10);
    expect(events.map((r) => [r.id, r.kind, r.headers])).toEqual([[5n, 'WEBHOOK', { 'x-event': 'session.started' }]]);

    // The cursors a run plans with come back as written.
    await store.recordDelivered(PEER, [rows[0]], [{ objectKey: rows[0].objectKey, lastUpdated: rows[0].lastUpdated as Date, messageId: rows[0].id }]);
    const cursors = await store.cursors(PEER, [rows[0].objectKey, 'unknown']);
    expect([...cursors]).toEqual([[rows[0].objectKey, { lastUpdated: new Date('2026-03-29T01:59:59.123Z'), messageId: 9007199254740993n }]]);
    await pg.query(`UPDATE "${schema}".outbox_message SET status = 'PENDING', attempts = 3 WHERE id = 9007199254740993`);
  } finally {
    await close();
  }
});
