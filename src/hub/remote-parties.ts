/**
 * When this platform is connected to another hub, the hub's credentials name only the hub; the
 * parties behind it are known from the ClientInfo it PUTs to our hubclientinfo RECEIVER. Such a
 * peer may speak for those parties (OCPI-from-*, client-owned URL segments), so the guards see
 * them as roles of that connection.
 */
import type { AppContext } from '../context.js';
import type { AuthenticatedPeer } from '../ocpi/context.js';

const CACHE_MS = 2000;

export class RemoteParties {
  private readonly cache = new Map<string, { at: number; value: Promise<AuthenticatedPeer['roles']> }>();

  constructor(private readonly app: AppContext) {}

  invalidate(peerId: string): void {
    this.cache.delete(peerId);
  }

  behind(peerId: string): Promise<AuthenticatedPeer['roles']> {
    const now = Date.now();
    const hit = this.cache.get(peerId);
    if (hit && now - hit.at < CACHE_MS) return hit.value;
    const value = this.app.db.remoteClientInfo
      .findMany({ where: { peerId, status: { not: 'SUSPENDED' } } })
      .then((rows) => rows.map((r) => ({ role: r.role, countryCode: r.countryCode, partyId: r.partyId })));
    this.cache.set(peerId, { at: now, value });
    value.catch(() => this.cache.delete(peerId));
    return value;
  }
}

declare module '../context.js' {
  interface Services {
    remoteParties: RemoteParties;
  }
}

/** The peer with the parties its hub reported added to its roles (unchanged for other peers). */
export async function withHubParties(app: AppContext, peer: AuthenticatedPeer): Promise<AuthenticatedPeer> {
  if (!peer.roles.some((r) => r.role === 'HUB')) return peer;
  const behind = await app.services.remoteParties.behind(peer.peerId);
  return behind.length ? { ...peer, roles: [...peer.roles, ...behind] } : peer;
}
