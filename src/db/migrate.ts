/**
 * Applies prisma/migrations/<name>/migration.sql files that have not run yet, the way
 * `prisma migrate deploy` would (same `_prisma_migrations` table, same checksums, same advisory
 * lock), because the Prisma CLI cannot fetch its engines on machines without internet. Runs at
 * every start; the advisory lock keeps concurrent starters (and a `prisma migrate deploy`) apart.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

/** The key `prisma migrate deploy` locks too, so our runner and Prisma's exclude each other. */
const LOCK_ID = 72707369;

export interface MigrationResult {
  applied: string[];
}

export interface MigrateOptions {
  /** Folder of `<name>/migration.sql` (tests point it elsewhere). */
  dir?: string;
  /** How long start-up waits for another process's migration lock before giving up. */
  lockWaitMs?: number;
  /**
   * `lock_timeout` of each migration's statements: a migration that must wait longer for a
   * table lock (a long transaction of a running instance) fails instead of queueing every
   * other query of that table behind it.
   */
  statementLockTimeoutMs?: number;
}

/** A migration state start-up cannot go past by itself; the message says what to do. */
export class MigrationError extends Error {}

export function migrationsDir(): string {
  // Works from src/ (tsx, jest) and from dist/src/ (built).
  for (const candidate of [path.resolve(__dirname, '../../prisma/migrations'), path.resolve(__dirname, '../../../prisma/migrations')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error('prisma/migrations not found');
}

/**
 * The checksum recorded for a migration: sha256 of its text with LF line endings, so a
 * checkout that turned them into CRLF is not a changed migration, and an LF file gets exactly
 * what `prisma migrate deploy` records.
 */
export function migrationChecksum(sql: string): string {
  return sha256(normaliseLineEndings(sql));
}

function normaliseLineEndings(sql: string): string {
  return sql.replace(/\r\n?/g, '\n');
}

/** Checksums that mean "this file": ours, and the ones Prisma records for a CRLF checkout. */
function acceptedChecksums(raw: string): Set<string> {
  const lf = normaliseLineEndings(raw);
  return new Set([sha256(lf), sha256(raw), sha256(lf.replace(/\n/g, '\r\n'))]);
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

export async function migrate(databaseUrl: string, schema: string, options: MigrateOptions = {}): Promise<MigrationResult> {
  const lockWaitMs = options.lockWaitMs ?? 60_000;
  const statementLockTimeoutMs = options.statementLockTimeoutMs ?? 10_000;
  const url = new URL(databaseUrl);
  url.searchParams.delete('schema');
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  const quoted = `"${schema.replace(/"/g, '""')}"`;
  let locked = false;
  try {
    // lock_timeout bounds the wait for the advisory lock too (it is a lock like any other).
    await client.query(`SET lock_timeout = ${Math.max(1, Math.round(lockWaitMs))}`);
    try {
      await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    } catch (e) {
      if ((e as { code?: string }).code === '55P03') {
        throw new MigrationError(`another process has held the migration lock (PostgreSQL advisory lock ${LOCK_ID}) for more than ${lockWaitMs} ms; is a migration still running?`);
      }
      throw e;
    }
    locked = true;
    await client.query(`SET lock_timeout = ${Math.max(1, Math.round(statementLockTimeoutMs))}`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(`SET search_path TO ${quoted}`);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    await refuseUnfinished(client);
    const done = await client.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const doneByName = new Map(done.rows.map((r) => [r.migration_name, r.checksum]));
    const dir = options.dir ?? migrationsDir();
    const names = fs
      .readdirSync(dir)
      .filter((n) => fs.existsSync(path.join(dir, n, 'migration.sql')))
      .sort();
    const applied: string[] = [];
    for (const name of names) {
      const raw = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      const previous = doneByName.get(name);
      if (previous !== undefined) {
        if (!acceptedChecksums(raw).has(previous)) throw new MigrationError(`Migration ${name} was changed after it was applied (checksum mismatch)`);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(normaliseLineEndings(raw));
        await client.query('INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)', [
          crypto.randomUUID(),
          migrationChecksum(raw),
          name,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new MigrationError(`Migration ${name} failed: ${(err as Error).message}`);
      }
      applied.push(name);
    }
    return { applied };
  } finally {
    if (locked) await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => undefined);
    await client.end();
  }
}

/**
 * A row without finished_at is a migration `prisma migrate deploy` started and did not finish
 * (ours run in one transaction and leave no such row). What it changed is unknown, so nothing
 * is applied over it until someone has looked and resolved it.
 */
async function refuseUnfinished(client: Client): Promise<void> {
  const unfinished = await client.query<{ migration_name: string; started_at: Date }>(
    'SELECT migration_name, started_at FROM "_prisma_migrations" WHERE finished_at IS NULL AND rolled_back_at IS NULL ORDER BY started_at',
  );
  if (unfinished.rows.length === 0) return;
  const { migration_name: name, started_at: startedAt } = unfinished.rows[0];
  throw new MigrationError(
    `Migration ${name} was started at ${startedAt.toISOString()} and never finished: check what it changed, undo or complete it, ` +
      `then mark it resolved (\`prisma migrate resolve --rolled-back ${name}\` or \`--applied ${name}\`, or set rolled_back_at or ` +
      `finished_at of its _prisma_migrations row) before starting again`,
  );
}
