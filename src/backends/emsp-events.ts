/**
 * Events for a local eMSP party's own backend: what peers told us about its drivers' sessions and
 * CDRs, and the answers to commands and charging profiles it sent. An event is written in the
 * transaction of the change it reports (so a rolled-back change never produces one, and a
 * committed one never loses it) and POSTed to the party's webhook by the dispatcher sweep, signed
 * like every webhook call, retried with backoff until the delivery retry window has passed.
 * Parties without a webhook get no rows at all.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../app-context.js';
import type { Db, Prisma } from '../db/prisma.js';
import type { PartyRef } from '../ocpi/context.js';
import { UrlPolicyError } from '../ocpi/url-policy.js';
import { partyKey } from '../platform/parties/party-store.js';
import { nextDelayMs } from '../delivery/retry-policy.js';
import { type WebhookBackend, postSigned } from './adapter.js';

export type EmspEventType = 'session.started' | 'session.updated' | 'session.ended' | 'cdr.received' | 'cdr.quarantined' | 'command.result' | 'chargingprofile.result' | 'chargingprofile.active';

export const EMSP_EVENT_TYPES: readonly EmspEventType[] = ['session.started', 'session.updated', 'session.ended', 'cdr.received', 'cdr.quarantined', 'command.result', 'chargingprofile.result', 'chargingprofile.active'];

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
  const payload: StoredPayload = { party: { country_code: party.countryCode.toUpperCase(), party_id: party.partyId.toUpperCase() }, data };
  await tx.backendEvent.create({
    data: { id: randomUUID(), partyKey: partyKey(party.countryCode, party.partyId), type, payload: payload as unknown as Prisma.InputJsonValue },
  });
}

/** The JSON body a webhook receives. */
export function eventBody(row: { id: string; type: string; payload: unknown; createdAt: Date }): string {
  const { party, data } = row.payload as StoredPayload;
  return JSON.stringify({ id: row.id, type: row.type, party, occurred_at: row.createdAt.toISOString(), data });
}

interface ClaimedRow {
  id: string;
  seq: string;
  party_key: string;
  type: string;
  payload: StoredPayload;
  created_at: Date;
  attempts: number;
}

const BATCH = 100;
const PARALLEL_PARTIES = 8;
const running = new WeakMap<AppContext, Promise<number>>();

/**
 * Sends due events; called from every dispatcher sweep of every worker process. A sweep that
 * finds the previous one still sending waits for it instead of starting a second.
 * Returns the number of events attempted.
 */
export function deliverEmspEvents(app: AppContext): Promise<number> {
  const current = running.get(app);
  if (current) return current;
  const run = deliverDue(app)
    .catch((e) => {
      app.log.warn({ err: (e as Error).message }, 'eMSP event delivery failed; the next sweep retries');
      return 0;
    })
    .finally(() => running.delete(app));
  running.set(app, run);
  return run;
}

async function deliverDue(app: AppContext): Promise<number> {
  let attempted = 0;
  for (let round = 0; round < 10; round++) {
    const rows = await claim(app);
    if (rows.length === 0) break;
    // One party's events one by one in the order they were recorded; parties side by side.
    const byParty = new Map<string, ClaimedRow[]>();
    for (const row of rows.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq)))) byParty.set(row.party_key, [...(byParty.get(row.party_key) ?? []), row]);
    const queues = [...byParty.values()];
    await Promise.all(
      Array.from({ length: Math.min(PARALLEL_PARTIES, queues.length) }, async () => {
        for (let q = queues.shift(); q; q = queues.shift()) attempted += await sendInOrder(app, q);
      }),
    );
    if (rows.length < BATCH) break;
  }
  return attempted;
}

/**
 * Takes due rows by moving their next attempt past the time a send can take (a lease): rows
 * another worker holds are skipped (SKIP LOCKED), and once committed they are no longer due, so
 * two workers never send one event at the same time. A worker that dies mid-send leaves the row
 * to be retried when the lease runs out. A row waits while an older event of its party waits for
 * a retry (or is being sent), so a backend sees a party's events in the order they happened.
 */
async function claim(app: AppContext): Promise<ClaimedRow[]> {
  const table = `"${app.config.DATABASE_SCHEMA}"."backend_event"`;
  const leaseMs = Math.max(30_000, app.config.OUTBOUND_TIMEOUT_MS * 3);
  return app.db.$queryRawUnsafe<ClaimedRow[]>(
    `UPDATE ${table} SET next_attempt_at = now() + ($1::int * interval '1 millisecond'), attempts = attempts + 1
     WHERE id IN (
       SELECT e.id FROM ${table} e
       WHERE e.status = 'PENDING' AND e.next_attempt_at <= now()
         AND NOT EXISTS (SELECT 1 FROM ${table} o WHERE o.party_key = e.party_key AND o.status = 'PENDING' AND o.seq < e.seq AND o.next_attempt_at > now())
       ORDER BY e.seq LIMIT $2 FOR UPDATE OF e SKIP LOCKED)
     RETURNING id::text AS id, seq::text AS seq, party_key, type, payload, created_at, attempts`,
    leaseMs,
    BATCH,
  );
}

/** Sends one party's claimed events in order; after a failure the rest wait behind it. Returns how many were attempted. */
async function sendInOrder(app: AppContext, rows: ClaimedRow[]): Promise<number> {
  for (let i = 0; i < rows.length; i++) {
    const retryAt = await attempt(app, rows[i]);
    if (retryAt) {
      const rest = rows.slice(i + 1).map((r) => r.id);
      if (rest.length) {
        // Not attempted: hand back the claim without counting an attempt.
        await app.db.backendEvent.updateMany({ where: { id: { in: rest } }, data: { nextAttemptAt: retryAt, attempts: { decrement: 1 } } });
      }
      return i + 1;
    }
  }
  return rows.length;
}

/** One attempt; returns when to retry, or null when the event is finished (DELIVERED or DEAD). */
async function attempt(app: AppContext, row: ClaimedRow): Promise<Date | null> {
  const party = row.payload.party;
  try {
    const backend = await app.parties.backendOf(party.country_code, party.party_id);
    if (backend?.adapter !== 'webhook') {
      await finish(app, row.id, 'DEAD', 'the party no longer has a webhook backend');
      return null;
    }
    await postSigned(app, backend as WebhookBackend, eventBody({ id: row.id, type: row.type, payload: row.payload, createdAt: new Date(row.created_at) }), { 'X-Event-Id': row.id });
    await finish(app, row.id, 'DELIVERED', null);
    return null;
  } catch (e) {
    const reason = describe(e);
    const delay = nextDelayMs(row.attempts, { baseMs: app.config.DELIVERY_BACKOFF_BASE_MS, maxMs: app.config.DELIVERY_BACKOFF_MAX_MS });
    const next = new Date(Date.now() + delay);
    const windowEnd = new Date(row.created_at).getTime() + app.config.DELIVERY_RETRY_WINDOW_MINUTES * 60_000;
    if (isPolicyRefusal(e) || next.getTime() > windowEnd) {
      await finish(app, row.id, 'DEAD', reason);
      app.log.warn({ event_id: row.id, type: row.type, party: `${party.country_code}/${party.party_id}`, attempts: row.attempts, err: reason }, 'eMSP backend event given up');
      return null;
    }
    await app.db.backendEvent.update({ where: { id: row.id }, data: { nextAttemptAt: next, lastError: reason } });
    return next;
  }
}

async function finish(app: AppContext, id: string, status: 'DELIVERED' | 'DEAD', lastError: string | null): Promise<void> {
  await app.db.backendEvent.update({ where: { id }, data: { status, lastError } });
}

/** The URL policy refused the webhook (checked on the text or at connect time): retrying cannot help. */
function isPolicyRefusal(e: unknown): boolean {
  for (let cur = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) if (cur instanceof UrlPolicyError) return true;
  return false;
}

/** A failure as it may be stored and logged: the HTTP status or the network error, never the secret or body. */
function describe(e: unknown): string {
  const err = e as { response?: { status?: number }; code?: string; message?: string };
  if (err?.response?.status) return `webhook answered HTTP ${err.response.status}`;
  if (err?.code) return `webhook unreachable: ${err.code}`;
  return (err?.message ?? String(e)).slice(0, 1000);
}
