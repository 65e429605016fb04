/**
 * Maps an incoming `Authorization: Token ...` header to the peer it belongs to. The header may
 * carry the token Base64-encoded (2.2.1) or raw (2.1.1/2.2 peers); both are tried (digest §2.2).
 * Lookups are cached for AUTH_CACHE_MS; a change made in this process evicts the peer at once.
 */
import type { AuthenticatedPeer } from '../../ocpi/context.js';
import { Secrets } from '../secrets.js';
import type { PeerStore } from './peer-store.js';

const AUTH_CACHE_MS = 2000;
// "Token " and the Base64 form of a 64-character token, with room for stray spaces.
const MAX_CACHED_HEADER = 128;
const CONTACT_WRITE_INTERVAL_MS = 60_000;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const TOKEN_CHARS = /^[\x21-\x7e]{1,64}$/;

interface CacheEntry {
  at: number;
  value: Promise<AuthenticatedPeer | null>;
}

export class PeerAuthenticator {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly byHeader = new Map<string, CacheEntry>();
  private readonly lastContactWrite = new Map<string, number>();

  constructor(
    private readonly store: PeerStore,
    private readonly secrets: Secrets,
  ) {}

  /** Candidate tokens in a header value: the Base64-decoded form first, then the raw text. */
  static candidates(header: string | undefined): string[] {
    if (!header) return [];
    const m = /^Token\s+(\S+)\s*$/i.exec(header);
    if (!m) return [];
    const value = m[1];
    const out: string[] = [];
    if (BASE64.test(value) && value.length % 4 === 0) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      if (TOKEN_CHARS.test(decoded)) out.push(decoded);
    }
    if (TOKEN_CHARS.test(value)) out.push(value);
    return out;
  }

  async authenticate(header: string | undefined): Promise<AuthenticatedPeer | null> {
    if (!header) return null;
    // Only headers that can hold a valid token are cached, so that junk cannot fill memory.
    const peer = await (header.length > MAX_CACHED_HEADER ? this.resolve(header) : this.cachedResolve(header));
    if (peer) this.noteContact(peer.peerId);
    return peer;
  }

  /**
   * The same header within AUTH_CACHE_MS skips decoding and the HMAC as well (held in memory
   * only, like the request that carries it; emptied with the hash cache).
   */
  private cachedResolve(header: string): Promise<AuthenticatedPeer | null> {
    const now = Date.now();
    const hit = this.byHeader.get(header);
    if (hit && now - hit.at < AUTH_CACHE_MS) return hit.value;
    if (this.byHeader.size > 10_000) this.byHeader.clear();
    const entry = { at: now, value: this.resolve(header) };
    this.byHeader.set(header, entry);
    entry.value.catch(() => this.byHeader.get(header) === entry && this.byHeader.delete(header));
    return entry.value;
  }

  private async resolve(header: string): Promise<AuthenticatedPeer | null> {
    for (const token of PeerAuthenticator.candidates(header)) {
      const peer = await this.lookup(this.secrets.hash(token));
      if (peer) return peer;
    }
    return null;
  }

  /** Called after any change to a peer's tokens or status made by this process. */
  evict(): void {
    this.cache.clear();
    this.byHeader.clear();
  }

  private lookup(hash: string): Promise<AuthenticatedPeer | null> {
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && now - hit.at < AUTH_CACHE_MS) return hit.value;
    const value = this.load(hash);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { at: now, value });
    value.catch(() => this.cache.delete(hash));
    return value;
  }

  private async load(hash: string): Promise<AuthenticatedPeer | null> {
    const found = await this.store.findByCredentialHash(hash);
    // The index lookup is exact; the constant-time compare keeps the final check free of timing leaks.
    if (!found || !Secrets.equal(found.tokenHash, hash)) return null;
    if (found.expiresAt && found.expiresAt.getTime() <= Date.now()) return null;
    if (found.peer.status === 'UNREGISTERED') return null;
    return {
      peerId: found.peer.id,
      status: found.peer.status,
      credentialKind: found.kind,
      credentialHash: found.tokenHash,
      roles: found.peer.roles.map((r) => ({ role: r.role, countryCode: r.countryCode, partyId: r.partyId })),
      // A party key is the two-letter country code followed by the three-character party id.
      ...(found.peer.localPartyKey ? { localParty: { countryCode: found.peer.localPartyKey.slice(0, 2), partyId: found.peer.localPartyKey.slice(2) } } : {}),
      // Only an admin's declaration makes a one-party connection a relay of other parties.
      ...(found.peer.declaredRole === 'HUB' ? { relaysParties: true } : {}),
    };
  }

  private noteContact(peerId: string): void {
    const now = Date.now();
    if (now - (this.lastContactWrite.get(peerId) ?? 0) < CONTACT_WRITE_INTERVAL_MS) return;
    this.lastContactWrite.set(peerId, now);
    this.store.touchContact(peerId, new Date(now)).catch(() => undefined);
  }
}

declare module '../../context.js' {
  interface AppContext {
    peerAuth: PeerAuthenticator;
    /** Alias kept short for the OCPI guards. */
    peers: { authenticate: PeerAuthenticator['authenticate'] };
  }
}
