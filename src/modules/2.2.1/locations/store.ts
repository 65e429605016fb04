/**
 * Storage of our own CPO locations: one JSONB document per location. Reads for the sender
 * interface return the documents as JSON text, so a page is sent without parsing or mapping.
 * Every write stamps the row with its transaction id (`change_xid`), which the read models'
 * catch-up poll reads (read-model.ts).
 */
import { hotQuery } from '../../../db/hot-statements.js';
import { StatementBatcher } from '../../../db/statement-batcher.js';
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
  /** The changed EVSE or connector as written (the answer), so the caller need not parse the whole document. */
  object: string;
  /** The location's last_updated as written. */
  lastUpdated: string;
  /** change_xid of the new row version (read-model.ts). */
  xid: string;
  /** Outbox lanes, plus FANOUT_SIGNAL when the push was written as a fan-out. */
  wake: string[];
}

/** Batches of EVSE/connector PATCHes in flight at once, and PATCHes per batch (statement-batcher.ts). */
const IN_PLACE_IN_FLIGHT = 1;
const IN_PLACE_BATCH = 64;

export class OwnLocationStore {
  private readonly table: string;
  /** In-place statements sent and the PATCHes they carried (their ratio is the batch size). */
  readonly inPlaceStats = { statements: 0, changes: 0 };
  private readonly inPlace: { evse: StatementBatcher<InPlaceChange, InPlaceResult | null>; connector: StatementBatcher<InPlaceChange, InPlaceResult | null> };

  constructor(
    private readonly db: Db,
    private readonly schema: string,
    outbox: Outbox,
  ) {
    this.table = `"${schema.replace(/"/g, '""')}"."own_location"`;
    const batcher = (connector: boolean) => {
      const sql = this.inPlaceStatement(connector, outbox);
      return new StatementBatcher<InPlaceChange, InPlaceResult | null>({
        run: (changes) => this.runInPlace(sql, changes),
        keyOf: (change) => change.locationKey,
        maxBatch: IN_PLACE_BATCH,
        maxInFlight: IN_PLACE_IN_FLIGHT,
      });
    };
    this.inPlace = { evse: batcher(false), connector: batcher(true) };
  }

  /**
   * An EVSE or connector PATCH and its pushes, written by one statement without a transaction
   * around it (a statement is atomic): the merge (`||`, i.e. `{...object, ...patch}`), the stamp
   * carried up to the EVSE and the location, the "not older than stored" rule, the push targets
   * and the outbox rows all run in PostgreSQL against the row version the UPDATE locks.
   * PATCHes of other locations that arrive meanwhile share the statement (group commit). Null
   * when nothing was written (unknown location, EVSE or connector, another party's location, an
   * older stamp, another spelling of the ids): the caller's general path then gives the answer
   * those deserve.
   */
  patchInPlace(change: InPlaceChange): Promise<InPlaceResult | null> {
    return (change.connectorKey !== undefined ? this.inPlace.connector : this.inPlace.evse).submit(change);
  }

  private async runInPlace(sql: string, batch: InPlaceChange[]): Promise<Array<InPlaceResult | null>> {
    // In key order: processes that write overlapping batches then lock rows in the same order.
    const order = batch.map((_, i) => i).sort((x, y) => (batch[x].locationKey < batch[y].locationKey ? -1 : 1));
    const changes = order.map((i) => batch[i]);
    const column = <T>(pick: (c: InPlaceChange) => T) => changes.map(pick);
    const args: unknown[] = [
      column((c) => c.locationKey),
      column((c) => c.partyKey),
      column((c) => JSON.stringify(c.patch)),
      column((c) => c.stamp),
      column((c) => c.evseKey),
      column((c) => c.locationId),
      column((c) => c.countryCode),
      column((c) => c.partyId),
      // One module and set of receiving roles for every change of this store.
      changes[0].push.module,
      changes[0].push.roles,
      column((c) => c.push.path),
      column((c) => `:${c.partyKey}/${c.locationKey}`),
      column((c) => c.connectorKey ?? null),
    ];
    this.inPlaceStats.statements++;
    this.inPlaceStats.changes += changes.length;
    const rows = await hotQuery<{ n: string; text: string; object: string; location_stamp: string; xid: string; lanes: string[] | null; fanout: boolean }>(this.db, sql, args);
    const results: Array<InPlaceResult | null> = batch.map(() => null);
    for (const row of rows) {
      results[order[Number(row.n) - 1]] = {
        text: row.text,
        object: row.object,
        lastUpdated: row.location_stamp,
        xid: row.xid,
        wake: [...(row.lanes ?? []), ...(row.fanout ? [FANOUT_SIGNAL] : [])],
      };
    }
    return results;
  }

  /**
   * Arrays, one element per change: $1 location key, $2 party key, $3 patch, $4 stamp, $5 EVSE
   * key, $6-$8 location id, country_code, party_id, $11 receiver path, $12 object key suffix,
   * $13 connector key; for all: $9 module, $10 receiving roles. The changes name distinct
   * locations (one statement cannot change a row twice).
   */
  private inPlaceStatement(connector: boolean, outbox: Outbox): string {
    const list = (json: string) => `CASE WHEN jsonb_typeof(${json}) = 'array' THEN ${json} ELSE '[]'::jsonb END`;
    const evseIndex = `(SELECT (a.i - 1)::int FROM jsonb_array_elements(${list("t.document->'evses'")}) WITH ORDINALITY AS a(e, i)
      WHERE jsonb_typeof(a.e) = 'object' AND upper((a.e->>'uid') COLLATE "C") = ch.evse_key ORDER BY a.i LIMIT 1)`;
    const evse = `(t.document->'evses'->${evseIndex})`;
    // "Never an older version over a newer one" holds per object: the EVSE's (or connector's) own
    // stamp decides, so two EVSEs of one location changed concurrently are both kept. Stamps are
    // compared as canonical text; any other spelling takes the general path (service.ts).
    const evseStamp = `(${evse}->>'last_updated') COLLATE "C"`;
    let newEvse = `${evse} || ch.patch`;
    // What the PATCH answers with, read back from the written row (RETURNING sees the new document).
    let changed = evse;
    let guard = `${evseIndex} IS NOT NULL AND ${evseStamp} ~ ${CANONICAL_STAMP} AND ${evseStamp} <= ch.stamp`;
    if (connector) {
      const connectorIndex = `(SELECT (c.i - 1)::int FROM jsonb_array_elements(${list(`${evse}->'connectors'`)}) WITH ORDINALITY AS c(e, i)
        WHERE jsonb_typeof(c.e) = 'object' AND upper((c.e->>'id') COLLATE "C") = ch.connector_key ORDER BY c.i LIMIT 1)`;
      const connectorStamp = `(${evse}->'connectors'->${connectorIndex}->>'last_updated') COLLATE "C"`;
      const patched = `jsonb_set(${evse}, ARRAY['connectors', ${connectorIndex}::text], (${evse}->'connectors'->${connectorIndex}) || ch.patch)`;
      // A connector change is a change of its EVSE (service.ts applyChange), unless the EVSE holds a newer stamp.
      newEvse = `CASE WHEN ${evseStamp} < ch.stamp THEN jsonb_set(${patched}, '{last_updated}', to_jsonb(ch.stamp)) ELSE ${patched} END`;
      changed = `(${evse}->'connectors'->${connectorIndex})`;
      guard = `${evseIndex} IS NOT NULL AND ${connectorIndex} IS NOT NULL AND ${evseStamp} ~ ${CANONICAL_STAMP}
        AND ${connectorStamp} ~ ${CANONICAL_STAMP} AND ${connectorStamp} <= ch.stamp`;
    }
    // The location's stamp is its newest part's: it never goes back.
    const located = `CASE WHEN t.last_updated < ch.stamp::timestamptz THEN jsonb_set(t.document, '{last_updated}', to_jsonb(ch.stamp)) ELSE t.document END`;
    const push = outbox.broadcastCtes({
      source: 'u',
      order: 'n',
      targets: 'tg',
      body: 's.patch',
      module: '$9::text',
      method: `'PATCH'`,
      path: 's.path',
      lastUpdated: 's.stamp::timestamptz',
      fromCountry: 's.country_code',
      fromParty: 's.party_id',
      keyPrefix: `$9::text || ':'`,
      keySuffix: 's.key_suffix',
    });
    return `WITH ch AS (SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                                        $11::text[], $12::text[], $13::text[])
                 WITH ORDINALITY AS ch(location_key, party_key, patch, stamp, evse_key, location_id, country_code, party_id, path, key_suffix, connector_key, n)),
      u AS (
        UPDATE ${this.table} AS t SET last_updated = GREATEST(t.last_updated, ch.stamp::timestamptz), change_xid = pg_current_xact_id()::text::bigint,
          document = jsonb_set(${located}, ARRAY['evses', ${evseIndex}::text], ${newEvse})
        FROM ch
        WHERE t.location_key = ch.location_key AND t.party_key = ch.party_key AND ${guard}
          AND t.document->>'id' = ch.location_id AND t.document->>'country_code' = ch.country_code AND t.document->>'party_id' = ch.party_id
        RETURNING ch.n, ch.patch, ch.stamp, ch.path, ch.key_suffix, ch.country_code, ch.party_id, t.document::text AS text, ${changed}::text AS object,
                  t.document->>'last_updated' AS location_stamp, t.change_xid::text AS xid),
      tg AS (${pushTargetsSql(this.schema, '$9::text', '$10::text[]', 'EXISTS (SELECT 1 FROM u)')}),
      ${push.ctes}
      SELECT u.n::text AS n, u.text, u.object, u.location_stamp, u.xid, ${push.lanes} AS lanes, ${push.fanout} AS fanout FROM u`;
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
