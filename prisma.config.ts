// Prisma 7 reads its datasource from here. The app never calls the Prisma CLI at run time:
// migrations are applied by src/db/migrate.ts (see docs/architecture.md).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ocpi' },
});
