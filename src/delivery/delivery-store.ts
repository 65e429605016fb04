/**
 * The queries of the delivery engine. The hot path (pending rows of a peer, marking a batch
 * delivered, moving cursors) is plain SQL: one statement per batch instead of one per row.
 */
import type { Db } from '../db/prisma.js';

export interface PendingRow {
  id: bigint;
  /** WEBHOOK rows: headers besides the signature. */
  headers: Record<string, string> | null;
  objectKey: string;
  kind: string;
  module: string;
  fullVersion: boolean;
  method: string;
  interfaceRole: string | null;
  path: string | null;
  url: string | null;
  body: unknown;
  lastUpdated: Date | null;
  fromCountry: string | null;
  fromParty: string | null;
  toCountry: string | null;
  toParty: string | null;
  attempts: number;
  nextAttemptAt: Date;
  firstFailedAt: Date | null;
  deadlineAt: Date | null;
  createdAt: Date;
  correlationId: string | null;
}

/** A lane (src/delivery/outbox.ts laneOf) as the column and id it selects on. */
export function laneWhere(lane: string): { column: 'peer_id' | 'party_id'; id: string } {
  return lane.startsWith('party:') ? { column: 'party_id', id: lane.slice('party:'.length) } : { column: 'peer_id', id: lane };
}

export interface Cursor {
  lastUpdated: Date;
  messageId: bigint;
}

export class DeliveryStore {
  private readonly outbox: string;
  private readonly cursor: string;
  private readonly peer: string;
  private readonly lease: string;

  constructor(
    private readonly db: Db,
    schema: string,
  ) {
    const q = `"${schema.replace(/"/g, '""')}"`;
    this.outbox = `${q}."outbox_message"`;
    this.cursor = `${q}."delivery_cursor"`;
    this.peer = `${q}."peer"`;
    this.lease = `${q}."delivery_lease"`;
  }

  pending(lane: string, limit: number): Promise<PendingRow[]> {
    const { column, id } = laneWhere(lane);
    return this.db.$queryRawUnsafe<PendingRow[]>(
      `SELECT id, object_key AS "objectKey", kind, module, full_version AS "fullVersion", method, interface_role AS "interfaceRole",
              path, url, body, last_updated AS "lastUpdated", from_country AS "fromCountry", from_party AS "fromParty",
              to_country AS "toCountry", to_party AS "toParty", attempts, next_attempt_at AS "nextAttemptAt",
              first_failed_at AS "firstFailedAt", deadline_at AS "deadlineAt", created_at AS "createdAt",
              correlation_id AS "correlationId", headers
         FROM ${this.outbox} WHERE status = 'PENDING' AND ${column} = $1::uuid ORDER BY id LIMIT $2`,
      id,
      limit,
    );
  }

  async cursors(peerId: string, keys: string[]): Promise<Map<string, Cursor>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db.$queryRawUnsafe<Array<{ objectKey: string; lastUpdated: Date; messageId: bigint }>>(
      `SELECT object_key AS "objectKey", last_updated AS "lastUpdated", message_id AS "messageId" FROM ${this.cursor} WHERE peer_id = $1::uuid AND object_key = ANY($2::text[])`,
      peerId,
      keys,
    );
    return new Map(rows.map((r) => [r.objectKey, { lastUpdated: r.lastUpdated, messageId: r.messageId }]));
  }

  /** Marks a batch delivered and moves the cursors forward (never back), in one round trip. */
  async recordDelivered(peerId: string, ids: bigint[], cursors: Array<{ objectKey: string; lastUpdated: Date; messageId: bigint }>): Promise<void> {
    if (ids.length === 0) return;
    await this.db.$executeRawUnsafe(
      `WITH marked AS (
         UPDATE ${this.outbox} SET status = 'DELIVERED', delivered_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY($2::bigint[])
       )
       INSERT INTO ${this.cursor} (peer_id, object_key, last_updated, message_id)
       SELECT $1::uuid, k, u, m FROM unnest($3::text[], $4::timestamptz[], $5::bigint[]) AS t(k, u, m)
       ON CONFLICT (peer_id, object_key) DO UPDATE SET last_updated = EXCLUDED.last_updated, message_id = EXCLUDED.message_id
        WHERE (EXCLUDED.last_updated, EXCLUDED.message_id) > (${this.cursor}.last_updated, ${this.cursor}.message_id)`,
      peerId,
      ids.map(String),
      cursors.map((e) => e.objectKey),
      cursors.map((e) => e.lastUpdated),
      cursors.map((e) => String(e.messageId)),
    );
  }

  async setStatus(ids: bigint[], status: 'SUPERSEDED' | 'DEAD' | 'RESYNC', reason?: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db.$executeRawUnsafe(
      `UPDATE ${this.outbox} SET status = $2, last_error = COALESCE($3, last_error) WHERE id = ANY($1::bigint[]) AND status = 'PENDING'`,
      ids.map(String),
      status,
      reason ?? null,
    );
  }

  /** Gives up on a row after an attempt: the attempt counts, so a dead-lettered row shows how often it was tried. */
  async giveUp(id: bigint, status: 'DEAD' | 'RESYNC', attempts: number, reason: string): Promise<void> {
    await this.db.$executeRawUnsafe(
      `UPDATE ${this.outbox} SET status = $2, attempts = $3, last_error = $4 WHERE id = $1::bigint AND status = 'PENDING'`,
      String(id),
      status,
      attempts,
      reason,
    );
  }

  async scheduleRetry(id: bigint, at: Date, firstFailedAt: Date, attempts: number, reason: string): Promise<void> {
    await this.db.$executeRawUnsafe(
      `UPDATE ${this.outbox} SET next_attempt_at = $2, first_failed_at = $3, attempts = $4, last_error = $5 WHERE id = $1::bigint`,
      String(id),
      at,
      firstFailedAt,
      attempts,
      reason,
    );
  }

  /** After a peer-level failure, nothing else of the lane is tried before the failed row's retry time. */
  async postponePeer(lane: string, until: Date, now: Date): Promise<void> {
    const { column, id } = laneWhere(lane);
    await this.db.$executeRawUnsafe(
      `UPDATE ${this.outbox} SET next_attempt_at = $2, first_failed_at = COALESCE(first_failed_at, $3)
        WHERE ${column} = $1::uuid AND status = 'PENDING' AND next_attempt_at < $2`,
      id,
      until,
      now,
    );
  }

  /** Takes or renews the peer's lease; false when another live run holds it. */
  async claimLease(peerId: string, owner: string, ms: number): Promise<boolean> {
    const rows = await this.db.$queryRawUnsafe<unknown[]>(
      `INSERT INTO ${this.lease} (peer_id, owner, until) VALUES ($1::uuid, $2, now() + make_interval(secs => $3::double precision / 1000))
       ON CONFLICT (peer_id) DO UPDATE SET owner = EXCLUDED.owner, until = EXCLUDED.until
        WHERE ${this.lease}.owner = EXCLUDED.owner OR ${this.lease}.until < now()
       RETURNING peer_id`,
      peerId,
      owner,
      ms,
    );
    return rows.length === 1;
  }

  async releaseLease(peerId: string, owner: string): Promise<void> {
    await this.db.$executeRawUnsafe(`DELETE FROM ${this.lease} WHERE peer_id = $1::uuid AND owner = $2`, peerId, owner);
  }

  /**
   * Finished history older than the retention period goes; cursors stay (they guard ordering).
   * In batches: one DELETE of days of history would outlast the statement timeout
   * (DB_STATEMENT_TIMEOUT_MS) and then fail at every run.
   */
  async purgeFinished(olderThan: Date, batch = 10_000): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.db.$executeRawUnsafe(
        `DELETE FROM ${this.outbox} WHERE id IN (SELECT id FROM ${this.outbox} WHERE status IN ('DELIVERED', 'SUPERSEDED', 'DROPPED') AND created_at < $1 LIMIT $2)`,
        olderThan,
        batch,
      );
      total += deleted;
      if (deleted < batch) return total;
    }
  }

  /** Lanes that have a row due now and may be delivered to: registered peers (not suspended) and party backends. */
  async dueLanes(limit: number): Promise<string[]> {
    const rows = await this.db.$queryRawUnsafe<Array<{ lane: string }>>(
      `(SELECT DISTINCT o.peer_id::text AS lane FROM ${this.outbox} o JOIN ${this.peer} p ON p.id = o.peer_id
         WHERE o.status = 'PENDING' AND o.next_attempt_at <= now() AND p.status = 'REGISTERED' LIMIT $1)
       UNION ALL
       (SELECT DISTINCT 'party:' || o.party_id::text FROM ${this.outbox} o
         WHERE o.status = 'PENDING' AND o.party_id IS NOT NULL AND o.next_attempt_at <= now() LIMIT $1)`,
      limit,
    );
    return rows.map((r) => r.lane);
  }
}
