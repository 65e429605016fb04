/** One Prisma client per process, over the pg driver adapter, bound to the configured schema. */
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { registerPool } from './hot-statements.js';

export type Db = PrismaClient;
export { Prisma } from '../generated/prisma/client.js';

export function createPrisma(databaseUrl: string, schema: string, maxConnections = 10): PrismaClient {
  const url = new URL(databaseUrl);
  url.searchParams.delete('schema');
  // Our own pool, so that hot-statements.ts can reach it; $disconnect() still ends it.
  const pool = new Pool({ connectionString: url.toString(), max: maxConnections });
  // An idle connection that breaks is dropped by the pool; the next query opens a new one.
  pool.on('error', () => undefined);
  const adapter = new PrismaPg(pool, { schema, disposeExternalPool: true });
  const client = new PrismaClient({ adapter });
  registerPool(client, pool);
  return client;
}
