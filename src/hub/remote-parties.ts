/**
 * When this platform is connected to another hub, the hub's credentials name only the hub; the
 * parties behind it are known from the ClientInfo it PUTs to our hubclientinfo RECEIVER. Such a
 * peer may speak for those parties (OCPI-from-*, client-owned URL segments), so the guards see
 * them as roles of that connection.
 */
import type { AppContext } from '../context.js';
import type { AuthenticatedPeer } from '../ocpi/context.js';
import type { NamedSender } from '../ocpi/mount.js';
import { partyKey } from '../platform/parties/party-store.js';

const CACHE_MS = 2000;

export class RemoteParties {
  private readonly cache = new Map<string, { at: number; value: Promise<AuthenticatedPeer['roles']> }>();

  constructor(private readonly app: AppContext) {}

  invalidate(peerId: string): void {
    this.cache.delete(peerId);
  }

  /**
   * A party a one-party hub connection (OCPI 2.1.1, declared HUB by the admin) sent an object of:
   * from now on reachable through it, as a 2.2.1 hub's ClientInfo would have said.
   */
  async learn(peerId: string, named: NamedSender): Promise<void> {
    const countryCode = named.party.countryCode.toUpperCase();
    const partyId = named.party.partyId.toUpperCase();
    const key = partyKey(countryCode, partyId);
    const row = { peerId, partyKey: key, role: named.role, countryCode, partyId, status: 'CONNECTED', lastUpdated: new Date() };
    await this.app.db.remoteClientInfo.upsert({
      where: { peerId_partyKey_role: { peerId, partyKey: key, role: named.role } },
      create: row,
      update: { status: 'CONNECTED', lastUpdated: row.lastUpdated },
    });
    this.invalidate(peerId);
    this.app.log.info({ peer_id: peerId, party: `${countryCode}/${partyId}`, role: named.role }, 'party behind a 2.1.1 hub connection learned');
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

const COUNTRY_CODE = /^[A-Za-z]{2}$/;
const PARTY_ID = /^[A-Za-z0-9]{3}$/;

/**
 * The peer with the parties its hub reported added to its roles (unchanged for other peers). A
 * one-party hub connection (`relaysParties`) reports none: a party it sends an object of
 * (`named`, from a client-owned URL) is learned on the way.
 */
export async function withHubParties(app: AppContext, peer: AuthenticatedPeer, named?: NamedSender): Promise<AuthenticatedPeer> {
  if (!peer.roles.some((r) => r.role === 'HUB')) return peer;
  const remote = app.services.remoteParties;
  let behind = await remote.behind(peer.peerId);
  if (peer.relaysParties && named && COUNTRY_CODE.test(named.party.countryCode) && PARTY_ID.test(named.party.partyId)) {
    const key = partyKey(named.party.countryCode, named.party.partyId);
    const known = [...peer.roles, ...behind].some((r) => r.role === named.role && partyKey(r.countryCode, r.partyId) === key);
    // A party hosted here is never someone else's: the guards refuse such a request as before.
    if (!known && !(await app.parties.find(named.party.countryCode, named.party.partyId))) {
      await remote.learn(peer.peerId, named);
      behind = await remote.behind(peer.peerId);
    }
  }
  return behind.length ? { ...peer, roles: [...peer.roles, ...behind] } : peer;
}
