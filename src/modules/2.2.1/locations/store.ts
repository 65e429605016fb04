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

/** An EVSE or connector PATCH of the CPO backend, applied in the row by PostgreSQL. */
export interface InPlaceChange {
  locationKey: string;
  partyKey: string;
  evseKey: string;
  connectorKey?: string;
  /** The validated PATCH body, last_updated included. */
  patch: Record<string, unknown>;
  /** Its last_updated, canonical (toISOString): the EVSE's and the location's new stamp. */
  stamp: string;
  /** The NOTIFY that tells other API processes (read-model.ts). */
  notify: { channel: string; payload: string };
}

/** What patchInPlace wrote: the new document's text and the identity fields the push needs. */
export interface InPlaceResult {
  text: string;
  id: string;
  country_code: string;
  party_id: string;
}

export class OwnLocationStore {
  private readonly table: string;
  private readonly inPlaceSql: { evse: string; connector: string };

  constructor(
    private readonly db: Db,
    schema: string,
  ) {
    this.table = `"${schema.replace(/"/g, '""')}"."own_location"`;
    this.inPlaceSql = { evse: this.inPlaceStatement(false), connector: this.inPlaceStatement(true) };
  }

  /**
   * An EVSE or connector PATCH as one statement: the merge (`||`, i.e. `{...object, ...patch}`),
   * the stamp carried up to the EVSE and the location, the "not older than stored" rule and the
   * NOTIFY all run in PostgreSQL against the row version the UPDATE locks. Null when nothing
   * was written (unknown location, EVSE or connector, another party's location, an older
   * stamp): the caller's general path then gives the answer those deserve.
   */
  async patchInPlace(tx: Tx, change: InPlaceChange): Promise<InPlaceResult | null> {
    const connector = change.connectorKey !== undefined;
    const args: unknown[] = [change.locationKey, change.partyKey, JSON.stringify(change.patch), change.stamp, change.evseKey, change.notify.channel, change.notify.payload];
    if (connector) args.push(change.connectorKey);
    const rows = await tx.$queryRawUnsafe<InPlaceResult[]>(connector ? this.inPlaceSql.connector : this.inPlaceSql.evse, ...args);
    return rows[0] ?? null;
  }

  /** $1 location key, $2 party key, $3 patch, $4 stamp, $5 EVSE key, $6/$7 NOTIFY channel/payload, $8 connector key. */
  private inPlaceStatement(connector: boolean): string {
    const list = (json: string) => `CASE WHEN jsonb_typeof(${json}) = 'array' THEN ${json} ELSE '[]'::jsonb END`;
    const evseIndex = `(SELECT (a.i - 1)::int FROM jsonb_array_elements(${list("t.document->'evses'")}) WITH ORDINALITY AS a(e, i)
      WHERE jsonb_typeof(a.e) = 'object' AND upper((a.e->>'uid') COLLATE "C") = $5::text ORDER BY a.i LIMIT 1)`;
    const evse = `(t.document->'evses'->${evseIndex})`;
    let newEvse = `${evse} || $3::jsonb`;
    let guard = `${evseIndex} IS NOT NULL`;
    if (connector) {
      const connectorIndex = `(SELECT (c.i - 1)::int FROM jsonb_array_elements(${list(`${evse}->'connectors'`)}) WITH ORDINALITY AS c(e, i)
        WHERE jsonb_typeof(c.e) = 'object' AND upper((c.e->>'id') COLLATE "C") = $8::text ORDER BY c.i LIMIT 1)`;
      // A connector change is a change of its EVSE (service.ts applyChange).
      newEvse = `jsonb_set(jsonb_set(${evse}, ARRAY['connectors', ${connectorIndex}::text], (${evse}->'connectors'->${connectorIndex}) || $3::jsonb), '{last_updated}', to_jsonb($4::text))`;
      guard += ` AND ${connectorIndex} IS NOT NULL`;
    }
    return `WITH u AS (
        UPDATE ${this.table} AS t SET last_updated = $4::text::timestamptz,
          document = jsonb_set(jsonb_set(t.document, '{last_updated}', to_jsonb($4::text)), ARRAY['evses', ${evseIndex}::text], ${newEvse})
        WHERE t.location_key = $1::text AND t.party_key = $2::text AND t.last_updated <= $4::text::timestamptz AND ${guard}
        RETURNING t.document::text AS text, t.document->>'id' AS id, t.document->>'country_code' AS country_code, t.document->>'party_id' AS party_id),
      n AS (SELECT pg_notify($6::text, $7::text) FROM u)
      SELECT u.text, u.id, u.country_code, u.party_id FROM u, n`;
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
