/**
 * Storage of our own CPO locations: one JSONB document per location. Reads for the sender
 * interface return the documents as JSON text, so a page is sent without parsing or mapping.
 */
import type { Db, Prisma } from '../../../db/prisma.js';
import type { PageRequest } from '../../../ocpi/pagination.js';
import type { Location } from '../../../model/location.js';
import { SqlParams } from '../shared/received-query.js';
import { type OwnedListFilter, type OwnedPage, ownedConditions, ownedPage } from '../shared/owned-query.js';

type Tx = Prisma.TransactionClient | Db;

export class OwnLocationStore {
  private readonly table: string;

  constructor(
    private readonly db: Db,
    schema: string,
  ) {
    this.table = `"${schema.replace(/"/g, '""')}"."own_location"`;
  }

  /** Reads and locks a location for a change in this transaction. */
  async lock(tx: Tx, locationKey: string): Promise<Location | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ document: Location }>>(`SELECT document FROM ${this.table} WHERE location_key = $1 FOR UPDATE`, locationKey);
    return rows[0]?.document ?? null;
  }

  async save(tx: Tx, locationKey: string, partyKey: string, location: Location): Promise<void> {
    await tx.$executeRawUnsafe(
      `INSERT INTO ${this.table} (location_key, party_key, last_updated, document) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (location_key) DO UPDATE SET party_key = EXCLUDED.party_key, last_updated = EXCLUDED.last_updated, document = EXCLUDED.document`,
      locationKey,
      partyKey,
      new Date(location.last_updated),
      JSON.stringify(location),
    );
  }

  /**
   * Records the location's EVSE uids (upper-cased) and returns those already used by another
   * location. Rows are never removed: an EVSE is never deleted, only REMOVED.
   */
  async claimEvseUids(tx: Tx, locationKey: string, evseKeys: string[]): Promise<string[]> {
    if (evseKeys.length === 0) return [];
    const table = this.table.replace('"own_location"', '"own_evse_uid"');
    await tx.$executeRawUnsafe(`INSERT INTO ${table} (evse_key, location_key) SELECT unnest($1::text[]), $2 ON CONFLICT (evse_key) DO NOTHING`, evseKeys, locationKey);
    const taken = await tx.$queryRawUnsafe<Array<{ evse_key: string }>>(
      `SELECT evse_key FROM ${table} WHERE evse_key = ANY($1::text[]) AND location_key <> $2`,
      evseKeys,
      locationKey,
    );
    return taken.map((r) => r.evse_key);
  }

  async get(locationKey: string, partyKeys: string[]): Promise<Location | null> {
    const rows = await this.db.$queryRawUnsafe<Array<{ document: Location }>>(
      `SELECT document FROM ${this.table} WHERE location_key = $1 AND party_key = ANY($2::text[])`,
      locationKey,
      partyKeys,
    );
    return rows[0]?.document ?? null;
  }

  /** Which of `partyKeys` have a location with this key. */
  async ownersOf(locationKey: string, partyKeys: string[]): Promise<string[]> {
    const rows = await this.db.$queryRawUnsafe<Array<{ party_key: string }>>(
      `SELECT party_key FROM ${this.table} WHERE location_key = $1 AND party_key = ANY($2::text[])`,
      locationKey,
      partyKeys,
    );
    return rows.map((r) => r.party_key);
  }

  /**
   * One page as JSON texts, in stable order (last_updated, then id), with the total count.
   * The page's keys come from the index alone; only those rows' documents are then read, so the
   * cost does not grow with the documents' size or with the offset's rows.
   */
  async page(partyKey: string, page: PageRequest): Promise<{ documents: string[]; total: number }> {
    const args: unknown[] = [partyKey];
    let where = 'party_key = $1';
    if (page.dateFrom) where += ` AND last_updated >= $${args.push(page.dateFrom)}`;
    if (page.dateTo) where += ` AND last_updated < $${args.push(page.dateTo)}`;
    const limitArgs = [...args, page.offset, page.limit];
    const [rows, count] = await Promise.all([
      this.db.$queryRawUnsafe<Array<{ doc: string }>>(
        `WITH keys AS (SELECT location_key, last_updated FROM ${this.table} WHERE ${where} ORDER BY last_updated, location_key OFFSET $${args.length + 1} LIMIT $${args.length + 2})
         SELECT l.document::text AS doc FROM keys k JOIN ${this.table} l USING (location_key) ORDER BY k.last_updated, k.location_key`,
        ...limitArgs,
      ),
      this.db.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM ${this.table} WHERE ${where}`, ...args),
    ]);
    return { documents: rows.map((r) => r.doc), total: Number(count[0].n) };
  }

  /**
   * The party's locations for its own backend, filtered, in (last_updated, id) order. Read from
   * the table, not the read model: that one serves OCPI pages only.
   */
  list(filter: OwnedListFilter & { publish?: boolean; evseStatus?: string }): Promise<OwnedPage<Location>> {
    const p = new SqlParams();
    const where = ownedConditions(p, filter);
    if (filter.publish !== undefined) where.push(`(d.document->>'publish')::boolean = ${p.add(filter.publish)}`);
    // Containment: at least one EVSE in this status.
    if (filter.evseStatus) where.push(`d.document->'evses' @> ${p.add(JSON.stringify([{ status: filter.evseStatus }]))}::jsonb`);
    return ownedPage<Location>(this.db, this.table, 'location_key', where, p, filter);
  }
}
