/**
 * Storage of the tariffs CPO peers pushed to our eMSP parties (03-tariffs §3.2): one JSONB
 * document per Tariff, keyed by the owner's party key and the upper-cased tariff id.
 */
import type { Db } from '../../../db/prisma.js';
import { ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { ReceivedDocumentStore, type Tx } from '../shared/received-documents.js';
import type { ReceivedTariff as Tariff } from '../../../model/tariff.js';

/** The identity of a received tariff, normalised the way it is indexed. */
export interface TariffKey {
  partyKey: string;
  tariffKey: string;
}

export function tariffKey(countryCode: string, partyId: string, tariffId: string): TariffKey {
  return { partyKey: partyKey(countryCode, partyId), tariffKey: ciKey(tariffId) };
}

export class ReceivedTariffStore extends ReceivedDocumentStore<Tariff, TariffKey> {
  constructor(db: Db, schema: string) {
    super(db, schema, 'received_tariff', 'tariff_key', (key) => key.tariffKey, tariffKey);
  }

  /**
   * Deletes the tariffs of these owners that this peer sent, last changed before `before`, and
   * not in `listed`. Returns the keys deleted.
   */
  deleteUnlisted(tx: Tx, peerId: string, partyKeys: string[], listed: TariffKey[], before: Date): Promise<TariffKey[]> {
    return tx.$queryRawUnsafe<TariffKey[]>(
      `DELETE FROM ${this.table} WHERE peer_id = $1::uuid AND party_key = ANY($2::text[]) AND last_updated < $3
          AND (party_key, tariff_key) NOT IN (SELECT * FROM unnest($4::text[], $5::text[]))
        RETURNING party_key AS "partyKey", tariff_key AS "tariffKey"`,
      peerId,
      partyKeys,
      before,
      listed.map((k) => k.partyKey),
      listed.map((k) => k.tariffKey),
    );
  }
}
