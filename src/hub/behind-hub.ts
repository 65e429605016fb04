/**
 * This platform as a client of a hub: the connection through which a party we have no direct
 * connection with can be reached, because a hub we are connected to reported it (ClientInfo)
 * as reachable. Used by the pushes to a token owner (delivery/push-targets.ts); outbound
 * requests of our own parties (commands, charging profiles) can use it the same way.
 */
import type { AppContext } from '../context.js';
import type { AuthEncoding } from '../ocpi/client.js';
import type { PartyRef } from '../ocpi/context.js';
import { partyKey } from '../platform/parties/party-store.js';

export interface HubRoute {
  peerId: string;
  /** The hub's endpoint URL of the module interface, without a trailing slash. */
  url: string;
  /** The party behind the hub: what OCPI-to-* must say. */
  to: PartyRef;
  token: string;
  encoding: AuthEncoding;
}

export async function routeThroughHub(app: AppContext, party: PartyRef, role: string, module: string, interfaceRole: 'SENDER' | 'RECEIVER'): Promise<HubRoute | null> {
  const rows = await app.db.remoteClientInfo.findMany({ where: { partyKey: partyKey(party.countryCode, party.partyId), role, status: 'CONNECTED' } });
  for (const r of rows) {
    const peer = await app.peerStore.get(r.peerId);
    if (!peer || peer.status !== 'REGISTERED' || !peer.peerTokenEnc) continue;
    const endpoint = peer.endpoints.find((e) => e.identifier === module && e.role === interfaceRole);
    if (!endpoint) continue;
    return {
      peerId: peer.id,
      url: endpoint.url.replace(/\/+$/, ''),
      to: { countryCode: r.countryCode, partyId: r.partyId },
      token: app.secrets.decrypt(peer.peerTokenEnc),
      encoding: peer.authEncoding,
    };
  }
  return null;
}
