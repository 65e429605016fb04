/**
 * The locations SENDER list served from memory: every own location's JSON bytes in
 * (last_updated, id) order per CPO party (read-model-chunks.ts), so a page is a slice of buffers
 * instead of 100 documents read out of PostgreSQL.
 *
 * - Loading: at start, in slices of LOAD_SLICE rows read by keyset (party, last_updated, id),
 *   yielding to the event loop between slices (blocks are deflated in the thread pool); until
 *   the last slice, pages come from the database (`page` answers null), so a restart serves at
 *   once and never stalls.
 * - This process's writes are applied when their transaction committed; other processes'
 *   arrive through NOTIFY (`<instance>|<location key>`, a row deleted by hand is announced the
 *   same way) and are re-read from the table in batches. A process skips the echo of its own
 *   writes, and a write that raced another change of the same location (another process's, or
 *   a re-read in flight) is re-read instead of applied: the last version held is always the
 *   last one committed.
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

const LOAD_SLICE = 500;
const REFRESH_BATCH = 500;

export function locationsChannel(schema: string): string {
  return `ocpi_locations_${schema}`.slice(0, 63);
}

/** The NOTIFY payload of a change of `key`: who wrote it (a process without a model: '-'), then the key. */
export function changePayload(model: LocationsReadModel | null, key: string): string {
  return `${model?.instance ?? '-'}|${key}`;
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
  private lastLoad = { ms: 0, maxSliceMs: 0, rssBefore: 0 };
  /** What the model did, for tests and the bench. */
  readonly stats = { ownApplied: 0, reread: 0, echoesSkipped: 0, loads: 0 };

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
      'The last load of the read model: duration_ms, max_slice_ms (longest stretch without yielding), rss_before_bytes (process RSS when it started); 0 while loading',
      ['figure'],
      async () => [
        { labels: { figure: 'duration_ms' }, value: this.loaded ? this.lastLoad.ms : 0 },
        { labels: { figure: 'max_slice_ms' }, value: this.lastLoad.maxSliceMs },
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
    this.started = true;
    this.listener = client;
    void this.load(this.generation);
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.generation++;
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

  /** Called once the write committed (with the location's new version) or failed (null). */
  endWrite(write: PendingWrite, committed: { partyKey: string; at: Date; text: string } | null): void {
    const list = this.writes.get(write.key) ?? [];
    list.splice(list.indexOf(write), 1);
    if (list.length === 0) this.writes.delete(write.key);
    if (!committed || !this.listener) return;
    if (!this.loaded || write.raced) return this.markDirty(write.key);
    this.documents.put({ partyKey: committed.partyKey, key: write.key, at: committed.at.getTime(), bytes: Buffer.from(committed.text) });
    this.stats.ownApplied++;
    this.raced(write.key);
  }

  /**
   * Resolves once every change committed before the call is in the model (loaded, NOTIFYs
   * received, re-reads done): tests and the bench wait on it instead of sleeping.
   */
  async whenCaughtUp(): Promise<void> {
    const token = `sync ${crypto.randomBytes(6).toString('hex')}`;
    const heard = new Promise<void>((resolve) => this.syncs.set(token, resolve));
    await this.app.db.$executeRawUnsafe('SELECT pg_notify($1, $2)', this.channel, `${this.instance}|${token}`);
    await heard;
    while (!this.loaded || this.flushing || this.dirty.size) {
      await (this.flushing ?? yieldToLoop());
    }
  }

  private notified(payload: string): void {
    const bar = payload.indexOf('|');
    const from = payload.slice(0, bar);
    const key = payload.slice(bar + 1);
    if (from === this.instance) {
      // Keys are upper-cased, so a lower-case sync token is never a key.
      const sync = this.syncs.get(key);
      if (sync) {
        this.syncs.delete(key);
        return sync();
      }
      this.stats.echoesSkipped++;
      return;
    }
    this.raced(key);
    this.markDirty(key);
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
      let rows: Row[];
      try {
        rows = await hotQuery<Row>(
          this.app.db,
          `SELECT party_key, location_key, last_updated AS at, document::text AS text FROM ${this.table} WHERE location_key = ANY($1::text[])`,
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
        this.stats.reread++;
      }
    }
  }

  private async load(generation: number): Promise<void> {
    const started = performance.now();
    this.lastLoad = { ms: 0, maxSliceMs: 0, rssBefore: process.memoryUsage.rss() };
    this.stats.loads++;
    const slice = this.options.loadSlice ?? LOAD_SLICE;
    let after: [string, string, string] = ['', '-infinity', ''];
    try {
      for (;;) {
        const rows = await hotQuery<Row>(
          this.app.db,
          `SELECT party_key, location_key, last_updated AS at, document::text AS text FROM ${this.table}
           WHERE (party_key, last_updated, location_key) > ($1::text, $2::timestamptz, $3::text)
           ORDER BY party_key, last_updated, location_key LIMIT $4::int`,
          [...after, slice],
        );
        if (generation !== this.generation) return;
        const sliceStart = performance.now();
        this.putRows(rows);
        this.lastLoad.maxSliceMs = Math.max(this.lastLoad.maxSliceMs, performance.now() - sliceStart);
        if (rows.length < slice) break;
        const last = rows[rows.length - 1];
        after = [last.party_key, last.at.toISOString(), last.location_key];
        // Deflating runs in the thread pool; the load waits for it rather than piling up plain chunks.
        await (this.documents.sealing > 64 ? this.documents.settle() : yieldToLoop());
        if (generation !== this.generation) return;
      }
      await this.documents.settle();
      if (generation !== this.generation) return;
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

  /**
   * A slice's documents, encoded one run at a time into one buffer, each run what fills its
   * party's plain chunk: one allocation per chunk instead of one per document (which cost more
   * than the rest of the load), and the chunk is deflated from that buffer without a copy.
   */
  private putRows(rows: Row[]): void {
    let i = 0;
    while (i < rows.length) {
      const party = rows[i].party_key;
      const room = this.documents.tailRoom(party);
      let end = i + 1;
      while (end < rows.length && end - i < room && rows[end].party_key === party) end++;
      const run = rows.slice(i, end);
      const bytes = Buffer.from(run.map((r) => r.text).join(''));
      let offset = 0;
      for (const r of run) {
        const length = Buffer.byteLength(r.text);
        this.documents.put({ partyKey: party, key: r.location_key, at: r.at.getTime(), bytes: bytes.subarray(offset, offset + length) });
        offset += length;
      }
      i = end;
    }
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
