/** Prisma storage of admin API keys: their HMAC, never their value. */
import type { Db } from '../../db/prisma.js';
import { Prisma } from '../../db/prisma.js';

export interface ApiKeyRecord {
  id: string;
  name: string;
  scope: string;
  keyHash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export class ApiKeyStore {
  constructor(private readonly db: Db) {}

  /** null when a live key has that name already (case-insensitively). */
  async create(key: { name: string; scope: string; keyHash: string }): Promise<ApiKeyRecord | null> {
    try {
      return await this.db.adminApiKey.create({ data: key });
    } catch (e) {
      if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') return null;
      throw e;
    }
  }

  list(options: { includeRevoked: boolean }): Promise<ApiKeyRecord[]> {
    return this.db.adminApiKey.findMany({ where: options.includeRevoked ? {} : { revokedAt: null }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  get(id: string): Promise<ApiKeyRecord | null> {
    return this.db.adminApiKey.findUnique({ where: { id } });
  }

  findByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    return this.db.adminApiKey.findUnique({ where: { keyHash } });
  }

  /** Revokes a live key; the key as it is afterwards (revoked earlier, or now), null if unknown. */
  async revoke(id: string): Promise<ApiKeyRecord | null> {
    await this.db.adminApiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    return this.get(id);
  }

  /** Revokes every live key of this scope (as stored); how many. */
  async revokeScope(scope: string): Promise<number> {
    return (await this.db.adminApiKey.updateMany({ where: { scope, revokedAt: null }, data: { revokedAt: new Date() } })).count;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.db.adminApiKey.updateMany({ where: { id, revokedAt: null }, data: { lastUsedAt: at } });
  }
}
