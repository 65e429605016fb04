/**
 * The locations read model's load (read-model-load.ts) over the real database: a binary COPY of
 * own_location read into an OrderedDocuments must give every party's documents byte for byte in
 * the table's (last_updated, id) order, whatever their size and characters, while the event
 * loop keeps turning; a load superseded or failing must stop and close its connection.
 */
import { loadDocuments } from '../../src/modules/2.2.1/locations/read-model-load.js';
import { OrderedDocuments } from '../../src/modules/2.2.1/locations/read-model-chunks.js';
import { aLocation, anEvse } from '../helpers/locations.js';
import { eventually } from '../helpers/eventually.js';
import { type TestPlatform, startTestPlatform } from '../helpers/platform.js';

let a: TestPlatform;
let table: string;
const PARTIES = ['NLCPO', 'NLCPX', 'DECPY'];

beforeAll(async () => {
  a = await startTestPlatform('rm_load');
  table = `"${a.schema}"."own_location"`;
  // Rows written straight into the table: the load reads the table, not the write path.
  const base = Date.UTC(2025, 0, 1);
  const rows: Array<{ key: string; party: string; at: Date; doc: string }> = [];
  for (let i = 0; i < 240; i++) {
    const id = `L${String(i).padStart(4, '0')}`;
    // Few distinct stamps: ties on last_updated, ordered by id.
    const at = new Date(base + (i % 17) * 1000 + (i % 3));
    const name = i % 5 === 0 ? `Café ${i} 東京 ⚡️🔌` : `Location ${i}`;
    // Some documents larger than a socket read and than the load's first scratch buffer.
    const evses = Array.from({ length: i % 60 === 7 ? 700 : 1 + (i % 4) }, (_, e) => anEvse(`${id}-E${e}`));
    const doc = aLocation(id, { name, evses, last_updated: at.toISOString() });
    rows.push({ key: id, party: PARTIES[i % PARTIES.length], at, doc: JSON.stringify(doc) });
  }
  await a.ctx.db.$executeRawUnsafe(
    `INSERT INTO ${table} (location_key, party_key, last_updated, document) SELECT k, p, u, d::jsonb FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[]) AS t(k, p, u, d)`,
    rows.map((r) => r.key),
    rows.map((r) => r.party),
    rows.map((r) => r.at),
    rows.map((r) => r.doc),
  );
}, 30000);

afterAll(async () => {
  await a?.stop();
});

/** The party's documents as the table orders them, as the text the database gives. */
async function fromTable(party: string): Promise<string[]> {
  const rows = await a.ctx.db.$queryRawUnsafe<Array<{ doc: string }>>(`SELECT document::text AS doc FROM ${table} WHERE party_key = $1 ORDER BY last_updated, location_key`, party);
  return rows.map((r) => r.doc);
}

/** Connections of this database still running the load's COPY. */
async function copiesRunning(): Promise<number> {
  const rows = await a.ctx.db.$queryRawUnsafe<Array<{ n: bigint }>>(
    `SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'COPY (SELECT party_key, location_key%' AND query LIKE $1 AND pid <> pg_backend_pid()`,
    `%${a.schema}%`,
  );
  return Number(rows[0].n);
}

test('every party loads byte for byte in the table order: multi-byte characters, ties, documents of 300 KB', async () => {
  const documents = new OrderedDocuments();
  const figures = await loadDocuments(a.ctx, table, documents, { slice: 5, current: () => true });
  expect(figures?.rows).toBe(240);
  for (const party of PARTIES) {
    const expected = await fromTable(party);
    expect(documents.count(party)).toBe(expected.length);
    const loaded = documents.slice(party, 0, expected.length + 1);
    expect(loaded.map((b) => b.toString('utf8'))).toEqual(expected);
    // Bytes, not only text: the page is sent as these bytes.
    expect(Buffer.concat(loaded).equals(Buffer.from(expected.join('')))).toBe(true);
  }
  expect(Math.max(...(await fromTable('NLCPX')).map((d) => Buffer.byteLength(d)))).toBeGreaterThan(256 * 1024);
  await eventually(async () => expect(await copiesRunning()).toBe(0));
});

test('the load yields to the event loop: other callbacks run between its steps, not only before and after', async () => {
  const documents = new OrderedDocuments();
  let loading = true;
  let held = 0;
  let mostPerTurn = 0;
  // Locations put between two turns of the event loop: all 240 at once if the load never yields.
  const spin = () => {
    mostPerTurn = Math.max(mostPerTurn, documents.size - held);
    held = documents.size;
    if (loading) setImmediate(spin);
  };
  setImmediate(spin);
  const figures = await loadDocuments(a.ctx, table, documents, { slice: 10, current: () => true });
  loading = false;
  expect(figures?.rows).toBe(240);
  // A turn puts what a step read (10 rows, or the rest of one socket read) and the run it
  // completed (up to 32): ~50 here. Without yielding, the reads of one turn hold 100-240.
  expect(mostPerTurn).toBeGreaterThan(0);
  expect(mostPerTurn).toBeLessThanOrEqual(80);
});

test('a load superseded meanwhile stops: no result, and its COPY connection is closed', async () => {
  const documents = new OrderedDocuments();
  let checks = 0;
  const figures = await loadDocuments(a.ctx, table, documents, { slice: 3, current: () => ++checks < 4 });
  expect(figures).toBeNull();
  expect(documents.size).toBeLessThan(240);
  await eventually(async () => expect(await copiesRunning()).toBe(0));
});

test('a failing read is thrown to the model (which reloads), and leaves no connection behind', async () => {
  const idle = async () =>
    Number(
      (
        await a.ctx.db.$queryRawUnsafe<Array<{ n: bigint }>>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (SELECT%no_such_table%'`,
        )
      )[0].n,
    );
  await expect(loadDocuments(a.ctx, `"${a.schema}"."no_such_table"`, new OrderedDocuments(), { current: () => true })).rejects.toThrow(/no_such_table/);
  await eventually(async () => expect(await idle()).toBe(0));
});
