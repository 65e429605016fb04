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
}

type Tx = Prisma.TransactionClient | Db;

export class Outbox {
  readonly channel: string;

  constructor(
    private readonly db: Db,
    schema: string,
  ) {
    this.channel = outboxChannel(schema);
  }

  /** Writes the messages inside the caller's transaction; dispatchers wake at commit. */
  async enqueue(tx: Tx, messages: OutboxMessageInput[]): Promise<void> {
    if (messages.length === 0) return;
    await enqueueRows(tx, messages);
    await this.notify(tx, [...new Set(messages.map((m) => m.peerId))]);
  }

  /** Wakes the dispatchers for these peers (after a retry, a resume...). */
  async wake(peerIds: string[], tx: Tx = this.db): Promise<void> {
    if (peerIds.length) await this.notify(tx, peerIds);
  }

  private async notify(tx: Tx, peerIds: string[]): Promise<void> {
    await tx.$executeRawUnsafe('SELECT pg_notify($1, $2)', this.channel, peerIds.join(','));
  }
}

async function enqueueRows(tx: Tx, messages: OutboxMessageInput[]): Promise<void> {
  await tx.outboxMessage.createMany({
    data: messages.map((m) => ({
      peerId: m.peerId,
      objectKey: m.objectKey,
      kind: m.kind,
      module: m.module,
      method: m.method,
      fullVersion: m.fullVersion,
      interfaceRole: 'url' in m.target ? null : m.target.interfaceRole,
      path: 'url' in m.target ? null : m.target.path,
      url: 'url' in m.target ? m.target.url : null,
      body: m.body === undefined ? undefined : (m.body as Prisma.InputJsonValue),
      lastUpdated: m.lastUpdated,
      fromCountry: m.from?.countryCode,
      fromParty: m.from?.partyId,
      toCountry: m.to?.countryCode,
      toParty: m.to?.partyId,
      deadlineAt: m.deadlineAt,
      status: 'PENDING',
    })),
  });
}
