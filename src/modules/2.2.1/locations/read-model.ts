/**
 * The locations SENDER list served from memory: every own location's JSON bytes in
 * (last_updated, id) order per CPO party (read-model-chunks.ts), so a page is a slice of buffers
 * instead of 100 documents read out of PostgreSQL.
 *
 * - Loading: at start, in slices read by keyset (party, last_updated, id), in steps of a few
 *   milliseconds that yield to the event loop (read-model-load.ts); until the last slice, pages
 *   come from the database (`page` answers null), so a restart serves at once and never stalls.
 * - This process's writes are applied when their transaction committed; other processes'
 *   arrive through NOTIFY, sent by the writer after its commit and coalesced
 *   (`<instance>|<key>\t<change_xid>`, entries separated by newlines; a row deleted by hand is
 *   announced as `-|<key>`), and are re-read from the table in batches. A process skips the
 *   echo of its own writes and versions it already holds, and a write that raced another change
 *   of the same location (another process's, or a re-read in flight) is re-read instead of
 *   applied: the last version held is always the last one committed.
 * - A NOTIFY may be lost (the writer died between its commit and the NOTIFY), so every
 *   POLL_MS the model also reads which rows changed: those whose `change_xid` (the writing
 *   transaction, store.ts) is at or above a watermark, with the oldest transaction still
 *   running at that read (pg_snapshot_xmin) as the next watermark. A transaction that commits
 *   later has an id at or above that, whatever order ids and commits come in, so nothing is
 *   skipped; versions already held (`recent`) cost no re-read.
 * - Without its LISTEN connection the model is dropped (pages from the database again) and
 *   loaded anew once listening again, so it is never stale for long.
 */
import crypto from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Client } from 'pg';
import type { AppContext } from '../../../context.js';
import { hotQuery } from '../../../db/hot-statements.js';
import type { PageRequest } from '../../../ocpi/pagination.js';
import { OrderedDocuments } from './read-model-chunks.js';
import { loadDocuments } from './read-model-load.js';

const REFRESH_BATCH = 500;

export function locationsChannel(schema: string): string {
  return `ocpi_locations_${schema}`.slice(0, 63);
}

/** How often the model looks for changes whose NOTIFY it did not get. */
const POLL_MS = 1000;

/**
 * A change of `key` as announced after commit (Wakeups): the payload's prefix says who wrote it
 * (a process without a model: '-'), the entry is the key and the row's change_xid. Keys are
 * printable ASCII (CiString), so a tab and a newline never occur in them.
 */
export function changeAnnouncement(model: LocationsReadModel | null, key: string, xid: string): { prefix: string; entry: string; separator: string } {
  return { prefix: `${model?.instance ?? '-'}|`, entry: `${key}\t${xid}`, separator: '\n' };
}

/** One of this process's writes of a location, from before its transaction to after its commit. */
export interface PendingWrite {
  key: string;
  /** Another change of the same location was seen meanwhile: re-read instead of applying. */
  raced: boolean;
}

interface Row {
  party_key: string;
  location_key: string;
  at: Date;
  text: string;
}

export class LocationsReadModel {
  /** In NOTIFY payloads: which process wrote (its own echoes are skipped). */
  readonly instance = crypto.randomBytes(8).toString('hex');
  private readonly documents = new OrderedDocuments();
  private listener: Client | null = null;
  private closed = false;
  private started = false;
  private retry: NodeJS.Timeout | null = null;
  private readonly table: string;
  private readonly channel: string;
  /** Bumped whenever the model is dropped: a load or re-read of an older generation stops. */
  private generation = 0;
  private loaded = false;
  /** Locations changed by others (or by us while loading) that are to be re-read. */
  private readonly dirty = new Set<string>();
  private flushing: Promise<void> | null = null;
  /** The keys of the re-read in flight, flagged when one of our writes lands meanwhile. */
  private inFlight: Map<string, { raced: boolean }> | null = null;
  private readonly writes = new Map<string, PendingWrite[]>();
  private readonly syncs = new Map<string, () => void>();
  /** The catch-up poll: rows with change_xid at or above this are looked at (null: not listening yet). */
  private watermark: bigint | null = null;
  /** change_xid of versions held, for keys changed at or above the watermark: no re-read for them. */
  private readonly recent = new Map<string, string>();
  /** Versions the poll found while one of our writes of the key was in flight (maybe that write's own). */
  private readonly seenDuringWrite = new Map<string, string>();
  private pollTimer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private lastLoad = { ms: 0, maxSliceMs: 0, maxStallMs: 0, rssBefore: 0 };
  /** What the model did, for tests and the bench. */
  readonly stats = { ownApplied: 0, reread: 0, echoesSkipped: 0, loads: 0, heldSkipped: 0, polled: 0 };

  constructor(
    private readonly app: AppContext,
    private readonly options: { loadSlice?: number } = {},
  ) {
    const schema = app.config.DATABASE_SCHEMA;
    this.table = `"${schema.replace(/"/g, '""')}"."own_location"`;
    this.channel = locationsChannel(schema);
    // One model per process; a second one (tests) reports through the first's gauges.
    if (app.metrics.registry.getSingleMetric('ocpi_locations_read_model_locations')) return;
    app.metrics.gauge('ocpi_locations_read_model_locations', 'Own locations held by the read model of this process (0 while loading)', [], async () => [
      { labels: {}, value: this.loaded ? this.documents.size : 0 },
    ]);
    app.metrics.gauge('ocpi_locations_read_model_bytes', 'Bytes held by the read model: deflated blocks, plain chunks, decoded blocks cached', ['kind'], async () =>
      Object.entries(this.documents.bytes()).map(([kind, value]) => ({ labels: { kind }, value })),
    );
    app.metrics.gauge(
      'ocpi_locations_read_model_last_load',
      'The last load of the read model: duration_ms, max_slice_ms (its longest stretch without yielding), max_stall_ms (longest event-loop delay of the process meanwhile), rss_before_bytes (process RSS when it started); 0 while loading',
      ['figure'],
      async () => [
        { labels: { figure: 'duration_ms' }, value: this.loaded ? this.lastLoad.ms : 0 },
        { labels: { figure: 'max_slice_ms' }, value: this.lastLoad.maxSliceMs },
        { labels: { figure: 'max_stall_ms' }, value: this.lastLoad.maxStallMs },
        { labels: { figure: 'rss_before_bytes' }, value: this.lastLoad.rssBefore },
      ],
    );
  }

  /** Listening must work before the model may serve anything; the load then runs in the background. */
  async start(): Promise<void> {
    const url = new URL(this.app.config.DATABASE_URL);
    url.searchParams.delete('schema');
    const client = new Client({ connectionString: url.toString() });
    // 'error', 'end' and a failed connect may all report the same loss: one reconnection per client.
    let lost = false;
    const lose = () => {
      if (lost) return;
      lost = true;
      void client.end().catch(() => undefined);
      this.lose(client);
    };
    client.on('error', lose);
    client.on('end', lose);
    client.on('notification', (msg) => this.notified(msg.payload ?? ''));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel.replace(/"/g, '""')}"`);
    } catch (e) {
      lose();
      throw e;
    }
    if (this.closed) return void (await client.end().catch(() => undefined));
    // Before the load: whatever commits from here on is either read by the load or polled.
    try {
      this.watermark = await this.snapshotXmin();
    } catch (e) {
      lose();
      throw e;
    }
    this.started = true;
    this.listener = client;
    if (!this.pollTimer) {
      this.pollTimer = setInterval(() => {
        if (!this.polling) void this.poll();
      }, POLL_MS);
      this.pollTimer.unref();
    }
    void this.load(this.generation);
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.generation++;
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.polling;
    if (this.retry) clearTimeout(this.retry);
    await this.listener?.end().catch(() => undefined);
    await this.flushing;
  }

  /** Listening: changes reach the model (it may still be loading). */
  get serving(): boolean {
    return this.listener !== null;
  }

  get ready(): boolean {
    return this.listener !== null && this.loaded;
  }

  /** A page from memory, or null while the model is not loaded (the caller reads the database). */
  page(partyKey: string, page: PageRequest): { documents: Buffer[]; total: number } | null {
    if (!this.ready) return null;
    const from = page.dateFrom ? this.documents.rank(partyKey, page.dateFrom.getTime()) : 0;
    const to = page.dateTo ? this.documents.rank(partyKey, page.dateTo.getTime()) : this.documents.count(partyKey);
    const total = Math.max(0, to - from);
    const start = Math.min(to, from + page.offset);
    return { documents: this.documents.slice(partyKey, start, Math.min(to, start + page.limit)), total };
  }

  /** Called before a write's transaction starts. */
  beginWrite(key: string): PendingWrite {
    const write = { key, raced: false };
    const list = this.writes.get(key);
    if (list) list.push(write);
    else this.writes.set(key, [write]);
    return write;
  }

  /** Called once the write committed (with the location's new version and its change_xid) or failed (null). */
  endWrite(write: PendingWrite, committed: { partyKey: string; at: Date; text: string; xid: string } | null): void {
    const list = this.writes.get(write.key) ?? [];
    list.splice(list.indexOf(write), 1);
    if (list.length === 0) this.writes.delete(write.key);
    const seen = this.seenDuringWrite.get(write.key);
    if (list.length === 0) this.seenDuringWrite.delete(write.key);
    if (!this.listener) return;
    // The poll saw a version of this location that is not this write's: another process's, to be re-read.
    const other = seen !== undefined && seen !== committed?.xid;
    if (!committed) return other ? this.markDirty(write.key) : undefined;
    if (!this.loaded || write.raced || other) return this.markDirty(write.key);
    this.documents.put({ partyKey: committed.partyKey, key: write.key, at: committed.at.getTime(), bytes: Buffer.from(committed.text) });
    this.recent.set(write.key, committed.xid);
    this.stats.ownApplied++;
    this.raced(write.key);
  }

  /**
   * Resolves once every change committed before the call is in the model (loaded, NOTIFYs
   * received, a poll done after the call, re-reads done): tests and the bench wait on it instead
   * of sleeping. The poll covers changes whose writer has not sent its coalesced NOTIFY yet.
   */
  async whenCaughtUp(): Promise<void> {
    // Our own writes' wake-ups (sent a few ms after their commit) go out before the sync token.
    await this.app.outbox.wakeups.flush();
    const token = `sync ${crypto.randomBytes(6).toString('hex')}`;
    const heard = new Promise<void>((resolve) => this.syncs.set(token, resolve));
    await this.app.db.$executeRawUnsafe('SELECT pg_notify($1, $2)', this.channel, `${this.instance}|${token}`);
    await heard;
    await this.polling;
    await this.poll();
    while (!this.loaded || this.flushing || this.dirty.size) {
      await (this.flushing ?? yieldToLoop());
    }
  }

  private notified(payload: string): void {
    const bar = payload.indexOf('|');
    const from = payload.slice(0, bar);
    const entries = payload.slice(bar + 1).split('\n');
    if (from === this.instance) {
      // Keys are upper-cased, so a lower-case sync token is never a key.
      const sync = this.syncs.get(entries[0]);
      if (sync) {
        this.syncs.delete(entries[0]);
        return sync();
      }
      this.stats.echoesSkipped += entries.length;
      return;
    }
    for (const entry of entries) {
      const tab = entry.indexOf('\t');
      const key = tab < 0 ? entry : entry.slice(0, tab);
      // Even a version held already may be newer than a write of ours in flight: that one re-reads.
      this.raced(key);
      if (tab >= 0 && this.recent.get(key) === entry.slice(tab + 1)) this.stats.heldSkipped++;
      else this.markDirty(key);
    }
  }

  /** The oldest transaction running now: every transaction that commits later has an id at or above it. */
  private async snapshotXmin(): Promise<bigint> {
    const rows = await hotQuery<{ xmin: string }>(this.app.db, 'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin', []);
    return BigInt(rows[0].xmin);
  }

  /** One catch-up poll (after the one in flight, if any): see the header. */
  private poll(): Promise<void> {
    const run = async () => {
      const since = this.watermark;
      const generation = this.generation;
      if (since === null || !this.listener || this.closed) return;
      let found: { xmin: string; keys: string[] | null; xids: string[] | null };
      try {
        // One statement, one snapshot: the rows it sees and the xmin it reports agree.
        [found] = await hotQuery<typeof found>(
          this.app.db,
          `SELECT s.xmin, k.keys, k.xids FROM (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin) s,
             LATERAL (SELECT array_agg(location_key) AS keys, array_agg(change_xid::text) AS xids FROM ${this.table} WHERE change_xid >= $1::bigint) k`,
          [since.toString()],
        );
      } catch (e) {
        // The watermark stays: the next poll looks at the same rows and more.
        this.app.log.warn({ err: e }, 'locations read model: catch-up poll failed');
        return;
      }
      if (generation !== this.generation || this.watermark !== since) return;
      this.stats.polled++;
      const keys = found.keys ?? [];
      const xids = found.xids ?? [];
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        if (this.recent.get(key) === xids[i]) continue;
        if (this.writes.has(key)) {
          this.seenDuringWrite.set(key, xids[i]);
          continue;
        }
        this.raced(key);
        this.markDirty(key);
      }
      const next = BigInt(found.xmin);
      if (next > since) {
        this.watermark = next;
        for (const [key, xid] of this.recent) if (BigInt(xid) < next) this.recent.delete(key);
      }
    };
    const chained = (this.polling ?? Promise.resolve()).then(run);
    const settled = chained.finally(() => {
      if (this.polling === settled) this.polling = null;
    });
    this.polling = settled;
    return settled;
  }

  /** A change of `key` was applied or announced: writes and re-reads of it in flight are stale. */
  private raced(key: string): void {
    for (const w of this.writes.get(key) ?? []) w.raced = true;
    const reading = this.inFlight?.get(key);
    if (reading) reading.raced = true;
  }

  private markDirty(key: string): void {
    this.dirty.add(key);
    if (this.loaded && !this.flushing) this.flushing = this.flush(this.generation).finally(() => (this.flushing = null));
  }

  private async flush(generation: number): Promise<void> {
    while (this.dirty.size && generation === this.generation) {
      const keys: string[] = [];
      for (const k of this.dirty) {
        keys.push(k);
        this.dirty.delete(k);
        if (keys.length === REFRESH_BATCH) break;
      }
      const reading = new Map(keys.map((k) => [k, { raced: false }]));
      this.inFlight = reading;
      let rows: Array<Row & { xid: string | null }>;
      try {
        rows = await hotQuery<Row & { xid: string | null }>(
          this.app.db,
          `SELECT party_key, location_key, last_updated AS at, document::text AS text, change_xid::text AS xid FROM ${this.table} WHERE location_key = ANY($1::text[])`,
          [keys],
        );
      } catch (e) {
        // A model that missed a change must not serve: start over from the table.
        this.app.log.warn({ err: e }, 'locations read model: re-read failed, reloading');
        if (generation === this.generation) this.reload();
        return;
      } finally {
        this.inFlight = null;
      }
      if (generation !== this.generation) return;
      const found = new Map(rows.map((r) => [r.location_key, r]));
      for (const key of keys) {
        if (reading.get(key)?.raced) {
          this.dirty.add(key);
          continue;
        }
        const row = found.get(key);
        if (row) this.documents.put({ partyKey: row.party_key, key, at: row.at.getTime(), bytes: Buffer.from(row.text) });
        else this.documents.remove(key);
        if (row?.xid) this.recent.set(key, row.xid);
        else this.recent.delete(key);
        // A write of ours in flight may have committed before what was just read: it re-reads too.
        for (const w of this.writes.get(key) ?? []) w.raced = true;
        this.stats.reread++;
      }
    }
  }

  private async load(generation: number): Promise<void> {
    const started = performance.now();
    this.lastLoad = { ms: 0, maxSliceMs: 0, maxStallMs: 0, rssBefore: process.memoryUsage.rss() };
    this.stats.loads++;
    try {
      const figures = await loadDocuments(this.app, this.table, this.documents, { slice: this.options.loadSlice, current: () => generation === this.generation });
      if (!figures) return;
      this.lastLoad.maxSliceMs = figures.maxSliceMs;
      this.lastLoad.maxStallMs = figures.maxStallMs;
    } catch (e) {
      this.app.log.warn({ err: e }, 'locations read model: load failed, serving pages from the database');
      if (generation === this.generation) this.reload();
      return;
    }
    this.loaded = true;
    this.lastLoad.ms = Math.round(performance.now() - started);
    // What changed while loading is re-read now: the slices may have read it before the change.
    if (this.dirty.size) this.markDirty(this.dirty.values().next().value as string);
  }

  /** Drops what is held and loads again (after a failed read: a change may have been missed). */
  private reload(): void {
    this.drop();
    if (this.closed || !this.listener) return;
    const generation = this.generation;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (generation === this.generation && this.listener) void this.load(generation);
    }, 1000);
    this.retry.unref();
  }

  private drop(): void {
    this.generation++;
    this.loaded = false;
    this.documents.clear();
    this.dirty.clear();
    this.recent.clear();
  }

  private lose(client: Client): void {
    if (this.listener === client) this.listener = null;
    this.drop();
    // Only a model that once listened reconnects (a failed first start is the caller's error).
    if (this.closed || !this.started || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (!this.closed) void this.start().catch(() => undefined);
    }, 1000);
    this.retry.unref();
  }
}
