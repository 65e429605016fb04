import { type WriteOutcome, assertCallerOwns, ignoredAsOlder } from '../shared/client-owned.js';
import type { AppContext } from '../../../context.js';
import type { Prisma } from '../../../db/prisma.js';
import type { AuthenticatedPeer } from '../../../ocpi/context.js';
import { fromZod, invalidParameters, notFound } from '../../../ocpi/errors.js';
import { ciEquals } from '../../../model/primitives.js';
import { Session, type SessionPatch } from '../../../model/session.js';
import type { ReceiverSessionPath } from './schemas.js';
import { ReceivedSessionStore, type SessionKey, sessionKey } from './receiver-store.js';
import { emitSessionEvents } from './receiver-events.js';
import { forwardToDelegate } from './receiver-forward.js';
import { type Routing, forwardedBy, isScspRecipient, mayForward, noteScspSession } from './receiver-scsp.js';

export class ReceivedSessionsService {
  readonly store: ReceivedSessionStore;

  constructor(private readonly app: AppContext) {
    this.store = new ReceivedSessionStore(app.db, app.config.DATABASE_SCHEMA);
  }

  /** `routing`: the parties of a pushed request (an SCSP receiver, an eMSP forwarding); none for a pull. */
  async getSession(peer: AuthenticatedPeer, path: ReceiverSessionPath, routing?: Routing): Promise<Session> {
    const key = sessionKey(path.country_code, path.party_id, path.session_id);
    if (!(routing && (await forwardedBy(this.app, key, routing)))) this.ownedKey(peer, path);
    const session = await this.store.get(this.app.db, key);
    if (!session) throw unknownSession(path);
    return session;
  }

  /** Creates (201) or fully replaces (200) a session, charging_periods included (an absent list wipes them). */
  async putSession(peer: AuthenticatedPeer, path: ReceiverSessionPath, body: Session, routing?: Routing): Promise<WriteOutcome> {
    // An eMSP may forward its driver's session (of another party's CPO) to our SCSP.
    const forwarded = await mayForward(this.app, peer, routing, body);
    const key = forwarded ? sessionKey(path.country_code, path.party_id, path.session_id) : this.ownedKey(peer, path);
    checkIdentity(path, body);
    // The version held before decides which backend event this write gives (started, updated, ended).
    return this.app.db.$transaction(async (tx): Promise<WriteOutcome> => {
      const previous = await this.store.lock(tx, key);
      // A forwarding eMSP writes only its own drivers' sessions: never over another eMSP's one.
      if (forwarded && previous && !sameParty(previous.cdr_token, body.cdr_token)) this.ownedKey(peer, path);
      const result = await this.store.upsert(tx, key, peer.peerId, body);
      if (!result) return ignoredAsOlder(body.last_updated, (previous ?? (await this.store.get(tx, key)))?.last_updated);
      await this.afterWrite(tx, key, peer, routing, previous, body);
      return { kind: result.created ? 'created' : 'replaced' };
    });
  }

  /** Events for the token's eMSP, the note and events of an SCSP receiver, the forward to the eMSP's SCSP. */
  private async afterWrite(tx: Prisma.TransactionClient, key: SessionKey, peer: AuthenticatedPeer, routing: Routing | undefined, previous: Session | null, next: Session) {
    await emitSessionEvents(this.app, tx, previous, next);
    if (routing && (await isScspRecipient(this.app, routing.to, next))) await noteScspSession(this.app, tx, key, peer.peerId, routing, previous, next);
    await forwardToDelegate(this.app, tx, next);
  }

  /**
   * Changes the given fields of a known session under a row lock; charging_periods are appended
   * (absent, null or empty: no change). An unknown session is 404: the CPO then PUTs it. The
   * result is validated as a whole Session (else 2001, nothing changes).
   */
  async patchSession(peer: AuthenticatedPeer, path: ReceiverSessionPath, body: SessionPatch, routing?: Routing): Promise<WriteOutcome> {
    const key = this.ownedKey(peer, path);
    checkIdentity(path, body);
    return this.app.db.$transaction(async (tx) => {
      const current = await this.store.lock(tx, key);
      if (!current) throw unknownSession(path);
      if (isOlder(body.last_updated, current.last_updated)) return ignoredAsOlder(body.last_updated, current.last_updated);
      const { charging_periods: added, ...fields } = body;
      const next: Session = { ...current, ...fields };
      if (added && added.length > 0) next.charging_periods = appendNew(current.charging_periods ?? [], added);
      const merged = Session.safeParse(next);
      if (!merged.success) throw fromZod(merged.error);
      await this.store.replace(tx, key, peer.peerId, merged.data);
      await this.afterWrite(tx, key, peer, routing, current, merged.data);
      return { kind: 'updated' as const };
    });
  }

  /**
   * The key of the addressed session, once the URL's party is known to belong to the caller.
   * Otherwise HTTP 404 (transport §8): a peer must not read or overwrite another CPO's sessions,
   * and must not learn whether they exist.
   */
  private ownedKey(peer: AuthenticatedPeer, path: ReceiverSessionPath): SessionKey {
    assertCallerOwns(peer, path.country_code, path.party_id, 'sessions');
    return sessionKey(path.country_code, path.party_id, path.session_id);
  }
}

const sameParty = (a: Session['cdr_token'], b: Session['cdr_token']) => ciEquals(a.country_code, b.country_code) && ciEquals(a.party_id, b.party_id);

function checkIdentity(path: ReceiverSessionPath, body: Partial<Session>): void {
  if (body.country_code !== undefined) checkField('country_code', body.country_code, path.country_code, 'country_code');
  if (body.party_id !== undefined) checkField('party_id', body.party_id, path.party_id, 'party_id');
  if (body.id !== undefined) checkField('id', body.id, path.session_id, 'session_id');
}

/** An identity field of the body must name the object of the URL (2001, transport §8). */
function checkField(field: string, given: string, expected: string, param: string): void {
  if (!ciEquals(given, expected)) throw invalidParameters(`body.${field}: ${given} does not match the ${param} in the path (${expected})`);
}

function unknownSession(path: ReceiverSessionPath) {
  return notFound(`Unknown session ${path.country_code}/${path.party_id}/${path.session_id}: PUT the full session first`);
}

/**
 * Appends the periods not already held. A resent PATCH (a retry after a lost answer, with the same
 * last_updated) or a CPO that PATCHes its whole list each time (P3) would otherwise double the
 * energy and time the driver sees. Two periods are the same when they start at the same instant
 * with the same tariff and dimensions.
 */
function appendNew(held: NonNullable<Session['charging_periods']>, added: NonNullable<Session['charging_periods']>): NonNullable<Session['charging_periods']> {
  const identity = (p: (typeof held)[number]) => JSON.stringify([Date.parse(p.start_date_time), p.tariff_id ?? null, p.dimensions]);
  const seen = new Set(held.map(identity));
  const fresh = added.filter((p) => {
    const id = identity(p);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return [...held, ...fresh];
}

function isOlder(given: string, stored: string): boolean {
  return Date.parse(given) < Date.parse(stored);
}

/** An older version is acknowledged and dropped (valid message, we simply hold something newer). */

/** The service of one platform instance. */
declare module '../../../context.js' {
  interface Services {
    receivedSessions: ReceivedSessionsService;
  }
}
