/**
 * The rules of the tariffs Receiver interface of our eMSP parties (03-tariffs §3.2, transport
 * §8): Client Owned Objects, so only the CPO that owns a tariff may write, delete or read it; the
 * URL and the body must name the same tariff; an older version never replaces a newer one.
 * A received tariff is validated with the spec's shape only (`ReceivedTariff`), not with the rules
 * of our own tariff engine: it is the CPO's tariff, we store what it publishes, and what our engine
 * would find unusual is noted in the peer's data-quality report.
 */
import { z } from 'zod';
import { type WriteOutcome, assertCallerOwns, ignoredAsOlder } from '../shared/client-owned.js';
import type { AppContext } from '../../../context.js';
import type { AuthenticatedPeer, PartyRef } from '../../../ocpi/context.js';
import { invalidParameters, notFound } from '../../../ocpi/errors.js';
import { CountryCode, PartyId, ciEquals, ciString } from '../../../model/primitives.js';
import { noticeEngineRules } from './engine-notices.js';
import type { ReceivedTariff as Tariff } from '../../../model/tariff.js';
import { forgetRecipients, forgetRecipientsOf, recordRecipient } from '../shared/received-recipients.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { ReceivedTariffStore, type TariffKey, tariffKey } from './receiver-store.js';

/** `{country_code}/{party_id}` are the CPO's (the tariff owner's), not ours. */
export const ReceiverTariffPath = z.object({ country_code: CountryCode, party_id: PartyId, tariff_id: ciString(36) });
export type ReceiverTariffPath = z.infer<typeof ReceiverTariffPath>;

export class ReceivedTariffsService {
  readonly store: ReceivedTariffStore;

  constructor(private readonly app: AppContext) {
    this.store = new ReceivedTariffStore(app.db, app.config.DATABASE_SCHEMA);
  }

  async getTariff(peer: AuthenticatedPeer, path: ReceiverTariffPath): Promise<Tariff> {
    const tariff = await this.store.get(this.app.db, this.ownedKey(peer, path));
    if (!tariff) throw unknownTariff(path);
    return tariff;
  }

  /**
   * Creates (201) or fully replaces (200) a tariff, and records `recipient` (the OCPI-to party of a
   * push, the party a pull asked as) once acknowledged, an ignored older version included.
   */
  async putTariff(peer: AuthenticatedPeer, path: ReceiverTariffPath, body: Tariff, recipient?: PartyRef): Promise<WriteOutcome> {
    const key = this.ownedKey(peer, path);
    checkField('country_code', body.country_code, path.country_code, 'country_code');
    checkField('party_id', body.party_id, path.party_id, 'party_id');
    checkField('id', body.id, path.tariff_id, 'tariff_id');
    const result = await this.store.upsert(this.app.db, key, peer.peerId, body);
    if (result) await noticeEngineRules(this.app, peer.peerId, 'tariffs', body.id, [body]);
    const outcome: WriteOutcome = result
      ? { kind: result.created ? 'created' : 'replaced' }
      : ignoredAsOlder(body.last_updated, (await this.store.get(this.app.db, key))?.last_updated);
    await recordRecipient(this.app, 'tariffs', path, path.tariff_id, recipient);
    return outcome;
  }

  /** Removes a tariff the CPO no longer offers, and who it was sent to; an unknown one is 404 (2000). */
  async deleteTariff(peer: AuthenticatedPeer, path: ReceiverTariffPath): Promise<void> {
    if (!(await this.store.delete(this.app.db, this.ownedKey(peer, path)))) throw unknownTariff(path);
    await forgetRecipients(this.app, 'tariffs', path, path.tariff_id);
  }

  /**
   * After a full pull of `peer`'s tariffs that read every page and skipped none as invalid: the
   * tariffs of its CPO parties it sent us before and no longer lists are deleted, as its DELETE
   * would (03-tariffs: the list is complete, what it lacks is no longer valid). Tariffs changed
   * after `startedAt` stay: one created while the list was read may be missing from earlier pages.
   */
  async retireUnlisted(peer: AuthenticatedPeer, listed: Array<{ country_code: string; party_id: string; id: string }>, startedAt: Date): Promise<number> {
    const owners = [...new Set(peer.roles.filter((r) => r.role === 'CPO').map((r) => partyKey(r.countryCode, r.partyId)))];
    if (owners.length === 0) return 0;
    const keys = listed.map((t) => tariffKey(t.country_code, t.party_id, t.id));
    return this.app.db.$transaction(async (tx) => {
      const gone = await this.store.deleteUnlisted(tx, peer.peerId, owners, keys, startedAt);
      await forgetRecipientsOf(
        this.app,
        tx,
        'tariffs',
        gone.map((k) => ({ partyKey: k.partyKey, objectKey: k.tariffKey })),
      );
      return gone.length;
    });
  }

  /**
   * The key of the addressed tariff, once the URL's party is known to belong to the caller.
   * Otherwise HTTP 404 (transport §8): a peer must not read, overwrite or delete another CPO's
   * tariffs, and must not learn whether they exist.
   */
  private ownedKey(peer: AuthenticatedPeer, path: ReceiverTariffPath): TariffKey {
    assertCallerOwns(peer, path.country_code, path.party_id, 'tariffs');
    return tariffKey(path.country_code, path.party_id, path.tariff_id);
  }
}

/** An identity field of the body must name the object of the URL (2001, transport §8). */
function checkField(field: string, given: string, expected: string, param: string): void {
  if (!ciEquals(given, expected)) throw invalidParameters(`body.${field}: ${given} does not match the ${param} in the path (${expected})`);
}

function unknownTariff(path: ReceiverTariffPath) {
  return notFound(`Unknown tariff ${path.country_code}/${path.party_id}/${path.tariff_id}`);
}

/** The service of one platform instance. */
declare module '../../../context.js' {
  interface Services {
    receivedTariffs: ReceivedTariffsService;
  }
}
