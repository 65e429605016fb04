/**
 * The ClientInfo list the hub publishes (hubclientinfo SENDER) and keeps current: one row per
 * reachable (party, role), with the status of the connection it is reached through. Statuses
 * follow the peers' connection state (suspended or gone: SUSPENDED), the outcome of forwarded
 * traffic (a transport failure: OFFLINE, a relayed answer: CONNECTED) and a liveness check that
 * GETs the versions endpoint of peers we have not heard from for `liveness_minutes`. Every
 * change is PUT to the hubclientinfo RECEIVER of every other connected peer through the outbox.
 */
import type { AppContext } from '../context.js';
import type { Prisma } from '../db/prisma.js';
import type { OutboxMessageInput } from '../delivery/outbox.js';
import { partyKey } from '../platform/parties/party-store.js';
import type { PeerRecord } from '../platform/peers/peer-store.js';
import { purgeExpiredAliases } from './aliases.js';
import { endpointOf, isConnected } from './directory.js';

export type ConnectionStatus = 'CONNECTED' | 'OFFLINE' | 'PLANNED' | 'SUSPENDED';

export interface ClientInfoRow {
  partyKey: string;
  role: string;
  countryCode: string;
  partyId: string;
  peerId: string | null;
  status: string;
  lastUpdated: Date;
}

const RECONCILE_EVERY_MS = 1000;
const PURGE_EVERY_MS = 10 * 60_000;

export function clientInfoDocument(r: Pick<ClientInfoRow, 'countryCode' | 'partyId' | 'role' | 'status' | 'lastUpdated'>) {
  return { party_id: r.partyId, country_code: r.countryCode, role: r.role, status: r.status, last_updated: r.lastUpdated.toISOString() };
}

export class HubClientInfo {
  /** Last status this process wrote per peer from traffic: skips a write per forwarded request. */
  private readonly trafficStatus = new Map<string, 'CONNECTED' | 'OFFLINE'>();
  private readonly welcomed = new Set<string>();
  private readonly livenessCheckedAt = new Map<string, number>();
  private lastTick = 0;
  private lastPurge = 0;
  private running = false;

  constructor(private readonly app: AppContext) {}

  /** Called after every forwarded call: `ok` when the peer answered at all. */
  async noteTraffic(peerId: string, ok: boolean): Promise<void> {
    const status = ok ? 'CONNECTED' : 'OFFLINE';
    if (this.trafficStatus.get(peerId) === status) return;
    this.trafficStatus.set(peerId, status);
    const rows = await this.app.db.hubClientInfo.findMany({ where: { peerId, status: { in: ['CONNECTED', 'OFFLINE'] } } });
    const changed = rows.filter((r) => r.status !== status).map((r) => ({ ...r, status, lastUpdated: new Date() }));
    await this.save(changed);
  }

  /** Periodic work, driven by the delivery dispatcher's sweep; a no-op while the hub is off. */
  async tick(): Promise<void> {
    if (this.running || Date.now() - this.lastTick < RECONCILE_EVERY_MS) return;
    if (!(await this.app.services.hubState.hubParty())) return;
    this.running = true;
    this.lastTick = Date.now();
    try {
      await this.reconcile();
      await this.checkLiveness();
      if (Date.now() - this.lastPurge > PURGE_EVERY_MS) {
        this.lastPurge = Date.now();
        await purgeExpiredAliases(this.app);
      }
    } finally {
      this.running = false;
    }
  }

  /** Brings the list in line with the connections: new parties appear, gone ones turn SUSPENDED. */
  async reconcile(): Promise<void> {
    this.app.services.hubDirectory.invalidate();
    const hub = await this.app.services.hubState.hubParty();
    const [peers, locals, existing] = await Promise.all([this.app.peerStore.list(), this.app.parties.listCached(), this.app.db.hubClientInfo.findMany()]);
    const current = new Map(existing.map((r) => [`${r.partyKey}/${r.role}`, r]));
    const desired = new Map<string, ClientInfoRow>();
    const now = new Date();
    for (const peer of peers) {
      if (peer.status !== 'REGISTERED' && peer.status !== 'SUSPENDED') continue;
      for (const role of peer.roles) {
        const key = partyKey(role.countryCode, role.partyId);
        const before = current.get(`${key}/${role.role}`);
        const live =
          before && (before.status === 'CONNECTED' || before.status === 'OFFLINE') && before.peerId === peer.id ? before.status : (this.trafficStatus.get(peer.id) ?? 'CONNECTED');
        const status = peer.status === 'SUSPENDED' ? 'SUSPENDED' : live;
        desired.set(`${key}/${role.role}`, { partyKey: key, role: role.role, countryCode: role.countryCode, partyId: role.partyId, peerId: peer.id, status, lastUpdated: now });
      }
    }
    for (const local of locals) {
      if (hub && partyKey(local.countryCode, local.partyId) === partyKey(hub.countryCode, hub.partyId)) continue;
      for (const role of local.roles) {
        const key = partyKey(local.countryCode, local.partyId);
        desired.set(`${key}/${role}`, { partyKey: key, role, countryCode: local.countryCode, partyId: local.partyId, peerId: null, status: 'CONNECTED', lastUpdated: now });
      }
    }
    const changed: ClientInfoRow[] = [];
    for (const [k, want] of desired) {
      const have = current.get(k);
      if (!have || have.status !== want.status || have.peerId !== want.peerId) changed.push(want);
    }
    for (const [k, have] of current) {
      if (!desired.has(k) && have.status !== 'SUSPENDED') changed.push({ ...have, peerId: null, status: 'SUSPENDED', lastUpdated: now });
    }
    await this.save(changed);
    await this.welcomeNewPeers(peers);
  }

  /** A peer that just connected learns the whole list once (later it gets the changes). */
  private async welcomeNewPeers(peers: PeerRecord[]): Promise<void> {
    const fresh = peers.filter((p) => isConnected(p) && !this.welcomed.has(p.id) && endpointOf(p, 'hubclientinfo', 'RECEIVER'));
    if (fresh.length === 0) return;
    const rows = await this.app.db.hubClientInfo.findMany();
    const messages = fresh.flatMap((p) => rows.filter((r) => r.peerId !== p.id).map((r) => this.message(p.id, r)));
    await this.app.outbox.enqueue(this.app.db, messages);
    for (const p of fresh) this.welcomed.add(p.id);
  }

  private async checkLiveness(): Promise<void> {
    const { livenessMinutes } = await this.app.services.hubState.settings();
    const idleMs = livenessMinutes * 60_000;
    const now = Date.now();
    const peers = (await this.app.peerStore.list()).filter(isConnected);
    await Promise.all(
      peers.map(async (peer) => {
        const lastHeard = Math.max(peer.lastContactAt?.getTime() ?? 0, this.livenessCheckedAt.get(peer.id) ?? 0);
        if (now - lastHeard < idleMs || !peer.versionsUrl) return;
        this.livenessCheckedAt.set(peer.id, now);
        try {
          await this.app.client.request({ method: 'GET', url: peer.versionsUrl, token: this.app.secrets.decrypt(peer.peerTokenEnc), encoding: peer.authEncoding });
          await this.noteTraffic(peer.id, true);
        } catch {
          await this.noteTraffic(peer.id, false);
        }
      }),
    );
  }

  private message(peerId: string, r: ClientInfoRow): OutboxMessageInput {
    return {
      peerId,
      objectKey: `hubclientinfo:${r.countryCode}/${r.partyId}/${r.role}`,
      kind: 'PUSH',
      module: 'hubclientinfo',
      method: 'PUT',
      target: { interfaceRole: 'RECEIVER', path: `/${r.countryCode}/${r.partyId}` },
      body: clientInfoDocument(r),
      fullVersion: true,
      lastUpdated: r.lastUpdated,
    };
  }

  /** Stores changed rows and, in the same transaction, the PUTs that tell the other peers. */
  private async save(changed: ClientInfoRow[]): Promise<void> {
    if (changed.length === 0) return;
    const receivers = (await this.app.peerStore.list()).filter((p) => (p.status === 'REGISTERED' || p.status === 'SUSPENDED') && endpointOf(p, 'hubclientinfo', 'RECEIVER'));
    await this.app.db.$transaction(async (tx: Prisma.TransactionClient) => {
      for (const r of changed) {
        const data = { countryCode: r.countryCode, partyId: r.partyId, peerId: r.peerId, status: r.status, lastUpdated: r.lastUpdated };
        await tx.hubClientInfo.upsert({ where: { partyKey_role: { partyKey: r.partyKey, role: r.role } }, create: { partyKey: r.partyKey, role: r.role, ...data }, update: data });
      }
      const messages = receivers.flatMap((p) => changed.filter((r) => r.peerId !== p.id).map((r) => this.message(p.id, r)));
      await this.app.outbox.enqueue(tx, messages);
    });
    this.app.services.hubDirectory.invalidate();
    this.app.log.info({ changes: changed.map((r) => `${r.role}:${r.countryCode}/${r.partyId}=${r.status}`) }, 'hub client info changed');
  }

  async list(query: { dateFrom?: Date; dateTo?: Date; offset: number; limit: number }): Promise<{ items: ClientInfoRow[]; total: number }> {
    const where = { lastUpdated: { ...(query.dateFrom ? { gte: query.dateFrom } : {}), ...(query.dateTo ? { lt: query.dateTo } : {}) } };
    const [items, total] = await Promise.all([
      this.app.db.hubClientInfo.findMany({ where, orderBy: [{ lastUpdated: 'asc' }, { partyKey: 'asc' }, { role: 'asc' }], skip: query.offset, take: query.limit }),
      this.app.db.hubClientInfo.count({ where }),
    ]);
    return { items, total };
  }

  /** Status of a party as the hub sees it (for the router's 4003 decision). */
  async statusOf(key: string): Promise<string | null> {
    const rows = await this.app.db.hubClientInfo.findMany({ where: { partyKey: key }, select: { status: true } });
    return rows[0]?.status ?? null;
  }
}

declare module '../context.js' {
  interface Services {
    hubClientInfo: HubClientInfo;
  }
}
