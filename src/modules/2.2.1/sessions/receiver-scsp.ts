/**
 * Sessions received by our SCSP parties (05-sessions: the SCSP is a Sessions Receiver when a CPO
 * or an eMSP delegated smart charging to it). The session is stored with every other received
 * session; `scsp_session` notes which of our SCSP parties got it and from whom (the party its
 * charging profile requests go to), and its backend is told like an eMSP's.
 *
 * An eMSP forwards its drivers' sessions under the CPO's `{country_code}/{party_id}`: a party it
 * did not register. That is accepted when the caller speaks for the sender (OCPI-from-*), the
 * session runs on a token of that sender, and the receiver is one of our SCSP parties.
 */
import type { AppContext } from '../../../context.js';
import { enqueueEmspEvent } from '../../../backends/emsp-events.js';
import type { Prisma } from '../../../db/prisma.js';
import type { AuthenticatedPeer, PartyRef } from '../../../ocpi/context.js';
import { ciEquals } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { Session } from '../../../model/session.js';
import type { SessionKey } from './receiver-store.js';
import { sessionEventTypes } from './receiver-events.js';

export interface Routing {
  from: PartyRef;
  to: PartyRef;
}

const same = (a: PartyRef, cc: string | undefined, pid: string | undefined) => ciEquals(a.countryCode, cc) && ciEquals(a.partyId, pid);

/** Whether `to` is one of our SCSP parties that is not (also) the eMSP of the session's token. */
export async function isScspRecipient(app: AppContext, to: PartyRef | undefined, session: Pick<Session, 'cdr_token'> | null): Promise<boolean> {
  if (!to) return false;
  const party = (await app.parties.listCached()).find((p) => same(to, p.countryCode, p.partyId));
  if (!party?.roles.includes('SCSP')) return false;
  return !(session && party.roles.includes('EMSP') && same(to, session.cdr_token.country_code, session.cdr_token.party_id));
}

/**
 * A session an eMSP forwards to our SCSP: the sender is one of the caller's eMSP-like parties and
 * the token is the sender's. (A CPO writing its own sessions needs none of this.)
 */
export async function mayForward(app: AppContext, peer: AuthenticatedPeer, routing: Routing | undefined, session: Pick<Session, 'cdr_token'>): Promise<boolean> {
  if (!routing || !(await isScspRecipient(app, routing.to, session))) return false;
  const speaks = peer.roles.some((r) => ['EMSP', 'OTHER'].includes(r.role) && same(routing.from, r.countryCode, r.partyId));
  return speaks && same(routing.from, session.cdr_token.country_code, session.cdr_token.party_id);
}

/** Whether our SCSP `to` received this session from `from` (a forwarding eMSP may read it back). */
export async function forwardedBy(app: AppContext, key: SessionKey, routing: Routing): Promise<boolean> {
  const row = await app.db.scspSession.findUnique({
    where: { recipientKey_partyKey_sessionKey: { recipientKey: partyKey(routing.to.countryCode, routing.to.partyId), partyKey: key.partyKey, sessionKey: key.sessionKey } },
  });
  return !!row && same(routing.from, row.senderCountry, row.senderParty);
}

/**
 * Notes that our SCSP party `routing.to` got this version of the session from `routing.from`,
 * and tells its backend (started, updated, ended: as for an eMSP, counted from what it got).
 */
export async function noteScspSession(app: AppContext, tx: Prisma.TransactionClient, key: SessionKey, peerId: string, routing: Routing, previous: Session | null, next: Session) {
  const id = { recipientKey: partyKey(routing.to.countryCode, routing.to.partyId), partyKey: key.partyKey, sessionKey: key.sessionKey };
  const held = await tx.scspSession.findUnique({ where: { recipientKey_partyKey_sessionKey: id } });
  const sender = { senderCountry: routing.from.countryCode.toUpperCase(), senderParty: routing.from.partyId.toUpperCase(), peerId, updatedAt: new Date() };
  // Sent by its CPO and forwarded by its eMSP too (both delegated to us): the CPO's delegation
  // decides who controls the session, so requests keep going to the CPO.
  const heldFromOwner = held && partyKey(held.senderCountry, held.senderParty) === key.partyKey;
  if (!heldFromOwner || partyKey(routing.from.countryCode, routing.from.partyId) === key.partyKey)
    await tx.scspSession.upsert({ where: { recipientKey_partyKey_sessionKey: id }, create: { ...id, ...sender }, update: sender });
  for (const type of sessionEventTypes(held ? previous : null, next)) await enqueueEmspEvent(app, tx, routing.to, type, next);
}
