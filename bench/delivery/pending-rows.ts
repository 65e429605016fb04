/**
 * What reading a lane's pending rows costs the worker, per row: DeliveryStore.pending (column
 * arrays, times as epoch milliseconds, one object per row) against the same rows read as pg row
 * objects with timestamps parsed by pg and copied into the row shape, which is how it read them
 * before. A run holds a batch of these rows for each lane it delivers to, so both the CPU and the
 * bytes a row keeps alive count; both are printed.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { Client, Pool } from 'pg';
import { migrate } from '../../src/db/migrate.js';
import { createPrisma } from '../../src/db/prisma.js';
import { DeliveryStore } from '../../src/delivery/delivery-store.js';
import { BENCH_DATABASE_URL } from '../environment.js';
import type { BenchResult } from '../result.js';

const ROWS = 5000;
const READS = 40;
const PEER = '00000000-0000-4000-8000-000000000001';

// A full collection before and after each measurement, so the bytes kept are the rows' own.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

async function seed(pg: Client, schema: string): Promise<void> {
  const s = `"${schema}"`;
  await pg.query(`INSERT INTO ${s}.peer (id, status, updated_at) VALUES ($1, 'REGISTERED', now())`, [PEER]);
  await pg.query(`INSERT INTO ${s}.outbox_change (id, body) SELECT k, jsonb_build_object('status', 'CHARGING', 'last_updated', now()) FROM generate_series(1, ${ROWS}) k`);
  await pg.query(
    `INSERT INTO ${s}.outbox_message (peer_id, object_key, kind, module, full_version, method, interface_role, path, last_updated,
       from_country, from_party, to_country, to_party, status, change_id)
     SELECT $1, 'locations:NL/CPO/LOC' || k || '/E1', 'PUSH', 'locations', false, 'PATCH', 'RECEIVER', '/NL/CPO/LOC' || k || '/E1',
            now() + make_interval(secs => k), 'NL', 'CPO', 'NL', 'EMP', 'PENDING', k
       FROM generate_series(1, ${ROWS}) k`,
    [PEER],
  );
  await pg.query(`ANALYZE ${s}.outbox_message`);
}

/** CPU microseconds per row and bytes kept per row while the reads are held. */
async function measure(read: () => Promise<unknown[]>): Promise<{ cpuUs: number; bytes: number }> {
  for (let i = 0; i < 5; i++) await read();
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const held: unknown[] = [];
  for (let i = 0; i < READS; i++) held.push(await read());
  const cpu = process.cpuUsage(cpu0);
  gc();
  const bytes = (process.memoryUsage().heapUsed - heap0) / (READS * ROWS);
  held.length = 0;
  return { cpuUs: (cpu.user + cpu.system) / (READS * ROWS), bytes };
}

export async function measurePendingRows(): Promise<BenchResult[]> {
  const schema = `bench_rows_${process.pid}`;
  const pg = new Client({ connectionString: BENCH_DATABASE_URL });
  await pg.connect();
  const db = createPrisma(`${BENCH_DATABASE_URL}?schema=${schema}`, schema, 2);
  const pool = new Pool({ connectionString: BENCH_DATABASE_URL, max: 1 });
  try {
    await migrate(`${BENCH_DATABASE_URL}?schema=${schema}`, schema);
    await seed(pg, schema);
    const store = new DeliveryStore(db, schema);
    const ours = await measure(() => store.pending(PEER, ROWS));
    const before = await measure(async () => {
      const { rows } = await pool.query({
        name: 'bench_pending_objects',
        text: `SELECT id, bucket, change_id AS "changeId", object_key AS "objectKey", kind, module, full_version AS "fullVersion", method,
                      interface_role AS "interfaceRole", path, url, last_updated AS "lastUpdated", from_country AS "fromCountry",
                      from_party AS "fromParty", to_country AS "toCountry", to_party AS "toParty", attempts, next_attempt_at AS "nextAttemptAt",
                      first_failed_at AS "firstFailedAt", deadline_at AS "deadlineAt", created_at AS "createdAt", correlation_id AS "correlationId", headers
                 FROM "${schema}".outbox_message WHERE status = 'PENDING' AND peer_id = $1::uuid ORDER BY id LIMIT $2`,
        values: [PEER, ROWS],
      });
      return rows.map((r) => ({ ...r, id: BigInt(r.id), changeId: r.changeId === null ? null : BigInt(r.changeId), body: null, cached: null }));
    });
    const results: BenchResult[] = [
      {
        scenario: `a lane's pending rows read by the worker (${ROWS} per read): CPU µs per row, against pg row objects copied into the row shape (lower is better)`,
        ours: Number(ours.cpuUs.toFixed(1)),
        baseline: Number(before.cpuUs.toFixed(1)),
        unit: 'µs/row',
      },
      {
        scenario: 'the same rows: heap bytes each keeps alive while a run holds it (lower is better)',
        ours: Math.round(ours.bytes),
        baseline: Math.round(before.bytes),
        unit: 'bytes/row',
      },
    ];
    return results;
  } finally {
    await db.$disconnect();
    await pool.end();
    await pg.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pg.end();
  }
}
