/**
 * The few statements on the platform's hottest paths (real-time authorization, EVSE status
 * ingest) go straight to the pg pool behind the Prisma client, as named prepared statements:
 * Prisma's raw-query machinery costs a request more CPU than the query itself, and a prepared
 * statement is parsed and planned once per connection instead of once per request. Everything
 * else, transactions included, stays on Prisma. Results come back as pg types them (jsonb as
 * objects, timestamptz as Date, int4 as number).
 */
import crypto from 'node:crypto';
import type { Pool } from 'pg';
import type { PrismaClient } from '../generated/prisma/client.js';

const pools = new WeakMap<object, Pool>();
/** SQL text -> statement name. The texts are the stores' constants, so this stays small. */
const names = new Map<string, string>();

/** Called by createPrisma for the pool it hands to the driver adapter. */
export function registerPool(db: object, pool: Pool): void {
  pools.set(db, pool);
}

export async function hotQuery<T>(db: PrismaClient, sql: string, args: unknown[]): Promise<T[]> {
  const pool = pools.get(db);
  // A client built elsewhere (not by createPrisma): the same query through Prisma.
  if (!pool) return db.$queryRawUnsafe<T[]>(sql, ...args);
  const result = await pool.query({ name: statementName(sql), text: sql, values: args });
  return result.rows as T[];
}

/**
 * The same, each row as an array of its columns in select order: for reads of thousands of rows
 * whose caller builds its own objects (pg's row objects would be built only to be copied). The
 * Prisma path gets objects and takes their values, so every column needs a distinct name (alias
 * computed ones), and int8 arrives there as bigint rather than text: convert with String/BigInt.
 */
export async function hotQueryArrays(db: PrismaClient, sql: string, args: unknown[]): Promise<unknown[][]> {
  const pool = pools.get(db);
  if (!pool) return (await db.$queryRawUnsafe<Array<Record<string, unknown>>>(sql, ...args)).map((row) => Object.values(row));
  const result = await pool.query({ name: statementName(sql), text: sql, values: args, rowMode: 'array' });
  return result.rows as unknown[][];
}

function statementName(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    name = `hot_${crypto.createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    names.set(sql, name);
  }
  return name;
}

/** The pool behind `db`: connections open, idle, and queries waiting for one (a stuck pool never drains). */
export function poolUsage(db: object): { total: number; idle: number; waiting: number } | undefined {
  const pool = pools.get(db);
  return pool && { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}
