/**
 * Loading the locations read model from the own_location table (read-model.ts decides when a
 * load runs and what happens after it; this file only fills an OrderedDocuments).
 *
 * The process serves requests while it loads (their pages come from the database until the load
 * is done), so the load must neither stall the event loop nor grow the heap:
 * - one `COPY (SELECT … ORDER BY party, last_updated, id) TO STDOUT` in binary format, on a
 *   connection of its own, streams every row once (one snapshot, no query per slice). Binary
 *   COPY hands over raw bytes: a document goes from the socket into the model's buffers without
 *   ever being a JavaScript string. Read as ordinary rows, every document became a ~2 KB heap
 *   string; 100,000 of them pushed ~200 MB through the heap, promoted to the old generation
 *   and swept by mark-compact pauses of 40-90 ms, and grew the heap by ~100 MB.
 * - rows are handled as the socket delivers them; once the load has worked BUDGET_MS without a
 *   break, it pauses the socket and resumes it from setImmediate, after the requests waiting
 *   in that turn of the event loop (the rows not read yet wait in the kernel meanwhile).
 * - a party's rows are gathered in runs that fill its plain last chunk, copied into one buffer of
 *   their exact size (one allocation per chunk), which the chunk deflates without a copy.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { Client, type Connection, type Submittable } from 'pg';
import type { AppContext } from '../../../context.js';
import type { OrderedDocuments } from './read-model-chunks.js';

/** Longest stretch of loading work on the event loop before the load lets others run. */
const BUDGET_MS = 8;
/** A load that takes longer is cut off by the server (the model then loads again) rather than hang. */
const LOAD_TIMEOUT_MS = 10 * 60 * 1000;
/** The 11-byte signature that opens a binary COPY stream. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** party_key, location_key, last_updated in epoch ms, document. */
const COLUMNS = 4;

export interface LoadOptions {
  /** At most this many rows between two yields (tests make it small to interleave writes). */
  slice?: number;
  /** False once the model was dropped meanwhile: the load stops. */
  current: () => boolean;
}

export interface LoadFigures {
  rows: number;
  /** The longest stretch of the load's own work in one turn of the event loop. */
  maxSliceMs: number;
  /** The longest event-loop delay of the whole process while loading (requests, GC included). */
  maxStallMs: number;
}

/** Fills `documents` from `table`; null when superseded (dropped meanwhile), throws when the read fails. */
export async function loadDocuments(app: AppContext, table: string, documents: OrderedDocuments, options: LoadOptions): Promise<LoadFigures | null> {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const url = new URL(app.config.DATABASE_URL);
  url.searchParams.delete('schema');
  const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: app.config.DB_CONNECT_TIMEOUT_MS, statement_timeout: LOAD_TIMEOUT_MS });
  // A lost connection also fails the COPY in flight, which is where it is reported.
  client.on('error', () => undefined);
  const runs = new Runs(documents);
  const copy = new CopyRows(
    `COPY (SELECT party_key, location_key, round(extract(epoch FROM last_updated) * 1000)::float8, document::text FROM ${table}
     ORDER BY party_key, last_updated, location_key) TO STDOUT (FORMAT binary)`,
    runs,
    options,
  );
  try {
    await client.connect();
    if (!options.current()) return null;
    client.query(copy);
    const rows = await copy.done;
    runs.flush();
    if (!options.current()) return null;
    return { rows, maxSliceMs: copy.maxStepMs, maxStallMs: delay.max / 1e6 };
  } catch (e) {
    if (!options.current()) return null;
    throw e;
  } finally {
    delay.disable();
    // A COPY cut short leaves the server sending: only closing the socket stops it.
    if (copy.finished || !copy.stream) await client.end().catch(() => undefined);
    else copy.stream.destroy();
  }
}

/**
 * The rows of a party gathered until they fill its plain last chunk, then put at once from one
 * buffer of their exact size. The bytes are copied out of the socket's buffers as they come (those
 * are reused), into a scratch buffer that grows to the largest run.
 */
class Runs {
  private scratch = Buffer.allocUnsafeSlow(256 * 1024);
  private used = 0;
  private party = '';
  private room = 0;
  private readonly keys: string[] = [];
  private readonly ats: number[] = [];
  private readonly ends: number[] = [];

  constructor(private readonly documents: OrderedDocuments) {}

  add(party: string, key: string, at: number, data: Buffer, start: number, end: number): void {
    if (this.keys.length && (party !== this.party || this.keys.length >= this.room)) this.flush();
    if (!this.keys.length) {
      this.party = party;
      this.room = this.documents.tailRoom(party);
    }
    const length = end - start;
    if (this.used + length > this.scratch.length) {
      const larger = Buffer.allocUnsafeSlow(Math.max(2 * this.scratch.length, this.used + length));
      this.scratch.copy(larger, 0, 0, this.used);
      this.scratch = larger;
    }
    data.copy(this.scratch, this.used, start, end);
    this.used += length;
    this.keys.push(key);
    this.ats.push(at);
    this.ends.push(this.used);
  }

  flush(): void {
    if (!this.keys.length) return;
    const bytes = Buffer.allocUnsafeSlow(this.used);
    this.scratch.copy(bytes, 0, 0, this.used);
    let from = 0;
    for (let i = 0; i < this.keys.length; i++) {
      this.documents.put({ partyKey: this.party, key: this.keys[i], at: this.ats[i], bytes: bytes.subarray(from, this.ends[i]) });
      from = this.ends[i];
    }
    this.keys.length = 0;
    this.ats.length = 0;
    this.ends.length = 0;
    this.used = 0;
  }
}

/**
 * A `COPY … TO STDOUT (FORMAT binary)` as a pg Submittable: the client hands it each CopyData
 * message's bytes. The stream is the signature, two header words and an extension, then per row a
 * column count and per column a byte length and the bytes, then a count of -1. The server sends a
 * row per message; a row split across messages is carried over all the same.
 */
class CopyRows implements Submittable {
  readonly done: Promise<number>;
  stream: Duplex | null = null;
  finished = false;
  maxStepMs = 0;
  private resolve!: (rows: number) => void;
  private reject!: (e: Error) => void;
  private failed = false;
  private rows = 0;
  private header = false;
  private carry: Buffer | null = null;
  private stepStart = 0;
  private stepRows = 0;
  private paused = false;

  constructor(
    private readonly text: string,
    private readonly runs: Runs,
    private readonly options: LoadOptions,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: Connection): void {
    this.stream = connection.stream;
    connection.query(this.text);
  }

  handleCopyData(msg: { chunk: Buffer }): void {
    if (this.failed) return;
    if (!this.stepStart) {
      this.stepStart = performance.now();
      // After the reads of this turn of the event loop (and the other callbacks due in it).
      setImmediate(() => this.endStep());
    }
    try {
      this.parse(msg.chunk);
    } catch (e) {
      return this.fail(e as Error);
    }
    if (!this.paused && (performance.now() - this.stepStart >= BUDGET_MS || this.stepRows >= (this.options.slice ?? Number.POSITIVE_INFINITY))) {
      this.paused = true;
      this.stream?.pause();
    }
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {
    if (this.failed) return;
    if (!this.header || this.carry) return this.fail(new Error('the COPY stream ended within a row'));
    this.finished = true;
    this.resolve(this.rows);
  }

  handleError(err: Error): void {
    this.fail(err);
  }

  // The client calls these for messages a COPY does not produce; nothing to do if it ever does.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}

  private fail(e: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.reject(e);
  }

  private endStep(): void {
    this.maxStepMs = Math.max(this.maxStepMs, performance.now() - this.stepStart);
    this.stepStart = 0;
    this.stepRows = 0;
    if (this.failed) return;
    if (!this.options.current()) {
      this.stream?.pause();
      return this.fail(new Error('the read model was dropped while loading'));
    }
    if (!this.paused) return;
    this.paused = false;
    this.stream?.resume();
  }

  private parse(chunk: Buffer): void {
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = null;
    let at = 0;
    if (!this.header) {
      if (data.length < 19 || data.length < 19 + data.readUInt32BE(15)) return this.keep(data, 0);
      if (!data.subarray(0, 11).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
      at = 19 + data.readUInt32BE(15);
      this.header = true;
    }
    while (at + 2 <= data.length) {
      const columns = data.readInt16BE(at);
      if (columns === -1) {
        at += 2;
        continue;
      }
      if (columns !== COLUMNS) throw new Error(`a COPY row of ${columns} columns, expected ${COLUMNS}`);
      // The four columns' [start, end) in `data`, if the whole row is there.
      let p = at + 2;
      let complete = true;
      const bounds: number[] = [];
      for (let c = 0; c < COLUMNS; c++) {
        if (p + 4 > data.length) {
          complete = false;
          break;
        }
        const length = data.readInt32BE(p);
        if (length < 0) throw new Error('a NULL in a NOT NULL column of own_location');
        bounds.push(p + 4, p + 4 + length);
        p += 4 + length;
      }
      if (!complete || p > data.length) break;
      if (bounds[5] - bounds[4] !== 8) throw new Error('last_updated did not come as a float8');
      this.runs.add(data.toString('utf8', bounds[0], bounds[1]), data.toString('utf8', bounds[2], bounds[3]), data.readDoubleBE(bounds[4]), data, bounds[6], bounds[7]);
      this.rows++;
      this.stepRows++;
      at = p;
    }
    if (at < data.length) this.keep(data, at);
  }

  /** Keeps the bytes of an incomplete row (a copy: the socket's buffers are reused). */
  private keep(data: Buffer, from: number): void {
    this.carry = Buffer.from(data.subarray(from));
  }
}
