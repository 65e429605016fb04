/**
 * Storage of the tokens eMSP peers pushed to our CPO parties: one JSONB document per token,
 * keyed by the owner's party key, the upper-cased uid and the type (uid alone is not unique,
 * P2). The CPO's whitelist cache: the real-time authorization reads it through `find`.
 */
import type { Db, Prisma } from '../../../db/prisma.js';
import { ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { Token } from '../../../model/token.js';

type Tx = Prisma.TransactionClient | Db;

/** The identity of a received token, normalised the way it is indexed. */
export interface TokenKey {
  partyKey: string;
  uidKey: string;
  type: string;
}

export function tokenKey(countryCode: string, partyId: string, uid: string, type: string): TokenKey {
  return { partyKey: partyKey(countryCode, partyId), uidKey: ciKey(uid), type };
}

export class ReceivedTokenStore {
  private readonly table: string;

  constructor(
    private readonly db: Db,
    schema: string,
  ) {
    this.table = `"${schema.replace(/"/g, '""')}"."received_token"`;
  }

  /** The stored token, or null. For the real-time authorization of the CPO side. */
  async find(countryCode: string, partyId: string, uid: string, type: string): Promise<Token | null> {
    return this.get(this.db, tokenKey(countryCode, partyId, uid, type));
  }

  async get(tx: Tx, key: TokenKey): Promise<Token | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ document: Token }>>(
      `SELECT document FROM ${this.table} WHERE party_key = $1 AND uid_key = $2 AND type = $3`,
      key.partyKey,
      key.uidKey,
      key.type,
    );
    return rows[0]?.document ?? null;
  }

  /** The types of the tokens held under one owner and uid (at most two: enough to tell "only one"). */
  async typesOf(tx: Tx, ownerKey: string, uidKey: string): Promise<string[]> {
    const rows = await tx.$queryRawUnsafe<Array<{ type: string }>>(`SELECT type FROM ${this.table} WHERE party_key = $1 AND uid_key = $2 LIMIT 2`, ownerKey, uidKey);
    return rows.map((r) => r.type);
  }

  /** Reads and locks a token for a read-modify-write (PATCH) in this transaction. */
  async lock(tx: Tx, key: TokenKey): Promise<Token | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ document: Token }>>(
      `SELECT document FROM ${this.table} WHERE party_key = $1 AND uid_key = $2 AND type = $3 FOR UPDATE`,
      key.partyKey,
      key.uidKey,
      key.type,
    );
    return rows[0]?.document ?? null;
  }

  /**
   * Creates or replaces a token in one statement, unless the stored version is newer: that
   * guard sits in the upsert itself so two concurrent PUTs cannot let the older one win.
   * `created` tells a new token (201) from a replaced one (200); null means nothing changed.
   */
  async upsert(tx: Tx, key: TokenKey, peerId: string, token: Token): Promise<{ created: boolean } | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ created: boolean }>>(
      `INSERT INTO ${this.table} AS t (party_key, uid_key, type, peer_id, last_updated, document) VALUES ($1, $2, $3, $4::uuid, $5, $6::jsonb)
       ON CONFLICT (party_key, uid_key, type) DO UPDATE SET peer_id = EXCLUDED.peer_id, last_updated = EXCLUDED.last_updated, document = EXCLUDED.document
       WHERE t.last_updated <= EXCLUDED.last_updated
       RETURNING (xmax = 0) AS created`,
      key.partyKey,
      key.uidKey,
      key.type,
      peerId,
      new Date(token.last_updated),
      JSON.stringify(token),
    );
    return rows[0] ?? null;
  }
}
