/**
 * Delivers what is pending for one lane: a peer (OCPI pushes and callbacks) or a local party's
 * own backend (signed WEBHOOK rows, e.g. eMSP backend events). One run at a time per lane (the
 * BullMQ job id and the PostgreSQL lease), so order per object is kept across worker processes.
 * Within a run, objects are delivered concurrently and the messages of one object strictly in
 * order; every kind is retried, backed off and given up by the same code below.
 *
 * Per object (ordered by last_updated, then insert order): a newer complete version supersedes
 * every older undelivered message; a message
 * older than what the peer already acknowledged (the cursor) is never sent; a failed message
 * blocks the ones after it until it is retried, given up (DEAD) or past the retry window (RESYNC).
 */
import crypto from 'node:crypto';
import type { AppContext } from '../context.js';
import type { OcpiClient } from '../ocpi/client.js';
import type { PeerRecord } from '../platform/peers/peer-store.js';
import { type Cursor, type DeliveryStore, type PendingRow, bodyText, laneWhere } from './delivery-store.js';
import type { DeliveryMetrics } from './metrics.js';
import { isUnknownObject, judgeFailure, nextDelayMs } from './retry-policy.js';
import { NOT_FOR_PEER } from './translations.js';

export interface DeliverySettings {
  keyConcurrency: number;
  /** How long a run's claim on a peer lasts without renewal (a dead worker's claim expires). */
  leaseMs: number;
  batchSize: number;
  retryWindowMs: number;
  backoff: { baseMs: number; maxMs: number };
}

export interface RunResult {
  delivered: number;
  failed: number;
  dead: number;
  superseded: number;
}

interface Work {
  key: string;
  rows: PendingRow[];
}

/** What differs between lanes; everything else (ordering, retries, window, DEAD) is shared. */
interface Destination {
  /** The peer id or the party id (metrics, logs). */
  id: string;
  /** Set for a peer lane: told about outcomes, offered full versions after an unknown-object answer. */
  peer?: PeerRecord;
  windowMs: number;
  /**
   * Past the retry window a peer catches up by pulling, so the object stops (RESYNC of the row
   * and the rest of its key); a backend cannot pull, so only the failing row is given up (DEAD).
   */
  pastWindow: 'RESYNC' | 'DEAD';
  /** The URL of a row, or why there is none (the row is then DEAD). */
  url(row: PendingRow): Promise<string | { missing: string }>;
  send(row: PendingRow, url: string, method: string, body: unknown): Promise<void>;
}

export class PeerDelivery {
  constructor(
    private readonly app: AppContext,
    private readonly client: OcpiClient,
    private readonly store: DeliveryStore,
    private readonly settings: DeliverySettings,
    private readonly metrics: DeliveryMetrics,
    /** Told whether the peer answered at all (the hub keeps ClientInfo status from it). */
    private readonly onPeerOutcome: (peerId: string, answered: boolean) => Promise<void> = async () => undefined,
  ) {}

  /**
   * One run for one lane. BullMQ's job id keeps runs apart while Redis keeps its data; the
   * PostgreSQL lease keeps them apart when it does not (flush, failover) or when a worker died.
   */
  async run(lane: string): Promise<RunResult> {
    const owner = crypto.randomUUID();
    // Peer and party ids are both random UUIDs: one lease table serves both kinds of lane.
    const leaseKey = laneWhere(lane).id;
    if (!(await this.store.claimLease(leaseKey, owner, this.settings.leaseMs))) return { delivered: 0, failed: 0, dead: 0, superseded: 0 };
    let lost = false;
    const renew = setInterval(() => {
      this.store.claimLease(leaseKey, owner, this.settings.leaseMs).then(
        (held) => (lost ||= !held),
        () => (lost = true),
      );
    }, this.settings.leaseMs / 3);
    try {
      return await this.runLeased(lane, () => lost);
    } finally {
      clearInterval(renew);
      // What a failed round counted is not lost with it.
      this.metrics.flush();
      await this.store.releaseLease(leaseKey, owner).catch(() => undefined);
    }
  }

  /** A peer lane: OCPI calls with the peer's token to its endpoints. Null while it may not be delivered to. */
  private async peerDestination(peerId: string): Promise<Destination | null> {
    const peer = await this.app.peerStore.get(peerId);
    // Suspended or gone: rows stay PENDING and are picked up when the peer is resumed.
    if (!peer || peer.status !== 'REGISTERED' || !peer.peerTokenEnc) return null;
    const token = this.app.secrets.decrypt(peer.peerTokenEnc);
    // The endpoint of each (module, role), looked up once per run rather than once per message.
    const bases = new Map<string, string | null>();
    return {
      id: peer.id,
      peer,
      windowMs: peer.retryWindowMinutes ? peer.retryWindowMinutes * 60_000 : this.settings.retryWindowMs,
      pastWindow: 'RESYNC',
      url: async (row) => {
        if (row.url) return row.url;
        const key = `${row.module} ${row.interfaceRole}`;
        let base = bases.get(key);
        if (base === undefined) bases.set(key, (base = endpointBase(peer, row)));
        return base === null ? { missing: `peer advertises no ${row.module} ${row.interfaceRole} endpoint` } : `${base}${row.path ?? ''}`;
      },
      send: (row, url, method, body) => this.send(peer, token, row, url, method, body),
    };
  }

  /** A party lane: signed POSTs to the party backend the composition root's resolver names. */
  private partyDestination(partyId: string): Destination {
    const targets = new Map<string, ReturnType<AppContext['webhookTargets']['resolve']>>();
    const target = (module: string) => {
      let resolved = targets.get(module);
      if (!resolved) {
        resolved = this.app.webhookTargets.resolve(this.app, module, partyId);
        targets.set(module, resolved);
      }
      return resolved;
    };
    return {
      id: partyId,
      windowMs: this.settings.retryWindowMs,
      pastWindow: 'DEAD',
      url: async (row) => (await target(row.module))?.url ?? { missing: 'the party no longer has a webhook backend' },
      send: async (row, url, _method, body) => {
        const text = (body === row.body ? bodyText(row) : undefined) ?? JSON.stringify(body ?? null);
        const signer = await target(row.module);
        await this.client.webhook({ url, body: text, headers: { ...(row.headers ?? {}), ...(signer?.sign(text) ?? {}) } });
      },
    };
  }

  private async runLeased(lane: string, leaseLost: () => boolean): Promise<RunResult> {
    const result: RunResult = { delivered: 0, failed: 0, dead: 0, superseded: 0 };
    const { column, id: laneId } = laneWhere(lane);
    const dest = column === 'party_id' ? this.partyDestination(laneId) : await this.peerDestination(laneId);
    if (!dest) return result;

    for (let round = 0; round < 50; round++) {
      const rows = await this.store.pending(lane, this.settings.batchSize);
      if (rows.length === 0) break;
      const now = new Date();
      const { work, superseded, inherited } = await this.plan(laneId, rows, now);
      await this.store.setStatus(superseded, 'SUPERSEDED');
      for (const head of inherited)
        await this.store.scheduleRetry(head, head.nextAttemptAt, head.firstFailedAt ?? now, head.attempts, 'superseded a message that was being retried');
      result.superseded += superseded.length;
      if (work.length === 0) break;

      const delivered = new GroupCommit(this.store, laneId);
      let peerDownUntil: Date | null = null;
      let next = 0;
      const worker = async () => {
        for (let item = work[next++]; item && !peerDownUntil && !leaseLost(); item = work[next++]) {
          const outcome = await this.deliverKey(dest, item, delivered, result);
          if (outcome) peerDownUntil = outcome;
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.settings.keyConcurrency, work.length) }, worker));

      try {
        await delivered.settled();
      } finally {
        this.metrics.flush();
      }
      result.delivered += delivered.rows.length;
      this.metrics.observeDelivered(dest.id, delivered.rows);
      if (dest.peer && delivered.rows.length) await this.onPeerOutcome(dest.id, true).catch(() => undefined);
      if (peerDownUntil) {
        if (dest.peer) await this.onPeerOutcome(dest.id, false).catch(() => undefined);
        await this.store.postponePeer(lane, peerDownUntil, now);
        break;
      }
      if (leaseLost()) break;
    }
    return result;
  }

  /** Coalesces and orders the pending rows per object; returns what to send now and what to drop. */
  private async plan(peerId: string, rows: PendingRow[], now: Date): Promise<{ work: Work[]; superseded: PendingRow[]; inherited: PendingRow[] }> {
    const byKey = new Map<string, PendingRow[]>();
    for (const row of rows) {
      const list = byKey.get(row.objectKey);
      if (list) list.push(row);
      else byKey.set(row.objectKey, [row]);
    }
    const cursors = await this.store.cursors(peerId, [...byKey.keys()]);
    const superseded: PendingRow[] = [];
    const inherited: PendingRow[] = [];
    const work: Work[] = [];
    for (const [key, unordered] of byKey) {
      // An object's history is ordered by last_updated, not by insert order: concurrent
      // transactions take ids in one order and commit in another.
      const keyRows = unordered.sort(byVersion);
      let lastFull = -1;
      keyRows.forEach((r, i) => r.fullVersion && (lastFull = i));
      if (lastFull > 0) {
        const dropped = keyRows.slice(0, lastFull);
        superseded.push(...dropped);
        if (inheritRetryState(keyRows[lastFull], dropped)) inherited.push(keyRows[lastFull]);
      }
      const cursor = cursors.get(key);
      const remaining = keyRows.slice(Math.max(lastFull, 0)).filter((r) => {
        const stale = isOlderThan(r, cursor);
        if (stale) superseded.push(r);
        return !stale;
      });
      if (remaining.length === 0 || remaining[0].nextAttemptAt > now) continue;
      work.push({ key, rows: remaining });
    }
    return { work, superseded, inherited };
  }

  /** Sends one object's messages in order. Returns a time when the peer as a whole looks down. */
  private async deliverKey(dest: Destination, item: Work, delivered: GroupCommit, result: RunResult): Promise<Date | null> {
    const metricsId = dest.id;
    // Set once a PUT of the whole object replaced a PATCH: later messages it contains are not sent.
    let coveredUntil: Date | null = null;
    for (let i = 0; i < item.rows.length; i++) {
      const row = item.rows[i];
      const now = new Date();
      if (coveredUntil && row.lastUpdated && row.lastUpdated <= coveredUntil) {
        await this.store.setStatus([row], 'SUPERSEDED', 'contained in the full version PUT after an unknown-object answer');
        result.superseded++;
        continue;
      }
      if (row.deadlineAt && now > row.deadlineAt) {
        await this.store.setStatus([row], 'DEAD', 'deadline passed before delivery');
        this.metrics.count(metricsId, row.module, 'dead');
        result.dead++;
        continue;
      }
      const url = await dest.url(row);
      if (typeof url !== 'string') {
        await this.store.setStatus([row], 'DEAD', url.missing);
        this.metrics.count(metricsId, row.module, 'dead');
        result.dead++;
        continue;
      }
      try {
        await dest.send(row, url, row.method, row.body);
        // Recorded before the object's next message goes out: if this process dies, its
        // successor repeats at most this one message, never an older one after a newer.
        await delivered.record(row);
        this.metrics.count(metricsId, row.module, 'delivered');
      } catch (error) {
        let failure = error;
        if (dest.peer && row.method === 'PATCH' && isUnknownObject(error)) {
          try {
            const covered = await this.putFullVersion(dest, dest.peer, row, delivered);
            if (covered) {
              coveredUntil = covered;
              this.metrics.count(metricsId, row.module, 'delivered');
              continue;
            }
          } catch (putError) {
            failure = putError;
          }
        }
        const verdict = judgeFailure(failure);
        const attempts = row.attempts + 1;
        if (!verdict.retry) {
          await this.store.giveUp(row, 'DEAD', attempts, verdict.reason);
          this.metrics.count(metricsId, row.module, 'dead');
          result.dead++;
          continue;
        }
        result.failed++;
        this.metrics.count(metricsId, row.module, 'retry');
        const at = new Date(now.getTime() + nextDelayMs(attempts, this.settings.backoff, verdict.retryAfterMs));
        const firstFailedAt = row.firstFailedAt ?? now;
        if (row.deadlineAt && at > row.deadlineAt) {
          await this.store.giveUp(row, 'DEAD', attempts, `deadline passes before the next attempt: ${verdict.reason}`);
          result.dead++;
        } else if (at.getTime() - firstFailedAt.getTime() > dest.windowMs && dest.pastWindow === 'DEAD') {
          await this.store.giveUp(row, 'DEAD', attempts, `retry window exceeded: ${verdict.reason}`);
          this.metrics.count(metricsId, row.module, 'dead');
          result.dead++;
          // The object's later messages go on: the next run finds them due.
          return null;
        } else if (at.getTime() - firstFailedAt.getTime() > dest.windowMs) {
          // Past the window the peer catches up by pulling; this object stops here.
          await this.store.giveUp(row, 'RESYNC', attempts, `retry window exceeded: ${verdict.reason}`);
          await this.store.setStatus(item.rows.slice(i + 1), 'RESYNC', `retry window exceeded: ${verdict.reason}`);
          this.metrics.count(metricsId, row.module, 'resync');
        } else {
          await this.store.scheduleRetry(row, at, firstFailedAt, attempts, verdict.reason);
        }
        return verdict.peerLevel ? at : null;
      }
    }
    return null;
  }

  private async send(peer: PeerRecord, token: string, row: PendingRow, url: string, method: string, body: unknown): Promise<void> {
    // A peer of another OCPI version gets the object as its version writes it (delivery/translations.ts).
    const wire = await this.app.wireTranslations.outbound(peer, row.module, { method, url, body }, this.app);
    if (wire === NOT_FOR_PEER) return;
    await this.client.request({
      method: method as 'PUT',
      url,
      token,
      encoding: peer.authEncoding,
      body: wire ?? undefined,
      // Sent as stored (no translation): the change's text, serialised once for all its peers.
      bodyText: wire === row.body && body === row.body ? bodyText(row) : undefined,
      from: row.fromCountry && row.fromParty ? { countryCode: row.fromCountry, partyId: row.fromParty } : undefined,
      to: row.toCountry && row.toParty ? { countryCode: row.toCountry, partyId: row.toParty } : undefined,
      correlationId: row.correlationId ?? `outbox-${row.id}`,
    });
  }

  /**
   * The peer does not know the object a PATCH addressed (it lost it, or missed the PUT that
   * created it): the module's current complete version is PUT instead, and the PATCH counts as
   * delivered with it. Returns the PUT's last_updated, or null when the module has no complete
   * version to offer (the object is gone, or the key is not the module's own, e.g. a hub relay).
   */
  private async putFullVersion(dest: Destination, peer: PeerRecord, row: PendingRow, delivered: GroupCommit): Promise<Date | null> {
    const full = await this.app.fullVersions.get(row.module)?.current(this.app, row);
    if (!full) return null;
    const url = targetUrl(peer, { ...row, url: null, path: full.path });
    if (!url) return null;
    await dest.send(row, url, 'PUT', full.body);
    const covered = row.lastUpdated && row.lastUpdated > full.lastUpdated ? row.lastUpdated : full.lastUpdated;
    this.app.log.info({ peer_id: peer.id, module: row.module, delivery_id: String(row.id) }, 'peer did not know the object of a PATCH; PUT the full version instead');
    await delivered.record({ ...row, lastUpdated: covered });
    return covered;
  }
}

/** A newer version takes over the backoff of what it replaces, so a down peer is not hammered. */
/** How long acknowledgements gather before they are written together. */
const GROUP_COMMIT_MS = 3;

/**
 * Records deliveries in batches: every object waiting on its acknowledgement is released by
 * one statement every few milliseconds instead of one per message.
 */
class GroupCommit {
  readonly rows: PendingRow[] = [];
  private buffer: PendingRow[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly store: DeliveryStore,
    private readonly peerId: string,
  ) {}

  record(row: PendingRow): Promise<void> {
    this.rows.push(row);
    this.buffer.push(row);
    this.flushing ??= new Promise<void>((resolve) => setTimeout(resolve, GROUP_COMMIT_MS)).then(() => this.flush());
    return this.flushing;
  }

  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = null;
    await this.store.recordDelivered(this.peerId, batch, cursorEntries(batch));
  }
}

function inheritRetryState(head: PendingRow, dropped: PendingRow[]): boolean {
  const before = head.attempts;
  for (const d of dropped) {
    if (d.attempts > head.attempts) head.attempts = d.attempts;
    if (d.nextAttemptAt > head.nextAttemptAt) head.nextAttemptAt = d.nextAttemptAt;
    if (d.firstFailedAt && (!head.firstFailedAt || d.firstFailedAt < head.firstFailedAt)) head.firstFailedAt = d.firstFailedAt;
  }
  return head.attempts !== before;
}

function byVersion(a: PendingRow, b: PendingRow): number {
  const ta = a.lastUpdated?.getTime() ?? 0;
  const tb = b.lastUpdated?.getTime() ?? 0;
  return ta !== tb ? ta - tb : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function isOlderThan(row: PendingRow, cursor: Cursor | undefined): boolean {
  if (!cursor || !row.lastUpdated) return false;
  const a = row.lastUpdated.getTime();
  const b = cursor.lastUpdated.getTime();
  return a < b || (a === b && row.id < cursor.messageId);
}

function cursorEntries(rows: PendingRow[]) {
  const newest = new Map<string, { objectKey: string; lastUpdated: Date; messageId: bigint }>();
  for (const r of rows) {
    if (!r.lastUpdated) continue;
    const current = newest.get(r.objectKey);
    if (!current || r.lastUpdated > current.lastUpdated || (r.lastUpdated.getTime() === current.lastUpdated.getTime() && r.id > current.messageId)) {
      newest.set(r.objectKey, { objectKey: r.objectKey, lastUpdated: r.lastUpdated, messageId: r.id });
    }
  }
  return [...newest.values()];
}

export function targetUrl(peer: PeerRecord, row: Pick<PendingRow, 'url' | 'module' | 'interfaceRole' | 'path'>): string | null {
  if (row.url) return row.url;
  const base = endpointBase(peer, row);
  return base === null ? null : `${base}${row.path ?? ''}`;
}

/** The peer's endpoint URL for the row's module and role, without a trailing slash. */
function endpointBase(peer: PeerRecord, row: Pick<PendingRow, 'module' | 'interfaceRole'>): string | null {
  const endpoint = peer.endpoints.find((e) => e.identifier === row.module && e.role === row.interfaceRole);
  return endpoint ? endpoint.url.replace(/\/+$/, '') : null;
}
