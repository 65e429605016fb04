/**
 * The EVSE status writes of one API process. A StatusNotification is answered as soon as its
 * status is queued here: the answer must not wait behind other charge points' writes, and a
 * charge point sends its next message only after the answer. A bounded number of writers (WRITERS) drain the
 * queue, so a burst of statuses cannot take every database connection of the process. A status
 * is a state, not an event: while one change of an EVSE waits or is being written, a newer one
 * replaces the waiting one (the newest wins), and every change that is written is pushed as
 * before. A write that fails for a passing reason (the database busy) is retried here, with
 * backoff, since the charge point was already answered; a refusal (the EVSE or location is gone)
 * is logged and dropped. The queue holds at most one entry per EVSE and at most MAX_PENDING in
 * all; past that, the status is refused (the charge point gets a CALLERROR and sends it again).
 */
import type { AppContext } from '../../context.js';
import { DomainError } from '../../platform/domain-error.js';
import type { ChargePointRecord } from './charge-points.js';
import { type ConnectorMap, evseOf } from './mapping.js';
import { type OcppCounters, ocppCounters } from './metrics.js';
import { locationOf } from './transactions.js';

/**
 * Writes in flight at once: most of an API process's 10 database connections, since the answers
 * no longer need one; the rest serve handshakes, transactions and the OCPI API meanwhile.
 */
const WRITERS = 8;
/** Entries waiting at most (one per EVSE: 10,000 charge points of 4 EVSEs fit). */
const MAX_PENDING = 50_000;
const RETRY_MS = { first: 500, max: 30_000 };

export interface StatusChange {
  cp: ChargePointRecord;
  /** The OCPP connector (1.6) or EVSE (2.0.1) number, 1 or more; the EVSE is resolved when written. */
  n: number;
  /** OCPI EVSE status. */
  status: string;
  /**
   * Written only while the stored status is this one (a reservation that ended frees a RESERVED
   * EVSE, and nothing else). Such a change never replaces one the charge point reported.
   */
  onlyFrom?: string;
  /** Runs after the write with the status stored before it (also when nothing had to change). */
  after?: (before: string | undefined) => Promise<void>;
}

interface Entry extends StatusChange {
  /** Statuses this entry replaced while waiting, oldest first (the newest wins, they are not written). */
  replaced: string[];
  attempts: number;
}

export class StatusQueue {
  private readonly pending = new Map<string, Entry>();
  /** Keys ready to be written, in arrival order (a Set keeps insertion order). */
  private readonly ready = new Set<string>();
  private readonly inFlight = new Set<string>();
  /** Locations with a write in flight, and the keys waiting for each, in order (one write per location at a time). */
  private readonly busy = new Set<string>();
  private readonly behind = new Map<string, Set<string>>();
  private readonly delayed = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly idleWaiters: Array<() => void> = [];
  private running = 0;
  private readonly counted: OcppCounters['statusChanges'];

  constructor(private readonly app: AppContext) {
    this.counted = ocppCounters(app).statusChanges;
  }

  /** Queues a change; false when the queue is full (the caller answers with an error). */
  offer(change: StatusChange): boolean {
    const key = `${change.cp.partyKey}|${change.cp.idKey}|${change.n}`;
    const waiting = this.pending.get(key);
    if (waiting && change.onlyFrom) return true;
    if (!waiting && this.pending.size >= MAX_PENDING) {
      this.counted.inc({ outcome: 'refused' });
      return false;
    }
    this.counted.inc({ outcome: 'queued' });
    if (waiting) this.counted.inc({ outcome: 'coalesced' });
    this.pending.set(key, { ...change, replaced: waiting ? [...waiting.replaced, waiting.status] : [], attempts: 0 });
    if (!this.inFlight.has(key)) this.ready.add(key);
    this.pump();
    return true;
  }

  /** The status waiting for this charge point's connector, if any (not the one being written). */
  waiting(cp: Pick<ChargePointRecord, 'partyKey' | 'idKey'>, n: number): string | undefined {
    return this.pending.get(`${cp.partyKey}|${cp.idKey}|${n}`)?.status;
  }

  size(): number {
    return this.pending.size + this.running;
  }

  /** Resolves once nothing waits and nothing is being written (tests, shutdown). */
  idle(): Promise<void> {
    if (this.size() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Shutdown: waits for the queue to drain, at most `ms`; what is left is logged and dropped. */
  async close(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.idle().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
    clearTimeout(timer);
    for (const t of this.timers) clearTimeout(t);
    if (!drained) this.app.log.warn({ pending: this.pending.size }, 'OCPP status changes not written before shutdown');
    this.pending.clear();
    this.ready.clear();
    this.behind.clear();
  }

  private pump(): void {
    while (this.running < WRITERS && this.ready.size) {
      const key = this.ready.values().next().value as string;
      this.ready.delete(key);
      const entry = this.pending.get(key);
      if (!entry || this.inFlight.has(key)) continue;
      // EVSEs of one location are one row: their writes would only wait for each other's lock
      // (and take a writer each meanwhile), so they go one after the other.
      const location = locationKeyOf(entry);
      if (this.busy.has(location)) {
        const waiting = this.behind.get(location) ?? new Set<string>();
        waiting.add(key);
        this.behind.set(location, waiting);
        continue;
      }
      this.busy.add(location);
      this.pending.delete(key);
      this.inFlight.add(key);
      this.running++;
      void this.run(key, entry);
    }
    if (this.size() === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async run(key: string, entry: Entry): Promise<void> {
    try {
      await this.write(entry);
      this.counted.inc({ outcome: 'written' });
    } catch (e) {
      this.retry(key, entry, e as Error);
    } finally {
      this.inFlight.delete(key);
      this.running--;
      const location = locationKeyOf(entry);
      this.busy.delete(location);
      this.releaseNext(location);
      if (this.pending.has(key) && !this.delayed.has(key)) this.ready.add(key);
      this.pump();
    }
  }

  /** The next key waiting for this location goes back to the ready ones (one: the others still wait). */
  private releaseNext(location: string): void {
    const waiting = this.behind.get(location);
    if (!waiting) return;
    for (const key of waiting) {
      waiting.delete(key);
      // Gone (written meanwhile) or retrying later (its timer makes it ready again): skipped.
      if (this.pending.has(key) && !this.delayed.has(key) && !this.inFlight.has(key)) {
        this.ready.add(key);
        break;
      }
    }
    if (waiting.size === 0) this.behind.delete(location);
  }

  /** A passing failure: written again after a backoff, unless a newer status has come meanwhile. */
  private retry(key: string, entry: Entry, e: Error): void {
    const attempts = entry.attempts + 1;
    const ms = Math.min(RETRY_MS.max, RETRY_MS.first * 2 ** (attempts - 1));
    this.app.log.warn({ charge_point: entry.cp.chargePointId, connector: entry.n, status: entry.status, attempts, retry_ms: ms, err: e.message }, 'OCPP status not written yet');
    this.counted.inc({ outcome: 'retried' });
    const newer = this.pending.get(key);
    if (newer) {
      // The newer status is written instead; what this one replaced still counts for its follow-up.
      newer.replaced = [...entry.replaced, entry.status, ...newer.replaced];
      return;
    }
    this.pending.set(key, { ...entry, attempts });
    this.delayed.add(key);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.delayed.delete(key);
      if (this.pending.has(key) && !this.inFlight.has(key)) this.ready.add(key);
      this.pump();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** One EVSE's status: resolved on the location as it is now, written unless already stored. */
  private async write(entry: Entry): Promise<void> {
    const { app } = this;
    const location = await locationOf(app, entry.cp);
    const ref = location ? evseOf(location, entry.cp.connectors as ConnectorMap | null, entry.n) : null;
    if (!location || !ref) return;
    const before = location.evses?.find((e) => e.uid === ref.evseUid)?.status;
    if (entry.onlyFrom && before !== entry.onlyFrom) return;
    if (before !== entry.status) {
      try {
        await app.services.ownLocations.patch(entry.cp.party, entry.cp.locationId, { kind: 'evse', evseUid: ref.evseUid }, { status: entry.status });
      } catch (e) {
        // A refusal (the EVSE is gone) will not change on a retry: logged, not retried.
        if (!(e instanceof DomainError)) throw e;
        app.log.warn({ charge_point: entry.cp.chargePointId, evse_uid: ref.evseUid, err: e.message }, 'OCPP status not applied');
        return;
      }
    }
    // A status replaced while waiting still counts as having been stored for what follows it.
    const previous = entry.replaced.includes('RESERVED') ? 'RESERVED' : before;
    await entry.after?.(previous).catch((e: Error) => app.log.warn({ charge_point: entry.cp.chargePointId, err: e.message }, 'OCPP status follow-up failed'));
  }
}

const locationKeyOf = (entry: StatusChange) => `${entry.cp.partyKey}|${entry.cp.locationId.toUpperCase()}`;

const queues = new WeakMap<AppContext, StatusQueue>();

/** The process's queue (one per app: every charge point of the process shares the writers). */
export function statusQueueOf(app: AppContext): StatusQueue {
  let queue = queues.get(app);
  if (!queue) {
    queue = new StatusQueue(app);
    queues.set(app, queue);
  }
  return queue;
}

/** Drains and forgets the process's queue (shutdown). */
export async function closeStatusQueue(app: AppContext, ms: number): Promise<void> {
  await queues.get(app)?.close(ms);
  queues.delete(app);
}
