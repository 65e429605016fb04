/**
 * Storage of the sessions CPO peers pushed to our eMSP parties (05-sessions §2.2): one JSONB
 * document per Session, keyed by the owner's party key and the upper-cased session id.
 */
import type { Db, Prisma } from '../../../db/prisma.js';
import { ciKey } from '../../../ocpi/types.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { Session } from '../../../tariffs/session-schemas.js';

type Tx = Prisma.TransactionClient | Db;

/** The identity of a received session, normalised the way it is indexed. */
export interface SessionKey {
  partyKey: string;
  sessionKey: string;
}

export function sessionKey(countryCode: string, partyId: string, sessionId: string): SessionKey {
  return { partyKey: partyKey(countryCode, partyId), sessionKey: ciKey(sessionId) };
}

export class ReceivedSessionStore {
  private readonly table: string;

  constructor(
    private readonly db: Db,
    schema: string,
  ) {
    this.table = `"${schema.replace(/"/g, '""')}"."received_session"`;
  }

  /** The stored session, or null (case-insensitive ids). */
  async find(countryCode: string, partyId: string, sessionId: string): Promise<Session | null> {
    return this.get(this.db, sessionKey(countryCode, partyId, sessionId));
  }

  async get(tx: Tx, key: SessionKey): Promise<Session | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ document: Session }>>(
      `SELECT document FROM ${this.table} WHERE party_key = $1 AND session_key = $2`,
      key.partyKey,
      key.sessionKey,
    );
    return rows[0]?.document ?? null;
  }

  /**
   * Creates or replaces a session in one statement, unless the stored version is newer (the guard
   * sits in the upsert so two concurrent PUTs cannot let the older one win). `created` tells a
   * new session (201) from a replaced one (200); null means nothing changed.
   */
  async upsert(tx: Tx, key: SessionKey, peerId: string, session: Session): Promise<{ created: boolean } | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ created: boolean }>>(
      `INSERT INTO ${this.table} AS t (party_key, session_key, peer_id, last_updated, document) VALUES ($1, $2, $3::uuid, $4, $5::jsonb)
       ON CONFLICT (party_key, session_key) DO UPDATE SET peer_id = EXCLUDED.peer_id, last_updated = EXCLUDED.last_updated, document = EXCLUDED.document
       WHERE t.last_updated <= EXCLUDED.last_updated
       RETURNING (xmax = 0) AS created`,
      key.partyKey,
      key.sessionKey,
      peerId,
      new Date(session.last_updated),
      JSON.stringify(session),
    );
    return rows[0] ?? null;
  }

  /** Reads and locks a session for a read-modify-write (PATCH) in this transaction. */
  async lock(tx: Tx, key: SessionKey): Promise<Session | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ document: Session }>>(
      `SELECT document FROM ${this.table} WHERE party_key = $1 AND session_key = $2 FOR UPDATE`,
      key.partyKey,
      key.sessionKey,
    );
    return rows[0]?.document ?? null;
  }

  /** Overwrites a locked session (the caller decided the write is not stale). */
  async replace(tx: Tx, key: SessionKey, peerId: string, session: Session): Promise<void> {
    await tx.$executeRawUnsafe(
      `UPDATE ${this.table} SET peer_id = $3::uuid, last_updated = $4, document = $5::jsonb WHERE party_key = $1 AND session_key = $2`,
      key.partyKey,
      key.sessionKey,
      peerId,
      new Date(session.last_updated),
      JSON.stringify(session),
    );
  }
}
