/**
 * The rules for our own tariffs (03-tariffs §1): a PUT replaces the whole tariff, only if it is
 * one the tariff engine accepts, never an older version over a newer one; a DELETE removes it
 * for good. Every change is pushed to every receiving peer in the same transaction.
 */
import type { AppContext } from '../../../context.js';
import type { Prisma } from '../../../db/prisma.js';
import type { OutboxMessageInput } from '../../../delivery/outbox.js';
import { CPO_DATA_RECEIVERS, pushTargets } from '../../../delivery/push-targets.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { ciEquals, ciKey } from '../../../model/primitives.js';
import { DomainError } from '../../../platform/domain-error.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { TariffValidationError, validateTariff } from '../../../tariffs/index.js';
import type { Tariff } from '../../../model/tariff.js';
import { OwnTariffStore } from './store.js';

export class OwnTariffsService {
  readonly store: OwnTariffStore;

  constructor(private readonly app: AppContext) {
    this.store = new OwnTariffStore(app.db, app.config.DATABASE_SCHEMA);
  }

  /** Creates or replaces a tariff of `party`; the body is a complete Tariff. */
  async put(party: PartyRef, tariffId: string, body: unknown): Promise<Tariff> {
    const tariff = checked(body);
    // The receiver URL carries party and id, and the spec wants them equal to the body's (03-tariffs §1.3).
    if (!ciEquals(tariff.id, tariffId)) throw invalid('body.id', `${tariff.id} does not match the tariff id in the path (${tariffId})`);
    if (!ciEquals(tariff.country_code, party.countryCode)) throw invalid('body.country_code', `${tariff.country_code} is not the party in the path (${party.countryCode})`);
    if (!ciEquals(tariff.party_id, party.partyId)) throw invalid('body.party_id', `${tariff.party_id} is not the party in the path (${party.partyId})`);
    const owner = partyKey(party.countryCode, party.partyId);
    const key = ciKey(tariffId);
    return this.app.db.$transaction(async (tx) => {
      const current = await this.store.lock(tx, owner, key);
      const stamp = new Date(tariff.last_updated);
      if (current && (stamp < current.lastUpdated || (current.deletedAt && stamp.getTime() === current.lastUpdated.getTime()))) {
        const what = current.deletedAt ? `its deletion (${current.deletedAt.toISOString()})` : `the stored version (${current.document.last_updated})`;
        throw new DomainError('conflict', `last_updated ${tariff.last_updated} is older than ${what}`);
      }
      if (!(await this.store.save(tx, owner, key, tariff))) {
        throw new DomainError('conflict', `last_updated ${tariff.last_updated} is older than a version stored at the same time`);
      }
      await this.push(tx, party, owner, key, { method: 'PUT', id: tariff.id, body: tariff, lastUpdated: stamp });
      return tariff;
    });
  }

  /** Removes a tariff for good (03-tariffs §1.3: "no longer used and never will be again"). */
  async remove(party: PartyRef, tariffId: string): Promise<void> {
    const owner = partyKey(party.countryCode, party.partyId);
    const key = ciKey(tariffId);
    await this.app.db.$transaction(async (tx) => {
      const current = await this.store.lock(tx, owner, key);
      if (!current || current.deletedAt) throw new DomainError('not_found', `Unknown tariff ${tariffId}`);
      // Now, but always after the version it removes: a backend clock ahead of ours must not
      // let the last PUT be ordered after the DELETE and bring the tariff back at the peer.
      const at = new Date(Math.max(Date.now(), current.lastUpdated.getTime() + 1));
      await this.store.markDeleted(tx, owner, key, at);
      await this.push(tx, party, owner, key, { method: 'DELETE', id: current.document.id, lastUpdated: at });
    });
  }

  async find(owner: string, tariffId: string): Promise<Tariff | null> {
    return this.store.get(owner, ciKey(tariffId));
  }

  /** Queues the change for every receiving peer, in the transaction that makes it. */
  private async push(
    tx: Prisma.TransactionClient,
    party: PartyRef,
    owner: string,
    key: string,
    change: { method: 'PUT' | 'DELETE'; id: string; body?: Tariff; lastUpdated: Date },
  ): Promise<void> {
    const targets = await pushTargets(tx, 'tariffs', CPO_DATA_RECEIVERS);
    const path = `/${[party.countryCode, party.partyId, change.id].map(encodeURIComponent).join('/')}`;
    const messages: OutboxMessageInput[] = targets.map((t) => ({
      peerId: t.peerId,
      objectKey: `tariffs:${t.to.countryCode}/${t.to.partyId}:${owner}/${key}`,
      kind: 'PUSH',
      module: 'tariffs',
      method: change.method,
      target: { interfaceRole: 'RECEIVER', path },
      body: change.body,
      // Both are the whole truth about the tariff: a DELETE supersedes every older update.
      fullVersion: true,
      lastUpdated: change.lastUpdated,
      from: { countryCode: party.countryCode, partyId: party.partyId },
      to: t.to,
    }));
    await this.app.outbox.enqueue(tx, messages);
  }
}

/** The tariff engine's own check, so we never publish a tariff nobody can price. */
function checked(body: unknown): Tariff {
  try {
    return validateTariff(body);
  } catch (e) {
    if (!(e instanceof TariffValidationError)) throw e;
    const fields = e.issues.map((i) => ({ path: i.field ? `body.${i.field}` : 'body', message: i.message }));
    throw new DomainError('invalid', fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields);
  }
}

function invalid(path: string, message: string): DomainError {
  return new DomainError('invalid', `${path}: ${message}`, [{ path, message }]);
}

/** The service of one platform instance. */
declare module '../../../context.js' {
  interface Services {
    ownTariffs: OwnTariffsService;
  }
}
