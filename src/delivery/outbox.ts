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

export type OutboxTarget = { interfaceRole: 'SENDER' | 'RECEIVER'; path: string } | { url: string };

export interface OutboxMessageInput {
  peerId: string;
  /** Ordering and coalescing key within the peer, e.g. `locations:NL/CPO/LOC1`. */
  objectKey: string;
  kind: 'PUSH' | 'CALLBACK';
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
    await this.notify(tx, [...new Set(messages.map((m) => m.peerId))]);
  }

  /** Wakes the dispatchers for these peers (after a retry, a resume...). */
  async wake(peerIds: string[], tx: Tx = this.db): Promise<void> {
    if (peerIds.length) await this.notify(tx, peerIds);
  }

  private async notify(tx: Tx, peerIds: string[]): Promise<void> {
    await tx.$executeRawUnsafe('SELECT pg_notify($1, $2)', this.channel, peerIds.join(','));
  }

  /**
   * One INSERT ... SELECT FROM unnest(...) per chunk: every change of the platform writes here,
   * and this is an order of magnitude cheaper than createMany's per-row mapping.
   */
  private async insert(tx: Tx, messages: OutboxMessageInput[]): Promise<void> {
    const col = <T>(pick: (m: OutboxMessageInput) => T) => messages.map(pick);
    await tx.$executeRawUnsafe(
      `INSERT INTO ${this.table} (peer_id, object_key, kind, module, method, full_version, interface_role, path, url, body,
                                  last_updated, from_country, from_party, to_country, to_party, deadline_at, correlation_id, status)
       SELECT * , 'PENDING' FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[], $8::text[],
                                        $9::text[], $10::jsonb[], $11::timestamptz[], $12::text[], $13::text[], $14::text[], $15::text[], $16::timestamptz[],
                                        $17::text[])`,
      col((m) => m.peerId),
      col((m) => m.objectKey),
      col((m) => m.kind),
      col((m) => m.module),
      col((m) => m.method),
      col((m) => m.fullVersion),
      col((m) => ('url' in m.target ? null : m.target.interfaceRole)),
      col((m) => ('url' in m.target ? null : m.target.path)),
      col((m) => ('url' in m.target ? m.target.url : null)),
      col((m) => (m.body === undefined ? null : JSON.stringify(m.body))),
      col((m) => m.lastUpdated ?? null),
      col((m) => m.from?.countryCode ?? null),
      col((m) => m.from?.partyId ?? null),
      col((m) => m.to?.countryCode ?? null),
      col((m) => m.to?.partyId ?? null),
      col((m) => m.deadlineAt ?? null),
      col((m) => m.correlationId ?? null),
    );
  }
}
