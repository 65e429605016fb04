/**
 * The migration runner over a real PostgreSQL schema, with a folder of migrations of its own
 * (the real ones are applied by every platform the other tests start).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { MigrationError, migrate, migrationChecksum } from '../../src/db/migrate.js';

// Not from helpers/platform.ts: this file needs no platform but in one test, loaded there.
const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ocpi_test';

const schema = `t_migrate_${crypto.randomBytes(4).toString('hex')}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
const FIRST = '20260101000000_first';
const SECOND = '20260101000100_second';
const firstSql = 'CREATE TABLE "thing" (\n  "id" INTEGER PRIMARY KEY,\n  "name" TEXT NOT NULL\n);\n';
const secondSql = 'ALTER TABLE "thing" ADD COLUMN "note" TEXT;\n';
const db = new Client({ connectionString: TEST_DATABASE_URL });

function write(name: string, sql: string): void {
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
}
const rows = async () => (await db.query(`SELECT migration_name, checksum, finished_at FROM "${schema}"."_prisma_migrations" ORDER BY migration_name`)).rows;
const sha256 = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

beforeAll(async () => {
  await db.connect();
  write(FIRST, firstSql.replace(/\n/g, '\r\n'));
});
afterAll(async () => {
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.query(`DROP SCHEMA IF EXISTS "${schema}_u" CASCADE`);
  await db.end();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a migration checked out with CRLF line endings is applied once, recorded with the checksum of its LF text, and a second run is a no-op', async () => {
  expect(await migrate(TEST_DATABASE_URL, schema, { dir })).toEqual({ applied: [FIRST] });
  expect(await rows()).toEqual([{ migration_name: FIRST, checksum: sha256(firstSql), finished_at: expect.any(Date) }]);
  expect(await migrate(TEST_DATABASE_URL, schema, { dir })).toEqual({ applied: [] });
  // The same migration with LF (another checkout) is the same migration too.
  write(FIRST, firstSql);
  expect(await migrate(TEST_DATABASE_URL, schema, { dir })).toEqual({ applied: [] });
});

test('checksums are the sha256 of the LF text, as prisma migrate deploy records for LF files', () => {
  expect(migrationChecksum(firstSql)).toBe(sha256(firstSql));
  expect(migrationChecksum(firstSql.replace(/\n/g, '\r\n'))).toBe(sha256(firstSql));
  expect(migrationChecksum(secondSql)).not.toBe(migrationChecksum(firstSql));
});

test('a row Prisma recorded for a CRLF checkout (checksum of the raw CRLF text) is not a changed migration', async () => {
  await db.query(`UPDATE "${schema}"."_prisma_migrations" SET checksum = $1 WHERE migration_name = $2`, [sha256(firstSql.replace(/\n/g, '\r\n')), FIRST]);
  expect(await migrate(TEST_DATABASE_URL, schema, { dir })).toEqual({ applied: [] });
  await db.query(`UPDATE "${schema}"."_prisma_migrations" SET checksum = $1 WHERE migration_name = $2`, [sha256(firstSql), FIRST]);
});

test('a migration whose text changed after it was applied stops the runner, naming it', async () => {
  write(FIRST, firstSql.replace('TEXT NOT NULL', 'TEXT'));
  await expect(migrate(TEST_DATABASE_URL, schema, { dir })).rejects.toThrow(new MigrationError(`Migration ${FIRST} was changed after it was applied (checksum mismatch)`));
  write(FIRST, firstSql);
});

test('an unfinished migration (finished_at NULL) refuses start-up, naming it, and nothing after it is applied', async () => {
  await db.query(`INSERT INTO "${schema}"."_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, '20260101000050_half_done', now())`, [
    crypto.randomUUID(),
    sha256('x'),
  ]);
  write(SECOND, secondSql);
  await expect(migrate(TEST_DATABASE_URL, schema, { dir })).rejects.toThrow(
    /Migration 20260101000050_half_done was started at .* and never finished: .*prisma migrate resolve --rolled-back 20260101000050_half_done/,
  );
  expect((await rows()).map((r) => r.migration_name)).toEqual([FIRST, '20260101000050_half_done']);

  // Once someone marked it rolled back, the runner goes on.
  await db.query(`UPDATE "${schema}"."_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '20260101000050_half_done'`);
  expect(await migrate(TEST_DATABASE_URL, schema, { dir })).toEqual({ applied: [SECOND] });
});

test('the platform does not start over an unfinished migration: a StartupError names it', async () => {
  const other = `${schema}_u`;
  await db.query(`CREATE SCHEMA "${other}"`);
  await db.query(`CREATE TABLE "${other}"."_prisma_migrations" (id VARCHAR(36) PRIMARY KEY, checksum VARCHAR(64) NOT NULL, finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL,
    logs TEXT, rolled_back_at TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0)`);
  await db.query(`INSERT INTO "${other}"."_prisma_migrations" (id, checksum, migration_name) VALUES ($1, $2, '20261122051000_emsp_commands')`, [crypto.randomUUID(), sha256('x')]);
  // Loaded here: the whole platform is needed by this test only.
  const { StartupError, startPlatform } = await import('../../src/runtime.js');
  const { testConfig } = await import('../helpers/platform.js');
  const config = testConfig({ DATABASE_URL: `${TEST_DATABASE_URL}?schema=${other}` });
  const started = startPlatform(config);
  await expect(started).rejects.toBeInstanceOf(StartupError);
  await expect(started).rejects.toThrow(`Cannot migrate schema ${other}: Migration 20261122051000_emsp_commands was started at`);
});

test('a runner that cannot take the migration lock within its wait gives up with a clear message instead of hanging', async () => {
  const holder = new Client({ connectionString: TEST_DATABASE_URL });
  await holder.connect();
  try {
    await holder.query('SELECT pg_advisory_lock(72707369)');
    const started = Date.now();
    await expect(migrate(TEST_DATABASE_URL, schema, { dir, lockWaitMs: 300 })).rejects.toThrow(
      new MigrationError('another process has held the migration lock (PostgreSQL advisory lock 72707369) for more than 300 ms; is a migration still running?'),
    );
    expect(Date.now() - started).toBeLessThan(3000);
  } finally {
    await holder.query('SELECT pg_advisory_unlock(72707369)');
    await holder.end();
  }
  // Released: the next runner goes through (and finds nothing to do). The lock is database-wide:
  // other test files' platforms may hold it for a moment, so this wait is not the short one above.
  expect(await migrate(TEST_DATABASE_URL, schema, { dir, lockWaitMs: 30_000 })).toEqual({ applied: [] });
});

test('a migration waiting for a table lock longer than the statement lock timeout fails and leaves nothing applied', async () => {
  const third = '20260101000200_third';
  write(third, 'ALTER TABLE "thing" ADD COLUMN "third" TEXT;\n');
  const holder = new Client({ connectionString: TEST_DATABASE_URL });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query(`LOCK TABLE "${schema}"."thing" IN ACCESS SHARE MODE`);
    await expect(migrate(TEST_DATABASE_URL, schema, { dir, statementLockTimeoutMs: 200 })).rejects.toThrow(`Migration ${third} failed: canceling statement due to lock timeout`);
  } finally {
    await holder.query('ROLLBACK');
    await holder.end();
  }
  expect((await rows()).map((r) => r.migration_name)).not.toContain(third);
  expect(await migrate(TEST_DATABASE_URL, schema, { dir })).toEqual({ applied: [third] });
});
