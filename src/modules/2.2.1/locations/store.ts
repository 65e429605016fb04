/**
 * Storage of our own CPO locations: one JSONB document per location. Reads for the sender
 * interface return the documents as JSON text, so a page is sent without parsing or mapping.
 * Every write stamps the row with its transaction id (`change_xid`), which the read models'
 * catch-up poll reads (read-model.ts).
 */
import { hotQuery } from '../../../db/hot-statements.js';
import type { Db, Prisma } from '../../../db/prisma.js';
import { FANOUT_SIGNAL, type Outbox } from '../../../delivery/outbox.js';
import { pushTargetsSql } from '../../../delivery/push-targets.js';
import type { PageRequest } from '../../../ocpi/pagination.js';
import type { Location } from '../../../model/location.js';
import { SqlParams } from '../shared/received-query.js';
import { CANONICAL_STAMP } from './receiver-store.js';
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
  /**
   * The location as the request names it. Written in place only when the stored document has
   * exactly this id, country_code and party_id (the push's path and sender are built from them);
   * a different spelling takes the general path.
   */
  locationId: string;
  countryCode: string;
  partyId: string;
  /** The push: the module's receiver path of the object, the roles that receive it (HUB included). */
  push: { module: string; path: string; roles: string[] };
}

/** What patchInPlace wrote: the new document's text, the writing transaction, the wake-ups due after it. */
export interface InPlaceResult {
  text: string;
  /** change_xid of the new row version (read-model.ts). */
  xid: string;
  /** Outbox lanes, plus FANOUT_SIGNAL when the push was written as a fan-out. */
  wake: string[];
}

export class OwnLocationStore {
  private readonly table: string;
  private readonly inPlaceSql: { evse: string; connector: string };

  constructor(
    private readonly db: Db,
    private readonly schema: string,
    outbox: Outbox,
  ) {
    this.table = `"${schema.replace(/"/g, '""')}"."own_location"`;
    this.inPlaceSql = { evse: this.inPlaceStatement(false, outbox), connector: this.inPlaceStatement(true, outbox) };
  }

  /**
   * An EVSE or connector PATCH and its pushes as one statement, sent as a prepared statement
   * without a transaction around it (a statement is atomic): the merge (`||`, i.e.
   * `{...object, ...patch}`), the stamp carried up to the EVSE and the location, the "not older
   * than stored" rule, the push targets and the outbox rows all run in PostgreSQL against the
   * row version the UPDATE locks. Null when nothing was written (unknown location, EVSE or
   * connector, another party's location, an older stamp, another spelling of the ids): the
   * caller's general path then gives the answer those deserve.
   */
  async patchInPlace(change: InPlaceChange): Promise<InPlaceResult | null> {
    const connector = change.connectorKey !== undefined;
    const args: unknown[] = [
      change.locationKey,
      change.partyKey,
      JSON.stringify(change.patch),
      change.stamp,
      change.evseKey,
      change.locationId,
      change.countryCode,
      change.partyId,
      change.push.module,
      change.push.roles,
      change.push.path,
      `:${change.partyKey}/${change.locationKey}`,
    ];
    if (connector) args.push(change.connectorKey);
    const rows = await hotQuery<{ text: string; xid: string; lanes: string[] | null; fanout: boolean }>(
      this.db,
      connector ? this.inPlaceSql.connector : this.inPlaceSql.evse,
      args,
    );
    const row = rows[0];
    if (!row) return null;
    return { text: row.text, xid: row.xid, wake: [...(row.lanes ?? []), ...(row.fanout ? [FANOUT_SIGNAL] : [])] };
  }

  /**
   * $1 location key, $2 party key, $3 patch, $4 stamp, $5 EVSE key, $6-$8 location id,
   * country_code, party_id, $9 module, $10 receiving roles, $11 receiver path, $12 object key
   * suffix, $13 connector key.
   */
  private inPlaceStatement(connector: boolean, outbox: Outbox): string {
    const list = (json: string) => `CASE WHEN jsonb_typeof(${json}) = 'array' THEN ${json} ELSE '[]'::jsonb END`;
    const evseIndex = `(SELECT (a.i - 1)::int FROM jsonb_array_elements(${list("t.document->'evses'")}) WITH ORDINALITY AS a(e, i)
      WHERE jsonb_typeof(a.e) = 'object' AND upper((a.e->>'uid') COLLATE "C") = $5::text ORDER BY a.i LIMIT 1)`;
    const evse = `(t.document->'evses'->${evseIndex})`;
    // "Never an older version over a newer one" holds per object: the EVSE's (or connector's) own
    // stamp decides, so two EVSEs of one location changed concurrently are both kept. Stamps are
    // compared as canonical text; any other spelling takes the general path (service.ts).
    const evseStamp = `(${evse}->>'last_updated') COLLATE "C"`;
    let newEvse = `${evse} || $3::jsonb`;
    let guard = `${evseIndex} IS NOT NULL AND ${evseStamp} ~ ${CANONICAL_STAMP} AND ${evseStamp} <= $4::text`;
    if (connector) {
      const connectorIndex = `(SELECT (c.i - 1)::int FROM jsonb_array_elements(${list(`${evse}->'connectors'`)}) WITH ORDINALITY AS c(e, i)
        WHERE jsonb_typeof(c.e) = 'object' AND upper((c.e->>'id') COLLATE "C") = $13::text ORDER BY c.i LIMIT 1)`;
      const connectorStamp = `(${evse}->'connectors'->${connectorIndex}->>'last_updated') COLLATE "C"`;
      const patched = `jsonb_set(${evse}, ARRAY['connectors', ${connectorIndex}::text], (${evse}->'connectors'->${connectorIndex}) || $3::jsonb)`;
      // A connector change is a change of its EVSE (service.ts applyChange), unless the EVSE holds a newer stamp.
      newEvse = `CASE WHEN ${evseStamp} < $4::text THEN jsonb_set(${patched}, '{last_updated}', to_jsonb($4::text)) ELSE ${patched} END`;
      guard = `${evseIndex} IS NOT NULL AND ${connectorIndex} IS NOT NULL AND ${evseStamp} ~ ${CANONICAL_STAMP}
        AND ${connectorStamp} ~ ${CANONICAL_STAMP} AND ${connectorStamp} <= $4::text`;
    }
    // The location's stamp is its newest part's: it never goes back.
    const located = `CASE WHEN t.last_updated < $4::text::timestamptz THEN jsonb_set(t.document, '{last_updated}', to_jsonb($4::text)) ELSE t.document END`;
    const push = outbox.broadcastCtes({
      targets: 'tg',
      body: '$3::jsonb',
      module: '$9::text',
      method: `'PATCH'`,
      path: '$11::text',
      lastUpdated: '$4::text::timestamptz',
      fromCountry: '$7::text',
      fromParty: '$8::text',
      keyPrefix: `$9::text || ':'`,
      keySuffix: '$12::text',
    });
    return `WITH u AS (
        UPDATE ${this.table} AS t SET last_updated = GREATEST(t.last_updated, $4::text::timestamptz), change_xid = pg_current_xact_id()::text::bigint,
          document = jsonb_set(${located}, ARRAY['evses', ${evseIndex}::text], ${newEvse})
        WHERE t.location_key = $1::text AND t.party_key = $2::text AND ${guard}
          AND t.document->>'id' = $6::text AND t.document->>'country_code' = $7::text AND t.document->>'party_id' = $8::text
        RETURNING t.document::text AS text, t.change_xid::text AS xid),
      tg AS (${pushTargetsSql(this.schema, '$9::text', '$10::text[]', 'EXISTS (SELECT 1 FROM u)')}),
      ${push.ctes}
      SELECT u.text, u.xid, ${push.lanes} AS lanes, ${push.fanout} AS fanout FROM u`;
  }

  /** Reads and locks a location for a change in this transaction. */
  async lock(tx: Tx, locationKey: string): Promise<Location | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ document: Location }>>(`SELECT document FROM ${this.table} WHERE location_key = $1 FOR UPDATE`, locationKey);
    return rows[0]?.document ?? null;
  }

  /** Writes the whole document; returns the row's new change_xid (read-model.ts). */
  async save(tx: Tx, locationKey: string, partyKey: string, location: Location): Promise<string> {
    const rows = await tx.$queryRawUnsafe<Array<{ xid: string }>>(
      `INSERT INTO ${this.table} (location_key, party_key, last_updated, document, change_xid) VALUES ($1, $2, $3, $4::jsonb, pg_current_xact_id()::text::bigint)
       ON CONFLICT (location_key) DO UPDATE SET party_key = EXCLUDED.party_key, last_updated = EXCLUDED.last_updated, document = EXCLUDED.document,
         change_xid = EXCLUDED.change_xid
       RETURNING change_xid::text AS xid`,
      locationKey,
      partyKey,
      new Date(location.last_updated),
      JSON.stringify(location),
    );
    return rows[0].xid;
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
