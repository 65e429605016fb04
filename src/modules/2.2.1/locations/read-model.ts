/**
 * The locations SENDER list served from memory: per CPO party, every location's JSON text in
 * (last_updated, id) order. Reading 100 documents out of PostgreSQL per page request caps a
 * process at a few hundred pages per second; slicing an array does not. The model is loaded on
 * first use, updated by this process's own writes at once, and by other processes' writes via
 * NOTIFY (a few milliseconds later). Without its LISTEN connection it is dropped and pages come
 * from the database again, so it is never stale for long.
 */
import { Client } from 'pg';
import type { AppContext } from '../../../context.js';
import type { PageRequest } from '../../../ocpi/pagination.js';

interface Entry {
  key: string;
  at: number;
  /** The document, UTF-8 encoded once: a page is a concatenation of buffers, not a re-encoding. */
  bytes: Buffer;
}

export function locationsChannel(schema: string): string {
  return `ocpi_locations_${schema}`.slice(0, 63);
}

export class LocationsReadModel {
  private readonly parties = new Map<string, Promise<Entry[]>>();
  private listener: Client | null = null;
  private closed = false;
  private started = false;
  private retry: NodeJS.Timeout | null = null;
  private readonly table: string;

  constructor(private readonly app: AppContext) {
    this.table = `"${app.config.DATABASE_SCHEMA.replace(/"/g, '""')}"."own_location"`;
  }

  /** Listening must work before the model may serve anything. */
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
    client.on('notification', (msg) => {
      const [partyKey, locationKey] = (msg.payload ?? '').split('|');
      if (this.parties.has(partyKey)) void this.refresh(partyKey, locationKey).catch(() => this.parties.delete(partyKey));
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${locationsChannel(this.app.config.DATABASE_SCHEMA).replace(/"/g, '""')}"`);
    } catch (e) {
      lose();
      throw e;
    }
    if (this.closed) return void (await client.end().catch(() => undefined));
    this.started = true;
    this.listener = client;
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.listener?.end().catch(() => undefined);
  }

  get serving(): boolean {
    return this.listener !== null;
  }

  async page(partyKey: string, page: PageRequest): Promise<{ documents: Buffer[]; total: number }> {
    const entries = await this.load(partyKey);
    const from = page.dateFrom ? lowerBound(entries, page.dateFrom.getTime()) : 0;
    const to = page.dateTo ? lowerBound(entries, page.dateTo.getTime()) : entries.length;
    const total = Math.max(0, to - from);
    const start = Math.min(to, from + page.offset);
    return { documents: entries.slice(start, Math.min(to, start + page.limit)).map((e) => e.bytes), total };
  }

  /** Called by the service after its own transaction committed. */
  apply(partyKey: string, key: string, lastUpdated: Date, text: string): void {
    const loaded = this.parties.get(partyKey);
    if (loaded) void loaded.then((entries) => place(entries, { key, at: lastUpdated.getTime(), bytes: Buffer.from(text) }));
  }

  private load(partyKey: string): Promise<Entry[]> {
    let loaded = this.parties.get(partyKey);
    if (!loaded) {
      loaded = this.app.db
        .$queryRawUnsafe<Array<{ key: string; at: Date; text: string }>>(
          `SELECT location_key AS key, last_updated AS at, document::text AS text FROM ${this.table} WHERE party_key = $1 ORDER BY last_updated, location_key`,
          partyKey,
        )
        .then((rows) => rows.map((r) => ({ key: r.key, at: r.at.getTime(), bytes: Buffer.from(r.text) })));
      this.parties.set(partyKey, loaded);
      loaded.catch(() => this.parties.delete(partyKey));
    }
    return loaded;
  }

  private async refresh(partyKey: string, key: string): Promise<void> {
    const rows = await this.app.db.$queryRawUnsafe<Array<{ at: Date; text: string }>>(
      `SELECT last_updated AS at, document::text AS text FROM ${this.table} WHERE location_key = $1`,
      key,
    );
    if (rows[0]) this.apply(partyKey, key, rows[0].at, rows[0].text);
  }

  private lose(client: Client): void {
    if (this.listener === client) this.listener = null;
    this.parties.clear();
    // Only a model that once listened reconnects (a failed first start is the caller's error).
    if (this.closed || !this.started || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (!this.closed) void this.start().catch(() => undefined);
    }, 1000);
    this.retry.unref();
  }
}

/** Index of the first entry at or after `at`. */
function lowerBound(entries: Entry[], at: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid].at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.key < b.key);
}

/** Replaces the entry of `e.key` (if any) and keeps the array ordered. */
function place(entries: Entry[], e: Entry): void {
  const old = entries.findIndex((x) => x.key === e.key);
  if (old >= 0) {
    if (entries[old].at > e.at) return; // a notification older than what we hold
    entries.splice(old, 1);
  }
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(entries[mid], e)) lo = mid + 1;
    else hi = mid;
  }
  entries.splice(lo, 0, e);
}
