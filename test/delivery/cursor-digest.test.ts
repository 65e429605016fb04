/**
 * Delivery cursors are stored by a digest of their object key (migration
 * 20261210000200_cursor_key_digest): cursors written before the migration are found after it by
 * their keys, and the store keeps moving them forward only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createPrisma } from '../../src/db/prisma.js';
import { migrate, migrationsDir } from '../../src/db/migrate.js';
import { DeliveryStore } from '../../src/delivery/delivery-store.js';
import { TEST_DATABASE_URL, uniqueSchema } from '../helpers/platform.js';

const schema = uniqueSchema('cursor_digest');
const s = `"${schema}"`;
const PEER = '00000000-0000-4000-8000-000000000001';
const OTHER_PEER = '00000000-0000-4000-8000-000000000002';
const DIGEST_MIGRATION = '20261210000200_cursor_key_digest';
const keys = ['locations:DE/EMP:NL/CPO/LOC1/LOC1-E1', 'tariffs:NL/CPO/Tarïff €1', 'sessions:NL/CPO/S-1'];
let pg: Client;
let db: ReturnType<typeof createPrisma>;
let before: string;

beforeAll(async () => {
  // The migrations up to the one before the digest, as a deployment that ran them has them.
  before = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  for (const name of fs.readdirSync(migrationsDir()).filter((n) => n < DIGEST_MIGRATION)) {
    fs.cpSync(path.join(migrationsDir(), name), path.join(before, name), { recursive: true });
  }
  await migrate(TEST_DATABASE_URL, schema, { dir: before });
  pg = new Client({ connectionString: TEST_DATABASE_URL });
  await pg.connect();
  for (const [n, key] of keys.entries()) {
    await pg.query(`INSERT INTO ${s}.delivery_cursor (peer_id, object_key, last_updated, message_id) VALUES ($1, $2, $3, $4)`, [
      PEER,
      key,
      new Date(Date.UTC(2026, 0, 1 + n)),
      100 + n,
    ]);
  }
  await migrate(TEST_DATABASE_URL, schema);
  await pg.query(`INSERT INTO ${s}.peer (id, status, updated_at) VALUES ($1, 'REGISTERED', now())`, [PEER]);
  db = createPrisma(TEST_DATABASE_URL, schema, 2);
});

afterAll(async () => {
  await db?.$disconnect();
  await pg?.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await pg?.end();
  fs.rmSync(before, { recursive: true, force: true });
});

test('cursors written before the migration are found by their keys after it, and only the peer’s own', async () => {
  const store = new DeliveryStore(db, schema);
  const found = await store.cursors(PEER, [...keys, 'locations:DE/EMP:NL/CPO/LOC2/LOC2-E1']);
  expect([...found.entries()].sort()).toEqual(keys.map((key, n) => [key, { lastUpdated: new Date(Date.UTC(2026, 0, 1 + n)), messageId: BigInt(100 + n) }]).sort());
  expect((await store.cursors(OTHER_PEER, keys)).size).toBe(0);
  const { rows } = await pg.query(`SELECT length(key_digest) AS bytes FROM ${s}.delivery_cursor`);
  expect(rows.map((r) => r.bytes)).toEqual([16, 16, 16]);
});

test('a delivery moves a cursor forward, never back, and starts one for a new key', async () => {
  const store = new DeliveryStore(db, schema);
  const [forward, back] = keys;
  const fresh = 'locations:DE/EMP:NL/CPO/LOC3/LOC3-E2';
  const { rows } = await pg.query(
    `INSERT INTO ${s}.outbox_message (peer_id, object_key, kind, module, full_version, method, status) VALUES ($1, $2, 'PUSH', 'locations', true, 'PUT', 'PENDING') RETURNING id, bucket`,
    [PEER, fresh],
  );
  const row = { id: BigInt(rows[0].id), bucket: rows[0].bucket as Date };
  await store.recordDelivered(
    PEER,
    [row],
    [
      { objectKey: forward, lastUpdated: new Date(Date.UTC(2026, 5, 1)), messageId: 500n },
      { objectKey: back, lastUpdated: new Date(Date.UTC(2025, 0, 1)), messageId: 501n },
      { objectKey: fresh, lastUpdated: new Date(Date.UTC(2026, 5, 2)), messageId: row.id },
    ],
  );
  const found = await store.cursors(PEER, [forward, back, fresh]);
  expect(found.get(forward)).toEqual({ lastUpdated: new Date(Date.UTC(2026, 5, 1)), messageId: 500n });
  expect(found.get(back)).toEqual({ lastUpdated: new Date(Date.UTC(2026, 0, 2)), messageId: 101n });
  expect(found.get(fresh)).toEqual({ lastUpdated: new Date(Date.UTC(2026, 5, 2)), messageId: row.id });
  expect((await pg.query(`SELECT status FROM ${s}.outbox_message WHERE id = $1`, [String(row.id)])).rows[0].status).toBe('DELIVERED');
});
