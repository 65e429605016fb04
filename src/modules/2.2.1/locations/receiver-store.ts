/**
 * Storage of the locations CPO peers pushed to our eMSP parties (02-locations §3): one JSONB
 * document per Location, EVSEs and Connectors included, keyed by the owner's party key and the
 * upper-cased location id. Child writes are read-modify-write of that document under a lock.
 */
import { hotQuery } from '../../../db/hot-statements.js';
import type { Db } from '../../../db/prisma.js';
import { ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { ReceivedDocumentStore } from '../shared/received-documents.js';
import { recipientTable } from '../shared/received-recipients.js';
import type { Location } from '../../../model/location.js';

/** A child PATCH applied in place: the addressed EVSE (and connector), the validated body, its stamp. */
export interface InPlacePatch {
  evseKey: string;
  connectorKey?: string;
  patch: Record<string, unknown>;
  stamp: string;
  /** The party key of the recipient to record in the same statement (received-recipients.ts). */
  recipientKey?: string;
}

// The canonical form every stored DateTime has (types.ts DateTime: toISOString()); between two such
// texts, byte order is time order. Anything else is left to the general path.
export const CANONICAL_STAMP = `'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$'`;

/** The identity of a received location, normalised the way it is indexed. */
export interface LocationKey {
  partyKey: string;
  locationKey: string;
}

export function locationKey(countryCode: string, partyId: string, locationId: string): LocationKey {
  return { partyKey: partyKey(countryCode, partyId), locationKey: ciKey(locationId) };
}

export class ReceivedLocationStore extends ReceivedDocumentStore<Location, LocationKey> {
  private readonly recipients: string;
  private readonly inPlaceSql = new Map<string, string>();

  constructor(db: Db, schema: string) {
    super(db, schema, 'received_location', 'location_key', (key) => key.locationKey, locationKey);
    this.recipients = recipientTable(schema);
  }

  /**
   * An EVSE or connector PATCH as one UPDATE: the merge (`||`, i.e. `{...child, ...patch}`), the
   * stamps carried up to the EVSE and location, and the "older than held" rule all run in
   * PostgreSQL against the row version the UPDATE locks (a concurrent writer's commit is re-read,
   * so no update is lost or reordered). The recipient is recorded in the same statement.
   * Returns false when nothing was written (unknown location/EVSE/connector, an older version, a
   * stamp not in canonical form): the caller then takes the general path, which answers those.
   */
  async patchInPlace(key: LocationKey, peerId: string, change: InPlacePatch): Promise<boolean> {
    const args: unknown[] = [key.partyKey, key.locationKey, change.evseKey, change.stamp, JSON.stringify(change.patch), peerId];
    if (change.connectorKey !== undefined) args.push(change.connectorKey);
    if (change.recipientKey !== undefined) args.push(change.recipientKey);
    const variant = `${change.connectorKey !== undefined}${change.recipientKey !== undefined}`;
    let sql = this.inPlaceSql.get(variant);
    if (!sql) this.inPlaceSql.set(variant, (sql = this.inPlaceStatement(change.connectorKey !== undefined, change.recipientKey !== undefined)));
    const rows = await hotQuery<{ n: number }>(this.db, sql, args);
    return rows[0].n === 1;
  }

  /** The statement of patchInPlace; $7 is the connector key (if any), then the recipient key (if any). */
  private inPlaceStatement(connector: boolean, recipient: boolean): string {
    const evseIndex = `(SELECT (a.i - 1)::int FROM jsonb_array_elements(CASE WHEN jsonb_typeof(t.document->'evses') = 'array' THEN t.document->'evses' ELSE '[]'::jsonb END) WITH ORDINALITY AS a(e, i)
      WHERE jsonb_typeof(a.e) = 'object' AND upper((a.e->>'uid') COLLATE "C") = $3::text ORDER BY a.i LIMIT 1)`;
    const evse = `(t.document->'evses'->${evseIndex})`;
    const evseStamp = `(${evse}->>'last_updated') COLLATE "C"`;
    // The location's stamp column always equals its document's last_updated.
    const located = `CASE WHEN t.last_updated < $4::text::timestamptz THEN jsonb_set(t.document, '{last_updated}', to_jsonb($4::text)) ELSE t.document END`;
    let newEvse = `${evse} || $5::jsonb`;
    let guard = `${evseIndex} IS NOT NULL AND ${evseStamp} ~ ${CANONICAL_STAMP} AND ${evseStamp} <= $4::text`;
    if (connector) {
      const connectorIndex = `(SELECT (c.i - 1)::int FROM jsonb_array_elements(CASE WHEN jsonb_typeof(${evse}->'connectors') = 'array' THEN ${evse}->'connectors' ELSE '[]'::jsonb END) WITH ORDINALITY AS c(e, i)
        WHERE jsonb_typeof(c.e) = 'object' AND upper((c.e->>'id') COLLATE "C") = $7::text ORDER BY c.i LIMIT 1)`;
      const connectorStamp = `(${evse}->'connectors'->${connectorIndex}->>'last_updated') COLLATE "C"`;
      const patched = `jsonb_set(${evse}, ARRAY['connectors', ${connectorIndex}::text], (${evse}->'connectors'->${connectorIndex}) || $5::jsonb)`;
      // The EVSE takes the connector's stamp unless it holds a newer one (service withStamp).
      newEvse = `CASE WHEN ${evseStamp} < $4::text THEN jsonb_set(${patched}, '{last_updated}', to_jsonb($4::text)) ELSE ${patched} END`;
      guard = `${evseIndex} IS NOT NULL AND ${connectorIndex} IS NOT NULL AND ${evseStamp} ~ ${CANONICAL_STAMP}
        AND ${connectorStamp} ~ ${CANONICAL_STAMP} AND ${connectorStamp} <= $4::text`;
    }
    const update = `UPDATE ${this.table} AS t SET peer_id = $6::uuid, last_updated = GREATEST(t.last_updated, $4::text::timestamptz),
        document = jsonb_set(${located}, ARRAY['evses', ${evseIndex}::text], ${newEvse})
      WHERE t.party_key = $1::text AND t.location_key = $2::text AND ${guard} RETURNING 1`;
    if (!recipient) return `WITH u AS (${update}) SELECT count(*)::int AS n FROM u`;
    return `WITH u AS (${update}), r AS (INSERT INTO ${this.recipients} (recipient_key, module, party_key, object_key)
        SELECT $${connector ? 8 : 7}::text, 'locations', $1::text, $2::text FROM u ON CONFLICT DO NOTHING)
      SELECT count(*)::int AS n FROM u`;
  }
}
