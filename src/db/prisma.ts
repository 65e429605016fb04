/** One Prisma client per process, over the pg driver adapter, bound to the configured schema. */
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;
export { Prisma } from '../generated/prisma/client.js';

export function createPrisma(databaseUrl: string, schema: string, maxConnections = 10): PrismaClient {
  const url = new URL(databaseUrl);
  url.searchParams.delete('schema');
  const adapter = new PrismaPg({ connectionString: url.toString(), max: maxConnections }, { schema });
  return new PrismaClient({ adapter });
}
