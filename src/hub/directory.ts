/**
 * Where every party is: one of our local parties, a party a connected peer registered, or a
 * party another hub (connected to us) reports behind it. Rebuilt from the database at most once
 * per DIRECTORY_CACHE_MS, since every hub request consults it.
 */
import type { AppContext } from '../context.js';
import type { PartyRef } from '../ocpi/context.js';
import { partyKey } from '../platform/parties/party-store.js';
import type { PeerRecord } from '../platform/peers/peer-store.js';

const DIRECTORY_CACHE_MS = 1000;

export interface PeerParty {
  peer: PeerRecord;
  party: PartyRef;
  role: string;
}

export type Whereabouts =
  | { kind: 'local'; party: PartyRef; roles: string[] }
  /** Registered directly by a peer (`viaHub` false) or reported by a hub peer's ClientInfo. */
  | { kind: 'peer'; peer: PeerRecord; party: PartyRef; roles: string[]; viaHub: boolean; remoteStatus?: string };

interface Snapshot {
  peers: PeerRecord[];
  byKey: Map<string, Whereabouts>;
}

export class HubDirectory {
  private cache: { at: number; value: Promise<Snapshot> } | null = null;

  constructor(private readonly app: AppContext) {}

  invalidate(): void {
    this.cache = null;
  }

  private snapshot(): Promise<Snapshot> {
    const now = Date.now();
    if (!this.cache || now - this.cache.at > DIRECTORY_CACHE_MS) {
      const value = this.load();
      this.cache = { at: now, value };
      value.catch(() => (this.cache = null));
    }
    return this.cache.value;
  }

  private async load(): Promise<Snapshot> {
    const [locals, peers, remote] = await Promise.all([this.app.parties.listCached(), this.app.peerStore.list(), this.app.db.remoteClientInfo.findMany()]);
    const byKey = new Map<string, Whereabouts>();
    const live = peers.filter((p) => p.status !== 'UNREGISTERED');
    const peerById = new Map(live.map((p) => [p.id, p]));
    // Least specific first: a direct registration wins over a hub's report, a local party over both.
    for (const r of remote) {
      const peer = peerById.get(r.peerId);
      if (!peer) continue;
      const existing = byKey.get(r.partyKey);
      if (existing?.kind === 'peer') existing.roles.push(r.role);
      else byKey.set(r.partyKey, { kind: 'peer', peer, party: { countryCode: r.countryCode, partyId: r.partyId }, roles: [r.role], viaHub: true, remoteStatus: r.status });
    }
    const direct = new Map<string, Whereabouts>();
    for (const peer of live) {
      for (const role of peer.roles) {
        const key = partyKey(role.countryCode, role.partyId);
        const existing = direct.get(key);
        if (existing?.kind === 'peer') existing.roles.push(role.role);
        else direct.set(key, { kind: 'peer', peer, party: { countryCode: role.countryCode, partyId: role.partyId }, roles: [role.role], viaHub: false });
      }
    }
    for (const [k, v] of direct) byKey.set(k, v);
    for (const p of locals) byKey.set(partyKey(p.countryCode, p.partyId), { kind: 'local', party: { countryCode: p.countryCode, partyId: p.partyId }, roles: p.roles });
    return { peers: live, byKey };
  }

  async find(party: PartyRef): Promise<Whereabouts | null> {
    return (await this.snapshot()).byKey.get(partyKey(party.countryCode, party.partyId)) ?? null;
  }

  /** Every party of a connected peer (direct registrations and parties behind hub peers). */
  async peerParties(): Promise<Whereabouts[]> {
    return [...(await this.snapshot()).byKey.values()].filter((w) => w.kind === 'peer');
  }

  async peers(): Promise<PeerRecord[]> {
    return (await this.snapshot()).peers;
  }
}

declare module '../context.js' {
  interface Services {
    hubDirectory: HubDirectory;
  }
}

/** A registered peer, holding the token it issued us. */
export type ConnectedPeer = PeerRecord & { peerTokenEnc: string };

/** A peer can be sent to only while its connection is registered (not suspended, pending or gone). */
export function isConnected(peer: PeerRecord): peer is ConnectedPeer {
  return peer.status === 'REGISTERED' && !!peer.peerTokenEnc;
}

export function endpointOf(peer: PeerRecord, module: string, role: string): string | null {
  const e = peer.endpoints.find((x) => x.identifier === module && x.role === role);
  return e ? e.url.replace(/\/+$/, '') : null;
}
