/**
 * Writing to the outbox. Callers pass the transaction that makes the change itself, so the
 * change and the promise to tell the peer commit or roll back together. The NOTIFY is delivered
 * at commit and wakes the dispatchers at once.
 */
import type { Db, Prisma } from '../db/prisma.js';
import type { PartyRef } from '../ocpi/context.js';

/** NOTIFY channels are database-wide: the schema in the name keeps deployments sharing a database apart. */
export function outboxChannel(schema: string): string {
  return `ocpi_outbox_${schema}`.slice(0, 63);
}

/** A peer's endpoint for (module, role) plus a path, an absolute URL, or the destination party's own backend (WEBHOOK). */
export type OutboxTarget = { interfaceRole: 'SENDER' | 'RECEIVER'; path: string } | { url: string } | { partyBackend: true };

/**
 * Where a message goes: a peer, or a local party's own backend (a WEBHOOK row, whose URL and
 * signature the composition root's webhook target gives at send time: see webhook-targets.ts).
 */
export interface OutboxDestination {
  /** Exactly one of the two (the table checks it). */
  peerId?: string | null;
  partyId?: string | null;
}

/** The delivery lane of a destination: one run at a time per lane, as the job id and the lease key. */
export function laneOf(d: OutboxDestination): string {
  if (d.peerId) return d.peerId;
  if (d.partyId) return `party:${d.partyId}`;
  throw new Error('an outbox message needs a peer or a party');
}

export interface OutboxMessageInput extends OutboxDestination {
  /** Ordering and coalescing key within the destination, e.g. `locations:NL/CPO/LOC1`. */
  objectKey: string;
  kind: 'PUSH' | 'CALLBACK' | 'WEBHOOK';
  module: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  target: OutboxTarget;
  body?: unknown;
  /** A complete version of the object (PUT, POST): older undelivered rows of the key are dropped. */
  fullVersion: boolean;
  lastUpdated?: Date;
  from?: PartyRef;
  to?: PartyRef;
  /** Callbacks of async commands are only worth delivering until then. */
  deadlineAt?: Date;
  /** The X-Correlation-ID of the exchange this message continues (a hub broadcast). */
  correlationId?: string;
  /** WEBHOOK rows: headers sent besides the signature (e.g. X-Event-Id). */
  headers?: Record<string, string>;
}

type Tx = Prisma.TransactionClient | Db;

export class Outbox {
  readonly channel: string;
  private readonly table: string;

  constructor(
    private readonly db: Db,
    schema: string,
  ) {
    this.channel = outboxChannel(schema);
    this.table = `"${schema.replace(/"/g, '""')}"."outbox_message"`;
  }

  /** Writes the messages inside the caller's transaction; dispatchers wake at commit. */
  async enqueue(tx: Tx, messages: OutboxMessageInput[]): Promise<void> {
    if (messages.length === 0) return;
    for (let i = 0; i < messages.length; i += 5000) await this.insert(tx, messages.slice(i, i + 5000));
    await this.notify(tx, [...new Set(messages.map(laneOf))]);
  }

  /** Writes one message inside the caller's transaction and returns its id (a record that points at its delivery). */
  async enqueueOne(tx: Tx, message: OutboxMessageInput): Promise<bigint> {
    const [id] = await this.insert(tx, [message], true);
    await this.notify(tx, [laneOf(message)]);
    return id;
  }

  /** Wakes the dispatchers for these peers (after a retry, a resume...). */
  async wake(peerIds: string[], tx: Tx = this.db): Promise<void> {
    if (peerIds.length) await this.notify(tx, peerIds);
  }

  private async notify(tx: Tx, lanes: string[]): Promise<void> {
    await tx.$executeRawUnsafe('SELECT pg_notify($1, $2)', this.channel, lanes.join(','));
  }

  /**
   * One INSERT ... SELECT FROM unnest(...) per chunk: every change of the platform writes here,
   * and this is an order of magnitude cheaper than createMany's per-row mapping.
   */
  private async insert(tx: Tx, messages: OutboxMessageInput[], returning = false): Promise<bigint[]> {
    const col = <T>(pick: (m: OutboxMessageInput) => T) => messages.map(pick);
    const sql = `INSERT INTO ${this.table} (peer_id, object_key, kind, module, method, full_version, interface_role, path, url, body,
                                  last_updated, from_country, from_party, to_country, to_party, deadline_at, correlation_id, party_id, headers, status)
       SELECT * , 'PENDING' FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[], $8::text[],
                                        $9::text[], $10::jsonb[], $11::timestamptz[], $12::text[], $13::text[], $14::text[], $15::text[], $16::timestamptz[],
                                        $17::text[], $18::uuid[], $19::jsonb[])${returning ? ' RETURNING id' : ''}`;
    const params = [
      col((m) => m.peerId ?? null),
      col((m) => m.objectKey),
      col((m) => m.kind),
      col((m) => m.module),
      col((m) => m.method),
      col((m) => m.fullVersion),
      col((m) => ('interfaceRole' in m.target ? m.target.interfaceRole : null)),
      col((m) => ('interfaceRole' in m.target ? m.target.path : null)),
      col((m) => ('url' in m.target ? m.target.url : null)),
      col((m) => (m.body === undefined ? null : JSON.stringify(m.body))),
      col((m) => m.lastUpdated ?? null),
      col((m) => m.from?.countryCode ?? null),
      col((m) => m.from?.partyId ?? null),
      col((m) => m.to?.countryCode ?? null),
      col((m) => m.to?.partyId ?? null),
      col((m) => m.deadlineAt ?? null),
      col((m) => m.correlationId ?? null),
      col((m) => m.partyId ?? null),
      col((m) => (m.headers ? JSON.stringify(m.headers) : null)),
    ];
    if (!returning) {
      await tx.$executeRawUnsafe(sql, ...params);
      return [];
    }
    const rows = await tx.$queryRawUnsafe<Array<{ id: bigint }>>(sql, ...params);
    return rows.map((r) => r.id);
  }
}

declare module '../context.js' {
  interface AppContext {
    outbox: Outbox;
  }
}
