/**
 * Our CPO parties' sessions (05-sessions): the backend creates and updates them, each change
 * goes only to the eMSP that owns the session's token (and to the SCSP the CPO delegated the
 * location's smart charging to), PATCHed charging periods are appended, and a COMPLETED session
 * is final.
 */
import type { AppContext } from '../../../context.js';
import { scspTargets, tokenOwnerTargets } from '../../../delivery/push-targets.js';
import { cpoDelegate } from '../../../platform/delegations/delegations.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { ciEquals, formatDateTime } from '../../../model/primitives.js';
import { DomainError } from '../../../platform/domain-error.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { Session } from '../../../model/session.js';
import { OwnedDocumentStore } from '../shared/owned-documents.js';
import { clearsAField, withoutNulls } from '../shared/removals.js';
import type { Prisma } from '../../../db/prisma.js';

type AnyObject = Record<string, unknown>;

export class OwnSessionsService {
  readonly store: OwnedDocumentStore<Session>;

  constructor(private readonly app: AppContext) {
    this.store = new OwnedDocumentStore<Session>(app.db, app.config.DATABASE_SCHEMA, 'own_session');
  }

  async get(party: PartyRef, sessionId: string): Promise<Session | null> {
    return (await this.store.get(OwnedDocumentStore.key(partyKey(party.countryCode, party.partyId), sessionId)))?.document ?? null;
  }

  /** Creates or replaces the whole session (charging periods included). */
  put(party: PartyRef, sessionId: string, body: Session): Promise<Session> {
    if (!ciEquals(body.id, sessionId)) throw new DomainError('invalid', `body.id: ${body.id} does not match the session id in the path (${sessionId})`);
    if (!ciEquals(body.country_code, party.countryCode) || !ciEquals(body.party_id, party.partyId)) {
      throw new DomainError('invalid', `body.country_code/party_id: must be the party in the path (${party.countryCode}/${party.partyId})`);
    }
    return this.change(party, sessionId, 'PUT', body as unknown as AnyObject, () => body);
  }

  /**
   * Changes some fields; charging_periods given here are appended (05-sessions §2.3). A change
   * that clears a field (null) is stored without it and pushed as a PUT of the whole session:
   * a PATCH cannot remove anything at the receiver (shared/removals.ts). `tx`: the caller's
   * transaction, when the change must commit or roll back with something else.
   */
  patch(party: PartyRef, sessionId: string, body: AnyObject, tx?: Prisma.TransactionClient): Promise<Session> {
    const stamped: AnyObject = { ...body, last_updated: body.last_updated ?? formatDateTime(new Date()) };
    for (const field of ['id', 'country_code', 'party_id'] as const) {
      if (body[field] !== undefined) throw new DomainError('invalid', `body.${field}: cannot be changed`);
    }
    // No periods (null or []) means nothing to append, not a removal of the stored ones.
    const periods = stamped.charging_periods;
    if (periods === null || (Array.isArray(periods) && periods.length === 0)) delete stamped.charging_periods;
    const clears = clearsAField(stamped);
    const merge = (current: Session | null): Session => {
      if (!current) throw new DomainError('not_found', `Unknown session ${sessionId}`);
      const added = (stamped.charging_periods as Session['charging_periods']) ?? [];
      const merged = { ...current, ...stamped, charging_periods: [...(current.charging_periods ?? []), ...added] } as Session;
      return clears ? withoutNulls(merged) : merged;
    };
    return this.change(party, sessionId, clears ? 'PUT' : 'PATCH', stamped, merge, tx);
  }

  private async change(
    party: PartyRef,
    sessionId: string,
    method: 'PUT' | 'PATCH',
    pushed: AnyObject,
    next: (current: Session | null) => Session,
    outer?: Prisma.TransactionClient,
  ): Promise<Session> {
    const owner = partyKey(party.countryCode, party.partyId);
    const key = OwnedDocumentStore.key(owner, sessionId);
    const inTransaction = <T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> => (outer ? work(outer) : this.app.db.$transaction(work));
    return inTransaction(async (tx) => {
      const current = await this.store.lock(tx, key);
      if (current?.status === 'COMPLETED') throw new DomainError('conflict', `Session ${sessionId} is COMPLETED and cannot change any more`);
      const candidate = next(current);
      if (current && Date.parse(candidate.last_updated) < Date.parse(current.last_updated)) {
        throw new DomainError('conflict', `last_updated ${candidate.last_updated} is older than the stored version (${current.last_updated})`);
      }
      const checked = Session.safeParse(candidate);
      if (!checked.success) {
        const fields = checked.error.issues.map((i) => ({ path: ['body', ...i.path.map(String)].join('.'), message: i.message }));
        throw new DomainError('invalid', fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields);
      }
      const session = checked.data;
      const tokenOwner = { countryCode: session.cdr_token.country_code, partyId: session.cdr_token.party_id };
      await this.store.save(tx, key, owner, partyKey(tokenOwner.countryCode, tokenOwner.partyId), session);
      // The eMSP of the token, and the SCSP the CPO delegated this location's smart charging to.
      const delegate = await cpoDelegate(tx, party, session.location_id);
      const targets = [...(await tokenOwnerTargets(tx, 'sessions', tokenOwner)), ...(delegate ? await scspTargets(tx, 'sessions', delegate.scsp) : [])];
      await this.app.outbox.enqueue(
        tx,
        targets.map((t) => ({
          peerId: t.peerId,
          objectKey: `sessions:${t.to.countryCode}/${t.to.partyId}:${key}`,
          kind: 'PUSH' as const,
          module: 'sessions',
          method,
          target: { interfaceRole: 'RECEIVER' as const, path: `/${session.country_code}/${session.party_id}/${encodeURIComponent(session.id)}` },
          body: method === 'PUT' ? session : pushed,
          // A PUT is complete except that later PATCHes append periods: only a PUT supersedes.
          fullVersion: method === 'PUT',
          lastUpdated: new Date(session.last_updated),
          from: { countryCode: session.country_code, partyId: session.party_id },
          to: t.to,
        })),
      );
      return session;
    });
  }
}

/** The service of one platform instance. */
declare module '../../../context.js' {
  interface Services {
    ownSessions: OwnSessionsService;
  }
}
