/**
 * Events for a local eMSP party's own backend: what peers told us about its drivers' sessions and
 * CDRs, and the answers to commands and charging profiles it sent. An event is written in the
 * transaction of the change it reports (so a rolled-back change never produces one, and a
 * committed one never loses it), as a backend_event record (the party's event log) and a WEBHOOK
 * outbox row on the party's lane: the delivery engine POSTs it, signed, in recording order per
 * party, with the retries, backoff, retry window and DEAD of every outbox message.
 * Parties without a webhook get no rows at all.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { Db, Prisma } from '../db/prisma.js';
import type { WebhookTarget } from '../delivery/webhook-targets.js';
import type { PartyRef } from '../ocpi/context.js';
import { partyKey } from '../platform/parties/party-store.js';
import { signatureHeaders } from './adapter.js';

export type EmspEventType =
  | 'session.started'
  | 'session.updated'
  | 'session.ended'
  | 'cdr.received'
  | 'cdr.quarantined'
  | 'command.result'
  | 'chargingprofile.result'
  | 'chargingprofile.active';

export const EMSP_EVENT_TYPES: readonly EmspEventType[] = [
  'session.started',
  'session.updated',
  'session.ended',
  'cdr.received',
  'cdr.quarantined',
  'command.result',
  'chargingprofile.result',
  'chargingprofile.active',
];

/** The outbox module of event rows: the composition root registers emspEventTarget under it. */
export const EMSP_EVENTS_MODULE = 'events';

/** What the table holds besides its columns; the id, type and created_at complete the body. */
interface StoredPayload {
  party: { country_code: string; party_id: string };
  data: unknown;
}

/**
 * Records an event for `party`'s backend inside the caller's transaction, when the party has a
 * webhook backend. Call it after the change it reports, in the same transaction.
 */
export async function enqueueEmspEvent(app: AppContext, tx: Prisma.TransactionClient | Db, party: PartyRef, type: EmspEventType, data: unknown): Promise<void> {
  const backend = await app.parties.backendOf(party.countryCode, party.partyId);
  if (backend?.adapter !== 'webhook') return;
  const key = partyKey(party.countryCode, party.partyId);
  const local = await tx.party.findUnique({ where: { partyKey: key }, select: { id: true } });
  if (!local) return;
  const id = randomUUID();
  const createdAt = new Date();
  const payload: StoredPayload = { party: { country_code: party.countryCode.toUpperCase(), party_id: party.partyId.toUpperCase() }, data };
  // One key per party: the engine sends a party's events strictly in recording order.
  const messageId = await app.outbox.enqueueOne(tx, {
    partyId: local.id,
    objectKey: `events:${key}`,
    kind: 'WEBHOOK',
    module: EMSP_EVENTS_MODULE,
    method: 'POST',
    target: { partyBackend: true },
    body: eventBody({ id, type, payload, createdAt }),
    fullVersion: false,
    headers: { 'X-Event-Id': id },
  });
  await tx.backendEvent.create({ data: { id, partyKey: key, type, payload: payload as unknown as Prisma.InputJsonValue, createdAt, messageId } });
}

/** The JSON body a webhook receives. */
export function eventBody(row: { id: string; type: string; payload: unknown; createdAt: Date }): {
  id: string;
  type: string;
  party: StoredPayload['party'];
  occurred_at: string;
  data: unknown;
} {
  const { party, data } = row.payload as StoredPayload;
  return { id: row.id, type: row.type, party, occurred_at: row.createdAt.toISOString(), data };
}

/** Where a party's events go: its webhook backend, signed with its current secret; null once it has none. */
export async function emspEventTarget(app: AppContext, partyUuid: string): Promise<WebhookTarget | null> {
  const party = await app.db.party.findUnique({ where: { id: partyUuid }, select: { countryCode: true, partyId: true } });
  if (!party) return null;
  const backend = await app.parties.backendOf(party.countryCode, party.partyId);
  if (backend?.adapter !== 'webhook') return null;
  return { url: backend.url, sign: (body) => signatureHeaders(app, backend, body) };
}

export type EmspEventStatus = 'PENDING' | 'DELIVERED' | 'DEAD';

export interface EmspEventView {
  id: string;
  type: string;
  status: EmspEventStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  payload: StoredPayload;
}

/**
 * A party's events with their delivery state, newest first. The state is the outbox row's; a
 * row purged after delivery (or of an event recorded before the outbox carried events and
 * finished then) counts as DELIVERED. Any other end state of the engine reads as DEAD.
 */
export async function listEmspEvents(app: AppContext, key: string, filter: { status?: EmspEventStatus; type?: string; limit: number }): Promise<EmspEventView[]> {
  const q = `"${app.config.DATABASE_SCHEMA.replace(/"/g, '""')}"`;
  const status = `CASE WHEN m.id IS NULL OR m.status = 'DELIVERED' THEN 'DELIVERED' WHEN m.status = 'PENDING' THEN 'PENDING' ELSE 'DEAD' END`;
  return app.db.$queryRawUnsafe<EmspEventView[]>(
    `SELECT e.id::text AS id, e.type, ${status} AS status, COALESCE(m.attempts, 0)::int AS attempts,
            CASE WHEN m.status = 'PENDING' THEN m.next_attempt_at END AS "nextAttemptAt", m.last_error AS "lastError",
            e.created_at AS "createdAt", e.payload
       FROM ${q}."backend_event" e LEFT JOIN ${q}."outbox_message" m ON m.id = e.message_id
      WHERE e.party_key = $1 AND ($2::text IS NULL OR ${status} = $2) AND ($3::text IS NULL OR e.type = $3)
      ORDER BY e.seq DESC LIMIT $4`,
    key,
    filter.status ?? null,
    filter.type ?? null,
    filter.limit,
  );
}
