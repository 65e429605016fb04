/**
 * The eMSP party a 2.1.1 command comes from when its connection relays several (a hub the admin
 * declared HUB: hub/remote-parties.ts learns the parties behind it). 2.1.1 sends no routing
 * headers, so the command itself must name it: the token of START_SESSION / RESERVE_NOW (the
 * eMSP that pushed it to us through that connection), the session of STOP_SESSION (the eMSP of
 * its cdr_token). A command naming neither (UNLOCK_CONNECTOR) is the only eMSP's behind the
 * connection; with several, the request is refused naming the headers.
 */
import type { AppContext } from '../../../context.js';
import type { AuthenticatedPeer, PartyRef } from '../../../ocpi/context.js';
import { ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';

export async function requesterOf(app: AppContext, peer: AuthenticatedPeer, cpo: PartyRef | undefined, body: unknown): Promise<PartyRef | undefined> {
  const b = (body ?? {}) as { token?: { uid?: unknown }; session_id?: unknown };
  const senders = new Set(peer.roles.filter((r) => r.role !== 'HUB' && r.role !== 'CPO').map((r) => partyKey(r.countryCode, r.partyId)));
  const party = (key: string | undefined) => (key && senders.has(key) ? { countryCode: key.slice(0, 2), partyId: key.slice(2) } : undefined);
  if (typeof b.token?.uid === 'string') {
    const rows = await app.db.receivedToken.findMany({ where: { uidKey: ciKey(b.token.uid), peerId: peer.peerId }, select: { partyKey: true }, take: 2 });
    return rows.length === 1 ? party(rows[0].partyKey) : undefined;
  }
  if (typeof b.session_id === 'string' && cpo) {
    const session = await app.services.ownSessions.get(cpo, b.session_id);
    return party(session ? partyKey(session.cdr_token.country_code, session.cdr_token.party_id) : undefined);
  }
  return senders.size === 1 ? party([...senders][0]) : undefined;
}
