/**
 * Who presents an admin API key: ADMIN_API_KEY (the bootstrap key, scope admin) or a key created
 * through the API, looked up by its HMAC (the same keyed hash as peer tokens, `Secrets.hash`).
 *
 * A party's backend calls with its key on every change it publishes, so found keys are cached.
 * Revocation must hold at once in every API process of the deployment, so a cached key is only
 * trusted under the revocation generation it was read under: a counter in Redis that every
 * revocation increments after its commit. Each request reads the counter (one Redis round trip,
 * far cheaper than the database lookup); a request that starts after a revocation answered sees
 * the new value and looks the key up again. Without Redis, nothing is cached.
 */
import crypto from 'node:crypto';
import type { AppContext } from '../../context.js';
import { Secrets } from '../secrets.js';
import { type ApiKeyRecord, ApiKeyStore } from './key-store.js';
import { type KeyScope, formatScope, parseScope } from './scope.js';

/** The name ADMIN_API_KEY goes by in the audit log and in `GET /admin/whoami`. */
export const BOOTSTRAP_KEY_NAME = 'ADMIN_API_KEY';

export interface AdminPrincipal {
  /** null for ADMIN_API_KEY. */
  id: string | null;
  name: string;
  scope: KeyScope;
  /** The scope as written: `admin`, `read`, `party:NL/CPO`. */
  scopeText: string;
}

/** `ak_` and 256 bits from the CSPRNG, URL-safe: recognisable in a secret scanner, never confused with an OCPI token. */
const KEY_FORMAT = /^ak_[A-Za-z0-9_-]{43}$/;
const CACHE_TTL_MS = 60_000;
const MAX_CACHED = 10_000;
const LAST_USED_WRITE_INTERVAL_MS = 60_000;
/** How long a call waits for the revocation generation before trusting no cache (then reads the database). */
const GENERATION_WAIT_MS = 250;

interface Cached {
  generation: string;
  at: number;
  principal: AdminPrincipal;
}

export class AdminKeys {
  readonly store: ApiKeyStore;
  private readonly bootstrapDigest: Buffer;
  private readonly generationKey: string;
  private readonly cache = new Map<string, Cached>();
  private readonly lastUsedWrite = new Map<string, number>();

  constructor(private readonly app: AppContext) {
    this.store = new ApiKeyStore(app.db);
    this.bootstrapDigest = digest(app.config.ADMIN_API_KEY);
    this.generationKey = `${app.config.REDIS_PREFIX}:admin-api-keys:generation`;
  }

  /** A new key: the value is returned here and nowhere else, ever. null when the name is taken. */
  async create(name: string, scopeText: string): Promise<{ record: ApiKeyRecord; key: string } | null> {
    const key = `ak_${crypto.randomBytes(32).toString('base64url')}`;
    const record = await this.store.create({ name, scope: scopeText, keyHash: this.app.secrets.hash(key) });
    return record && { record, key };
  }

  /**
   * Revokes the key, then tells every API process (the generation). Also for a key revoked
   * earlier: repeating a DELETE whose notice failed (503) completes it.
   */
  async revoke(id: string): Promise<ApiKeyRecord | null> {
    const record = await this.store.revoke(id);
    if (record) {
      this.cache.clear();
      await this.app.redis.incr(this.generationKey);
    }
    return record;
  }

  /**
   * A removed party's keys die with it: a party registered later under the same id is another
   * company, which must not inherit a key it never received. Told to every process like a revoke.
   */
  async revokePartyKeys(countryCode: string, partyId: string): Promise<number> {
    const revoked = await this.store.revokeScope(formatScope({ kind: 'party', countryCode: countryCode.toUpperCase(), partyId: partyId.toUpperCase() }));
    if (revoked > 0) {
      this.cache.clear();
      await this.app.redis.incr(this.generationKey);
    }
    return revoked;
  }

  /** The principal a presented key stands for, or null (unknown, revoked, malformed). */
  async authenticate(presented: string): Promise<AdminPrincipal | null> {
    // Hashing both sides makes the comparison constant-time whatever the lengths.
    if (crypto.timingSafeEqual(digest(presented), this.bootstrapDigest)) return BOOTSTRAP;
    if (!KEY_FORMAT.test(presented)) return null;
    const hash = this.app.secrets.hash(presented);
    const generation = await this.generation();
    const hit = generation === null ? undefined : this.cache.get(hash);
    let principal: AdminPrincipal | null;
    if (hit && hit.generation === generation && Date.now() - hit.at < CACHE_TTL_MS) principal = hit.principal;
    else {
      principal = await this.load(hash);
      if (principal && generation !== null) {
        if (this.cache.size >= MAX_CACHED) this.cache.clear();
        this.cache.set(hash, { generation, at: Date.now(), principal });
      } else this.cache.delete(hash);
    }
    if (principal?.id) this.noteUse(principal.id);
    return principal;
  }

  /** null: Redis cannot tell now, so the cache is not to be trusted (nor filled). */
  private async generation(): Promise<string | null> {
    if (this.app.redis.status !== 'ready') return null;
    let timer: NodeJS.Timeout | undefined;
    try {
      // A Redis that stopped answering without dropping the connection must not hold up the call.
      const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), GENERATION_WAIT_MS)));
      // Never revoked yet: generation 0.
      return await Promise.race([this.app.redis.get(this.generationKey).then((value) => value ?? '0'), late]);
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  private async load(hash: string): Promise<AdminPrincipal | null> {
    const found = await this.store.findByHash(hash);
    // The index lookup is exact; the constant-time compare keeps the final check free of timing leaks.
    if (!found || found.revokedAt || !Secrets.equal(found.keyHash, hash)) return null;
    const scope = parseScope(found.scope);
    if (!scope) {
      this.app.log.error({ key_id: found.id }, 'admin API key with an unreadable scope refused');
      return null;
    }
    return { id: found.id, name: found.name, scope, scopeText: found.scope };
  }

  private noteUse(id: string): void {
    const now = Date.now();
    if (now - (this.lastUsedWrite.get(id) ?? 0) < LAST_USED_WRITE_INTERVAL_MS) return;
    if (this.lastUsedWrite.size >= MAX_CACHED) this.lastUsedWrite.clear();
    this.lastUsedWrite.set(id, now);
    this.store.touch(id, new Date(now)).catch(() => undefined);
  }
}

const BOOTSTRAP: AdminPrincipal = { id: null, name: BOOTSTRAP_KEY_NAME, scope: { kind: 'admin' }, scopeText: 'admin' };

function digest(value: string): Buffer {
  return crypto.createHash('sha256').update(value, 'utf8').digest();
}

declare module '../../context.js' {
  interface Services {
    adminKeys: AdminKeys;
  }
}
