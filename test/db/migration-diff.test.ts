/** `npm run migration:diff` (scripts/migration-diff.ts) runs offline and shows what the migrations lack. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/ocpi_test';

test('migration:diff prints the SQL from the migrations to schema.prisma, and no model or field lacks its migration', async () => {
  const root = path.resolve(__dirname, '../..');
  const { stdout } = await promisify(execFile)(path.join(root, 'node_modules/.bin/tsx'), ['scripts/migration-diff.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL },
    timeout: 60_000,
  });
  // What hand-written SQL adds beyond the Prisma schema may show as drops; a missing table or column may not.
  expect(stdout).not.toMatch(/CREATE TABLE|ADD COLUMN/);
}, 90_000);
