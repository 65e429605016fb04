/**
 * Our CPO parties' CDRs (06-cdrs): immutable once stored (a correction is a credit CDR with a
 * new id), POSTed only to the eMSP that owns the token, readable only by it.
 */
import type { AppContext } from '../../../context.js';
import { tokenOwnerTargets } from '../../../delivery/push-targets.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { ciEquals } from '../../../model/primitives.js';
import { DomainError } from '../../../platform/domain-error.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { type Cdr, OutboundCdr } from '../../../model/cdr.js';
import { OwnedDocumentStore } from '../shared/owned-documents.js';
import type { Prisma } from '../../../db/prisma.js';

export class OwnCdrsService {
  readonly store: OwnedDocumentStore<Cdr>;

  constructor(private readonly app: AppContext) {
    this.store = new OwnedDocumentStore<Cdr>(app.db, app.config.DATABASE_SCHEMA, 'own_cdr');
  }

  async get(party: PartyRef, cdrId: string): Promise<Cdr | null> {
    return (await this.store.get(OwnedDocumentStore.key(partyKey(party.countryCode, party.partyId), cdrId)))?.document ?? null;
  }

  /** `tx`: the caller's transaction, when the CDR must commit or roll back with another change. */
  async create(party: PartyRef, input: unknown, tx?: Prisma.TransactionClient): Promise<Cdr> {
    const checked = OutboundCdr.safeParse(input);
    if (!checked.success) {
      const fields = checked.error.issues.map((i) => ({ path: ['body', ...i.path.map(String)].join('.'), message: i.message }));
      throw new DomainError('invalid', fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields);
    }
    const cdr = checked.data;
    if (!ciEquals(cdr.country_code, party.countryCode) || !ciEquals(cdr.party_id, party.partyId)) {
      throw new DomainError('invalid', `body.country_code/party_id: must be the party in the path (${party.countryCode}/${party.partyId})`);
    }
    const owner = partyKey(party.countryCode, party.partyId);
    const key = OwnedDocumentStore.key(owner, cdr.id);
    const inTransaction = <T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> => (tx ? work(tx) : this.app.db.$transaction(work));
    return inTransaction(async (tx) => {
      if (cdr.credit) {
        // The schema requires credit_reference_id when credit is true.
        const original = cdr.credit_reference_id ? await this.store.lock(tx, OwnedDocumentStore.key(owner, cdr.credit_reference_id)) : null;
        if (!original) throw new DomainError('invalid', `body.credit_reference_id: no CDR ${cdr.credit_reference_id} to credit`);
      }
      const tokenOwner = { countryCode: cdr.cdr_token.country_code, partyId: cdr.cdr_token.party_id };
      if (!(await this.store.insert(tx, key, owner, partyKey(tokenOwner.countryCode, tokenOwner.partyId), cdr))) {
        throw new DomainError('conflict', `CDR ${cdr.id} exists already: CDRs are immutable, send a credit CDR to correct one`);
      }
      const targets = await tokenOwnerTargets(tx, 'cdrs', tokenOwner);
      await this.app.outbox.enqueue(
        tx,
        targets.map((t) => ({
          peerId: t.peerId,
          objectKey: `cdrs:${t.to.countryCode}/${t.to.partyId}:${key}`,
          kind: 'PUSH' as const,
          module: 'cdrs',
          method: 'POST' as const,
          target: { interfaceRole: 'RECEIVER' as const, path: '' },
          body: cdr,
          fullVersion: true,
          lastUpdated: new Date(cdr.last_updated),
          from: { countryCode: cdr.country_code, partyId: cdr.party_id },
          to: t.to,
        })),
      );
      return cdr;
    });
  }
}

/** The service of one platform instance. */
declare module '../../../context.js' {
  interface Services {
    ownCdrs: OwnCdrsService;
  }
}
