/**
 * Storage of the tariffs CPO peers pushed to our eMSP parties (03-tariffs §3.2): one JSONB
 * document per Tariff, keyed by the owner's party key and the upper-cased tariff id.
 */
import type { Db, Prisma } from '../../../db/prisma.js';
import { ciKey } from '../../../ocpi/types.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { Tariff } from '../../../tariffs/schemas.js';

type Tx = Prisma.TransactionClient | Db;

/** The identity of a received tariff, normalised the way it is indexed. */
export interface TariffKey {
  partyKey: string;
  tariffKey: string;
}

export function tariffKey(countryCode: string, partyId: string, tariffId: string): TariffKey {
  return { partyKey: partyKey(countryCode, partyId), tariffKey: ciKey(tariffId) };
}

export class ReceivedTariffStore {
  private readonly table: string;

  constructor(
    private readonly db: Db,
    schema: string,
  ) {
    this.table = `"${schema.replace(/"/g, '""')}"."received_tariff"`;
  }

  /** The stored tariff, or null (case-insensitive ids). */
  async find(countryCode: string, partyId: string, tariffId: string): Promise<Tariff | null> {
    return this.get(this.db, tariffKey(countryCode, partyId, tariffId));
  }

  async get(tx: Tx, key: TariffKey): Promise<Tariff | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ document: Tariff }>>(
      `SELECT document FROM ${this.table} WHERE party_key = $1 AND tariff_key = $2`,
      key.partyKey,
      key.tariffKey,
    );
    return rows[0]?.document ?? null;
  }

  /**
   * Creates or replaces a tariff in one statement, unless the stored version is newer (the guard
   * sits in the upsert so two concurrent PUTs cannot let the older one win). `created` tells a
   * new tariff (201) from a replaced one (200); null means nothing changed.
   */
  async upsert(tx: Tx, key: TariffKey, peerId: string, tariff: Tariff): Promise<{ created: boolean } | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ created: boolean }>>(
      `INSERT INTO ${this.table} AS t (party_key, tariff_key, peer_id, last_updated, document) VALUES ($1, $2, $3::uuid, $4, $5::jsonb)
       ON CONFLICT (party_key, tariff_key) DO UPDATE SET peer_id = EXCLUDED.peer_id, last_updated = EXCLUDED.last_updated, document = EXCLUDED.document
       WHERE t.last_updated <= EXCLUDED.last_updated
       RETURNING (xmax = 0) AS created`,
      key.partyKey,
      key.tariffKey,
      peerId,
      new Date(tariff.last_updated),
      JSON.stringify(tariff),
    );
    return rows[0] ?? null;
  }

  /** Deletes a tariff; false when there was none. */
  async delete(tx: Tx, key: TariffKey): Promise<boolean> {
    const count = await tx.$executeRawUnsafe(`DELETE FROM ${this.table} WHERE party_key = $1 AND tariff_key = $2`, key.partyKey, key.tariffKey);
    return count > 0;
  }
}
