/**
 * Storage of the locations CPO peers pushed to our eMSP parties (02-locations §3): one JSONB
 * document per Location, EVSEs and Connectors included, keyed by the owner's party key and the
 * upper-cased location id. Child writes are read-modify-write of that document under a lock.
 */
import type { Db, Prisma } from '../../../db/prisma.js';
import { ciKey } from '../../../ocpi/types.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { Location } from './schemas.js';

type Tx = Prisma.TransactionClient | Db;

/** The identity of a received location, normalised the way it is indexed. */
export interface LocationKey {
  partyKey: string;
  locationKey: string;
}

export function locationKey(countryCode: string, partyId: string, locationId: string): LocationKey {
  return { partyKey: partyKey(countryCode, partyId), locationKey: ciKey(locationId) };
}

export class ReceivedLocationStore {
  private readonly table: string;

  constructor(
    private readonly db: Db,
    schema: string,
  ) {
    this.table = `"${schema.replace(/"/g, '""')}"."received_location"`;
  }

  /** The stored location, or null (case-insensitive ids). */
  async find(countryCode: string, partyId: string, locationId: string): Promise<Location | null> {
    return this.get(this.db, locationKey(countryCode, partyId, locationId));
  }

  async get(tx: Tx, key: LocationKey): Promise<Location | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ document: Location }>>(
      `SELECT document FROM ${this.table} WHERE party_key = $1 AND location_key = $2`,
      key.partyKey,
      key.locationKey,
    );
    return rows[0]?.document ?? null;
  }

  /** Reads and locks a location for a read-modify-write (PATCH, child PUT) in this transaction. */
  async lock(tx: Tx, key: LocationKey): Promise<Location | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ document: Location }>>(
      `SELECT document FROM ${this.table} WHERE party_key = $1 AND location_key = $2 FOR UPDATE`,
      key.partyKey,
      key.locationKey,
    );
    return rows[0]?.document ?? null;
  }

  /**
   * Creates or replaces a location in one statement, unless the stored version is newer: the
   * guard sits in the upsert so two concurrent PUTs cannot let the older one win. `created`
   * tells a new location (201) from a replaced one (200); null means nothing changed.
   */
  async upsert(tx: Tx, key: LocationKey, peerId: string, location: Location): Promise<{ created: boolean } | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ created: boolean }>>(
      `INSERT INTO ${this.table} AS t (party_key, location_key, peer_id, last_updated, document) VALUES ($1, $2, $3::uuid, $4, $5::jsonb)
       ON CONFLICT (party_key, location_key) DO UPDATE SET peer_id = EXCLUDED.peer_id, last_updated = EXCLUDED.last_updated, document = EXCLUDED.document
       WHERE t.last_updated <= EXCLUDED.last_updated
       RETURNING (xmax = 0) AS created`,
      key.partyKey,
      key.locationKey,
      peerId,
      new Date(location.last_updated),
      JSON.stringify(location),
    );
    return rows[0] ?? null;
  }

  /** Overwrites a locked location (the caller decided the write is not stale). */
  async replace(tx: Tx, key: LocationKey, peerId: string, location: Location): Promise<void> {
    await tx.$executeRawUnsafe(
      `UPDATE ${this.table} SET peer_id = $3::uuid, last_updated = $4, document = $5::jsonb WHERE party_key = $1 AND location_key = $2`,
      key.partyKey,
      key.locationKey,
      peerId,
      new Date(location.last_updated),
      JSON.stringify(location),
    );
  }
}
