/** One Prisma client per process, over the pg driver adapter, bound to the configured schema. */
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { registerPool } from './hot-statements.js';

export type Db = PrismaClient;
export { Prisma } from '../generated/prisma/client.js';

/** Bounds on every wait for PostgreSQL (docs/reliability.md, "Hardening"). */
export interface DbTimeouts {
  connectMs: number;
  statementMs: number;
  idleInTransactionMs: number;
}

/** A server that answers a statement in time always beats the client-side timer. */
const CLIENT_GRACE_MS = 1000;

export function createPrisma(databaseUrl: string, schema: string, maxConnections = 10, timeouts?: DbTimeouts): PrismaClient {
  const url = new URL(databaseUrl);
  url.searchParams.delete('schema');
  // Our own pool, so that hot-statements.ts can reach it; $disconnect() still ends it.
  const pool = new Pool({
    connectionString: url.toString(),
    max: maxConnections,
    ...(timeouts && {
      // Opening a connection, and waiting for a free one, both end in an error after this.
      connectionTimeoutMillis: timeouts.connectMs,
      // Server side: frees PostgreSQL of a runaway statement or an abandoned transaction.
      statement_timeout: timeouts.statementMs,
      idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
      // Client side: a server that accepted the connection but never answers. The client whose
      // query timed out is released with the error, so the pool drops it instead of reusing it.
      query_timeout: timeouts.statementMs + CLIENT_GRACE_MS,
      keepAlive: true,
    }),
  });
  // An idle connection that breaks is dropped by the pool; the next query opens a new one.
  pool.on('error', () => undefined);
  const adapter = new PrismaPg(pool, { schema, disposeExternalPool: true });
  const client = new PrismaClient({ adapter });
  registerPool(client, pool);
  return client;
}

declare module '../context.js' {
  interface AppContext {
    db: Db;
  }
}
