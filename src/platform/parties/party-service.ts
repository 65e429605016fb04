/**
 * Local parties: the tenants this platform speaks for. Routing reads them on every functional
 * request and the backend API on every write, so they are cached briefly; a change made here
 * clears this process's cache at once and other processes see it within PARTY_CACHE_MS (a party
 * another process just created is looked up in the table on a miss, so it is found at once).
 */
import type { BackendConfig } from '../../backends/adapter.js';
import { type LocalParty, type LocalRole, type PartyStore, partyKey } from './party-store.js';

const PARTY_CACHE_MS = 2000;

export class PartyService {
  private cache: { at: number; parties: Promise<LocalParty[]>; byKey?: Map<string, LocalParty> } | null = null;
  private readonly backends = new Map<string, { at: number; backend: Promise<BackendConfig | null> }>();

  constructor(private readonly store: PartyStore) {}

  listCached(): Promise<LocalParty[]> {
    return this.fresh().parties;
  }

  list(): Promise<LocalParty[]> {
    return this.store.list();
  }

  async find(countryCode: string, partyId: string): Promise<LocalParty | null> {
    const cache = this.fresh();
    const parties = await cache.parties;
    cache.byKey ??= new Map(parties.map((p) => [partyKey(p.countryCode, p.partyId), p]));
    return cache.byKey.get(partyKey(countryCode, partyId)) ?? this.store.find(countryCode, partyId);
  }

  private fresh(): { at: number; parties: Promise<LocalParty[]>; byKey?: Map<string, LocalParty> } {
    const now = Date.now();
    let entry = this.cache;
    if (!entry || now - entry.at > PARTY_CACHE_MS) {
      const fresh = { at: now, parties: this.store.list() };
      fresh.parties.catch(() => this.cache === fresh && (this.cache = null));
      this.cache = entry = fresh;
    }
    return entry;
  }

  async create(party: Omit<LocalParty, 'createdAt' | 'updatedAt'>): Promise<LocalParty | null> {
    const created = await this.store.create({ ...party, roles: dedupe(party.roles) });
    this.cache = null;
    return created;
  }

  async update(countryCode: string, partyId: string, patch: { roles?: LocalRole[]; businessDetails?: LocalParty['businessDetails'] }) {
    const updated = await this.store.update(countryCode, partyId, { ...patch, roles: patch.roles && dedupe(patch.roles) });
    this.cache = null;
    return updated;
  }

  /**
   * The party's backend (command executor, eMSP webhook), if one is configured. Cached like the
   * party list: real-time authorization asks for it on every request.
   */
  backendOf(countryCode: string, partyId: string): Promise<BackendConfig | null> {
    const key = `${countryCode}*${partyId}`.toUpperCase();
    const now = Date.now();
    const hit = this.backends.get(key);
    if (hit && now - hit.at <= PARTY_CACHE_MS) return hit.backend;
    const backend = this.store.backend(countryCode, partyId).then((b) => (b as BackendConfig | null) ?? null);
    this.backends.set(key, { at: now, backend });
    backend.catch(() => this.backends.delete(key));
    return backend;
  }

  async setBackend(countryCode: string, partyId: string, backend: BackendConfig | null): Promise<boolean> {
    const done = await this.store.setBackend(countryCode, partyId, backend);
    this.backends.clear();
    return done;
  }

  async delete(countryCode: string, partyId: string): Promise<boolean> {
    const deleted = await this.store.delete(countryCode, partyId);
    this.cache = null;
    this.backends.clear();
    return deleted;
  }

  /** The CredentialsRole list we present to peers: one entry per (party, role). */
  async credentialsRoles(): Promise<Array<{ role: LocalRole; country_code: string; party_id: string; business_details: LocalParty['businessDetails'] }>> {
    const parties = await this.listCached();
    return parties.flatMap((p) => p.roles.map((role) => ({ role, country_code: p.countryCode, party_id: p.partyId, business_details: p.businessDetails })));
  }

  async localRoles(): Promise<Set<LocalRole>> {
    return new Set((await this.listCached()).flatMap((p) => p.roles));
  }
}

function dedupe<T>(values: T[]): T[] {
  return [...new Set(values)];
}

declare module '../../context.js' {
  interface AppContext {
    parties: PartyService;
  }
}
