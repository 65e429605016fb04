/**
 * Storage shared by the objects CPO peers send our eMSP parties (locations, tariffs, sessions):
 * one JSONB document per object, keyed by the owner's party key and the upper-cased object id.
 * The "never an older version over a newer one" rule of Client Owned Objects sits in the upsert
 * itself, so two concurrent PUTs cannot let the older one win.
 */
import type { Db, Prisma } from '../../../db/prisma.js';

export type Tx = Prisma.TransactionClient | Db;

export class ReceivedDocumentStore<T extends { last_updated: string }, K extends { partyKey: string }> {
  protected readonly table: string;

  constructor(
    protected readonly db: Db,
    schema: string,
    tableName: string,
    /** The column of the upper-cased object id, how a key names it, and how ids make a key. */
    private readonly idColumn: string,
    private readonly idOf: (key: K) => string,
    private readonly keyOf: (countryCode: string, partyId: string, id: string) => K,
  ) {
    this.table = `"${schema.replace(/"/g, '""')}"."${tableName}"`;
  }

  /** The stored object, or null (case-insensitive ids). */
  find(countryCode: string, partyId: string, id: string): Promise<T | null> {
    return this.get(this.db, this.keyOf(countryCode, partyId, id));
  }

  async get(tx: Tx, key: K): Promise<T | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ document: T }>>(
      `SELECT document FROM ${this.table} WHERE party_key = $1 AND ${this.idColumn} = $2`,
      key.partyKey,
      this.idOf(key),
    );
    return rows[0]?.document ?? null;
  }

  /** Reads and locks the object for a read-modify-write (PATCH, child PUT) in this transaction. */
  async lock(tx: Tx, key: K): Promise<T | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ document: T }>>(
      `SELECT document FROM ${this.table} WHERE party_key = $1 AND ${this.idColumn} = $2 FOR UPDATE`,
      key.partyKey,
      this.idOf(key),
    );
    return rows[0]?.document ?? null;
  }

  /**
   * Creates or replaces the object in one statement, unless the stored version is newer.
   * `created` tells a new object (201) from a replaced one (200); null means nothing changed.
   */
  async upsert(tx: Tx, key: K, peerId: string, document: T): Promise<{ created: boolean } | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ created: boolean }>>(
      `INSERT INTO ${this.table} AS t (party_key, ${this.idColumn}, peer_id, last_updated, document) VALUES ($1, $2, $3::uuid, $4, $5::jsonb)
       ON CONFLICT (party_key, ${this.idColumn}) DO UPDATE SET peer_id = EXCLUDED.peer_id, last_updated = EXCLUDED.last_updated, document = EXCLUDED.document
       WHERE t.last_updated <= EXCLUDED.last_updated
       RETURNING (xmax = 0) AS created`,
      key.partyKey,
      this.idOf(key),
      peerId,
      new Date(document.last_updated),
      JSON.stringify(document),
    );
    return rows[0] ?? null;
  }

  /** Overwrites a locked object (the caller decided the write is not stale). */
  async replace(tx: Tx, key: K, peerId: string, document: T): Promise<void> {
    await tx.$executeRawUnsafe(
      `UPDATE ${this.table} SET peer_id = $3::uuid, last_updated = $4, document = $5::jsonb WHERE party_key = $1 AND ${this.idColumn} = $2`,
      key.partyKey,
      this.idOf(key),
      peerId,
      new Date(document.last_updated),
      JSON.stringify(document),
    );
  }

  /** Deletes the object; false when there was none. */
  async delete(tx: Tx, key: K): Promise<boolean> {
    return (await tx.$executeRawUnsafe(`DELETE FROM ${this.table} WHERE party_key = $1 AND ${this.idColumn} = $2`, key.partyKey, this.idOf(key))) > 0;
  }
}
