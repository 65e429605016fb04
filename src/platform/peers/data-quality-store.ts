/** Counters of what each peer sent that the receive profile repaired or refused (table peer_data_quality). */
import type { Db } from '../../db/prisma.js';

export type QualityOutcome = 'REPAIRED' | 'REFUSED' | 'NOTICED';

export interface QualityCount {
  module: string;
  path: string;
  rule: string;
  outcome: QualityOutcome;
  count: number;
  lastObjectId: string | null;
  lastDetail: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

export interface QualityIncrement {
  path: string;
  rule: string;
  outcome: QualityOutcome;
  detail: string;
  count: number;
}

export class DataQualityStore {
  private readonly table: string;

  constructor(
    private readonly db: Db,
    schema: string,
  ) {
    this.table = `"${schema.replace(/"/g, '""')}"."peer_data_quality"`;
  }

  /** One statement for every counter a received object touched. */
  async add(peerId: string, module: string, objectId: string | null, increments: QualityIncrement[]): Promise<void> {
    if (increments.length === 0) return;
    await this.db.$executeRawUnsafe(
      `INSERT INTO ${this.table} AS q (peer_id, module, path, rule, outcome, count, last_object_id, last_detail)
       SELECT $1::uuid, $2, i.path, i.rule, i.outcome, i.count, $3, i.detail
         FROM unnest($4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[]) AS i(path, rule, outcome, count, detail)
       ON CONFLICT (peer_id, module, path, rule, outcome) DO UPDATE
         SET count = q.count + EXCLUDED.count, last_object_id = EXCLUDED.last_object_id,
             last_detail = EXCLUDED.last_detail, last_seen_at = CURRENT_TIMESTAMP`,
      peerId,
      module,
      objectId,
      increments.map((i) => i.path.slice(0, 200)),
      increments.map((i) => i.rule.slice(0, 40)),
      increments.map((i) => i.outcome),
      increments.map((i) => i.count),
      increments.map((i) => i.detail.slice(0, 300)),
    );
  }

  async list(peerId: string): Promise<QualityCount[]> {
    const rows = await this.db.peerDataQuality.findMany({ where: { peerId }, orderBy: [{ module: 'asc' }, { count: 'desc' }, { path: 'asc' }] });
    return rows.map((r) => ({ ...r, outcome: r.outcome as QualityOutcome, count: Number(r.count) }));
  }
}
