/**
 * `npm run migration:diff`: prints the SQL that takes a database holding every migration of
 * prisma/migrations to prisma/schema.prisma, i.e. what a new migration needs after a schema
 * edit. Works offline: `prisma migrate diff` would download the native schema engine, this
 * drives the published Wasm one through the pg driver adapter. It applies the migrations to a
 * scratch schema of DATABASE_URL's database (dropped afterwards) with our own runner.
 *
 * Review the output before pasting it into prisma/migrations/<timestamp>_<name>/migration.sql:
 * what the hand-written migrations add beyond the Prisma schema (expression and partial
 * indexes, CHECK constraints, foreign keys without a relation field) shows up as drops.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';

interface DiffEngine {
  diff(params: unknown): Promise<{ exitCode: number; stdout: string | null }>;
}
type WasmExports = Record<string, unknown>;
/** Node's WebAssembly global (the project's lib has no DOM types). */
const wasmApi = (globalThis as unknown as { WebAssembly: { instantiate(bytes: Buffer, imports: object): Promise<{ instance: { exports: WasmExports } }> } }).WebAssembly;
interface WasmBindings {
  __wbg_set_wasm(exports: WasmExports): void;
  SchemaEngine: { new: (options: unknown, log: (message: string) => void, adapter: object) => Promise<DiffEngine> };
}

const PG_CHAR = 18;
const PG_TEXT = 25;
const COLUMN_TYPE_CHARACTER = 6;

/**
 * The engine reads catalog columns of PostgreSQL's one-byte "char" type (constraint kinds),
 * which the pg adapter cannot map: the pool reports them as text and remembers which columns
 * they were, so the adapter's answer can say Character again.
 */
function charAwareAdapter(connectionString: string, schema: string) {
  const charColumns = new Map<string, string[]>();
  const pool = new pg.Pool({ connectionString });
  // pg's overloads cannot be restated here; the engine only uses the promise form.
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<pg.QueryResult>;
  pool.query = ((...args: unknown[]) =>
    query(...args).then((result) => {
      const first = args[0] as string | pg.QueryConfig | undefined;
      const text: string | undefined = typeof first === 'string' ? first : first?.text;
      const chars = (result.fields ?? []).filter((f) => f.dataTypeID === PG_CHAR).map((f) => ((f.dataTypeID = PG_TEXT), f.name));
      if (text && chars.length) charColumns.set(text, chars);
      return result;
    })) as typeof pool.query;
  const factory = new PrismaPg(pool, { schema });
  const adapter = bindMigrationAwareSqlAdapterFactory({
    provider: factory.provider,
    adapterName: factory.adapterName,
    connectToShadowDb: () => factory.connectToShadowDb(),
    async connect() {
      const adapter = await factory.connect();
      const queryRaw = adapter.queryRaw.bind(adapter);
      adapter.queryRaw = async (query) => {
        const result = await queryRaw(query);
        const chars = charColumns.get(query.sql);
        if (chars) result.columnNames.forEach((name, i) => chars.includes(name) && (result.columnTypes[i] = COLUMN_TYPE_CHARACTER));
        return result;
      };
      return adapter;
    },
  });
  // The engine never closes its pool: idle connections would keep the process alive.
  return { adapter, close: () => pool.end() };
}

/** The package is built for bundlers (it imports its .wasm): instantiate it by hand. */
async function loadEngine(): Promise<WasmBindings> {
  const dir = path.dirname(require.resolve('@prisma/schema-engine-wasm'));
  const bindings = (await import(path.join(dir, 'schema_engine_bg.js'))) as WasmBindings;
  const { instance } = await wasmApi.instantiate(fs.readFileSync(path.join(dir, 'schema_engine_bg.wasm')), { './schema_engine_bg.js': bindings });
  bindings.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as (() => void) | undefined)?.();
  return bindings;
}

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('set DATABASE_URL (a PostgreSQL database where a scratch schema may be created)');
  const url = new URL(databaseUrl);
  url.searchParams.delete('schema');
  const connectionString = url.toString();
  const scratch = `migration_diff_${crypto.randomBytes(4).toString('hex')}`;
  // The engine reports a panic through this global before it throws.
  (globalThis as Record<string, unknown>).PRISMA_WASM_PANIC_REGISTRY = { set_message: (message: string) => console.error(`schema engine panic: ${message}`) };
  let closeDriver: (() => Promise<void>) | undefined;
  try {
    await migrate(connectionString, scratch);
    const driver = charAwareAdapter(connectionString, scratch);
    closeDriver = driver.close;
    const engine = await (await loadEngine()).SchemaEngine.new({ datamodels: undefined }, () => undefined, driver.adapter);
    const files = [{ path: 'schema.prisma', content: fs.readFileSync(path.resolve(__dirname, '../prisma/schema.prisma'), 'utf8') }];
    const result = await engine.diff({
      from: { tag: 'schemaDatasource', files, configDir: path.resolve(__dirname, '..') },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    process.stdout.write(result.stdout ?? '');
  } finally {
    await closeDriver?.();
    const client = new pg.Client({ connectionString });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${scratch}" CASCADE`);
    await client.end();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
