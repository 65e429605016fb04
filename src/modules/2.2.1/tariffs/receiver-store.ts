/**
 * Storage of the tariffs CPO peers pushed to our eMSP parties (03-tariffs §3.2): one JSONB
 * document per Tariff, keyed by the owner's party key and the upper-cased tariff id.
 */
import type { Db } from '../../../db/prisma.js';
import { ciKey } from '../../../ocpi/types.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { ReceivedDocumentStore } from '../shared/received-documents.js';
import type { Tariff } from '../../../tariffs/schemas.js';

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
}
