/**
 * Storage of our own CPO tariffs: one JSONB document per tariff, keyed by owner party and
 * upper-cased id. Reads for the sender interface return the documents as JSON text, so a page
 * is sent without parsing or mapping. A deletion leaves a tombstone stamped with its moment:
 * the delivery engine orders an object's messages by last_updated, so a tariff that comes back
 * must be newer than its deletion or its PUT would be ordered before the pushed DELETE.
 */
import type { Db, Prisma } from '../../../db/prisma.js';
import type { PageRequest } from '../../../ocpi/pagination.js';
import type { Tariff } from '../../../model/tariff.js';
import { SqlParams } from '../shared/received-query.js';
import { type OwnedListFilter, type OwnedPage, ownedConditions, ownedPage } from '../shared/owned-query.js';

type Tx = Prisma.TransactionClient | Db;

export interface StoredTariff {
  document: Tariff;
  lastUpdated: Date;
  /** Set on a tombstone: the tariff was deleted at this moment. */
  deletedAt: Date | null;
}

export class OwnTariffStore {
  private readonly table: string;

  constructor(
    private readonly db: Db,
    schema: string,
  ) {
    this.table = `"${schema.replace(/"/g, '""')}"."own_tariff"`;
  }

  /** Reads and locks a tariff (or its tombstone) for a change in this transaction. */
  async lock(tx: Tx, partyKey: string, tariffKey: string): Promise<StoredTariff | null> {
    const rows = await tx.$queryRawUnsafe<StoredTariff[]>(
      `SELECT document, last_updated AS "lastUpdated", deleted_at AS "deletedAt" FROM ${this.table} WHERE party_key = $1 AND tariff_key = $2 FOR UPDATE`,
      partyKey,
      tariffKey,
    );
    return rows[0] ?? null;
  }

  /**
   * Writes a version unless a newer one (or a deletion at or after it) got there first. The
   * condition is checked by the upsert itself, so two first PUTs of one id racing past `lock`
   * (no row to lock yet) still cannot store the older one. Returns false when refused.
   */
  async save(tx: Tx, partyKey: string, tariffKey: string, tariff: Tariff): Promise<boolean> {
    const written = await tx.$executeRawUnsafe(
      `INSERT INTO ${this.table} AS t (party_key, tariff_key, last_updated, deleted_at, document) VALUES ($1, $2, $3, NULL, $4::jsonb)
       ON CONFLICT (party_key, tariff_key) DO UPDATE SET last_updated = EXCLUDED.last_updated, deleted_at = NULL, document = EXCLUDED.document
       WHERE t.last_updated < EXCLUDED.last_updated OR (t.deleted_at IS NULL AND t.last_updated = EXCLUDED.last_updated)`,
      partyKey,
      tariffKey,
      new Date(tariff.last_updated),
      JSON.stringify(tariff),
    );
    return written > 0;
  }

  /** Turns a tariff into a tombstone stamped `at`; the document is kept for the record only. */
  async markDeleted(tx: Tx, partyKey: string, tariffKey: string, at: Date): Promise<void> {
    await tx.$executeRawUnsafe(`UPDATE ${this.table} SET last_updated = $3, deleted_at = $3 WHERE party_key = $1 AND tariff_key = $2`, partyKey, tariffKey, at);
  }

  async get(partyKey: string, tariffKey: string): Promise<Tariff | null> {
    const rows = await this.db.$queryRawUnsafe<Array<{ document: Tariff }>>(
      `SELECT document FROM ${this.table} WHERE party_key = $1 AND tariff_key = $2 AND deleted_at IS NULL`,
      partyKey,
      tariffKey,
    );
    return rows[0]?.document ?? null;
  }

  /** Every live tariff of a party: the candidates when a session is priced. */
  async all(partyKey: string): Promise<Tariff[]> {
    const rows = await this.db.$queryRawUnsafe<Array<{ document: Tariff }>>(`SELECT document FROM ${this.table} WHERE party_key = $1 AND deleted_at IS NULL`, partyKey);
    return rows.map((r) => r.document);
  }

  /** One page as JSON texts, in stable order (last_updated, then id), with the total count. */
  async page(partyKeys: string[], page: PageRequest): Promise<{ documents: string[]; total: number }> {
    const where = `party_key = ANY($1::text[]) AND deleted_at IS NULL AND ($2::timestamptz IS NULL OR last_updated >= $2) AND ($3::timestamptz IS NULL OR last_updated < $3)`;
    const args = [partyKeys, page.dateFrom ?? null, page.dateTo ?? null];
    const [rows, count] = await Promise.all([
      this.db.$queryRawUnsafe<Array<{ doc: string }>>(
        `SELECT document::text AS doc FROM ${this.table} WHERE ${where} ORDER BY last_updated, tariff_key, party_key OFFSET $4 LIMIT $5`,
        ...args,
        page.offset,
        page.limit,
      ),
      this.db.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM ${this.table} WHERE ${where}`, ...args),
    ]);
    return { documents: rows.map((r) => r.doc), total: Number(count[0].n) };
  }

  /** The party's live tariffs (no tombstones) for its own backend, in (last_updated, id) order. */
  list(filter: OwnedListFilter): Promise<OwnedPage<Tariff>> {
    const p = new SqlParams();
    const where = [...ownedConditions(p, filter), 'd.deleted_at IS NULL'];
    return ownedPage<Tariff>(this.db, this.table, 'tariff_key', where, p, filter);
  }
}
