/**
 * Pairs of parties the hub operator keeps apart. A block is one-way (from -> to); the admin API
 * blocks both directions when asked to. Cached briefly: every forwarded request checks it.
 */
import type { AppContext } from '../context.js';
import type { PartyRef } from '../ocpi/context.js';
import { partyKey } from '../platform/parties/party-store.js';

const CACHE_MS = 2000;

export class HubAccess {
  private cache: { at: number; value: Promise<Set<string>> } | null = null;

  constructor(private readonly app: AppContext) {}

  private blocked(): Promise<Set<string>> {
    const now = Date.now();
    if (!this.cache || now - this.cache.at > CACHE_MS) {
      const value = this.app.db.hubBlockedPair.findMany().then((rows) => new Set(rows.map((r) => `${r.fromKey}>${r.toKey}`)));
      this.cache = { at: now, value };
      value.catch(() => (this.cache = null));
    }
    return this.cache.value;
  }

  async allowed(from: PartyRef, to: PartyRef): Promise<boolean> {
    return !(await this.blocked()).has(`${partyKey(from.countryCode, from.partyId)}>${partyKey(to.countryCode, to.partyId)}`);
  }

  async block(from: PartyRef, to: PartyRef): Promise<void> {
    const row = { fromKey: partyKey(from.countryCode, from.partyId), toKey: partyKey(to.countryCode, to.partyId) };
    await this.app.db.hubBlockedPair.upsert({ where: { fromKey_toKey: row }, create: row, update: {} });
    this.cache = null;
  }

  async unblock(from: PartyRef, to: PartyRef): Promise<boolean> {
    const { count } = await this.app.db.hubBlockedPair.deleteMany({ where: { fromKey: partyKey(from.countryCode, from.partyId), toKey: partyKey(to.countryCode, to.partyId) } });
    this.cache = null;
    return count > 0;
  }

  async list(): Promise<Array<{ from: string; to: string; createdAt: Date }>> {
    const rows = await this.app.db.hubBlockedPair.findMany({ orderBy: { createdAt: 'asc' } });
    return rows.map((r) => ({ from: r.fromKey, to: r.toKey, createdAt: r.createdAt }));
  }
}

declare module '../context.js' {
  interface Services {
    hubAccess: HubAccess;
  }
}
