/**
 * The ordered store behind the locations read model: per CPO party, every location's JSON bytes
 * in (last_updated, id) order, in chunks of about CHUNK documents. A full chunk is deflated as
 * one block, in the thread pool (locations of one CPO repeat their structure, so a block shrinks
 * 5-25x), which keeps 100,000 locations well under the memory a copy of their text would take;
 * the last chunk of a party stays plain, because that is where changes land (a change moves its
 * location to the end of the order). Decoded blocks are kept in a small LRU for the pages asked
 * most (a peer's incremental pull reads the end of the order, a full one each page once).
 *
 * A change costs O(CHUNK) on one or two chunks plus a binary search over the party's chunks: a
 * removal marks its slot dead (a block is rebuilt once half of it is dead), an insert at the end
 * appends to the plain chunk, an insert elsewhere rebuilds the one block it lands in. Only
 * creating or dropping a chunk moves the party's list of chunks (n / CHUNK pointers), at most
 * once per CHUNK / 2 changes. Positions (offset, total) are summed over the chunks' live counts:
 * a few thousand additions per page for 100,000 locations.
 */
import zlib from 'node:zlib';

export const CHUNK = 32;
const DECODED_BUDGET = 16 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

class Chunk {
  /** Every slot's key in order, removed ones included (they still order the chunk). */
  keys: string[] = [];
  gone: boolean[] = [];
  ats: number[] = [];
  lens: number[] = [];
  live = 0;
  /** The deflated concatenation of the slots' bytes; null while the chunk is plain. */
  packed: Buffer | null = null;
  /** The slots' bytes of a plain chunk (authoritative), or of a sealed one (a cache entry). */
  docs: Buffer[] | null = [];
  /** Bumped by every change of a plain chunk: a deflate started before it is not adopted. */
  version = 0;
  sealing = false;
  dropped = false;

  constructor(readonly party: PartyChunks) {}

  get lastAt(): number {
    return this.ats[this.ats.length - 1];
  }
  get lastKey(): string {
    return this.keys[this.keys.length - 1];
  }
}

interface Slot {
  key: string;
  at: number;
  bytes: Buffer;
}

class PartyChunks {
  chunks: Chunk[] = [];
  live = 0;
}

export interface Change {
  partyKey: string;
  key: string;
  at: number;
  bytes: Buffer;
}

/** The documents' bytes as one buffer: a view when they lie one after the other in one buffer (as loaded), else a copy. */
function contiguous(docs: Buffer[]): Buffer {
  const first = docs[0];
  if (!first) return EMPTY;
  let end = first.byteOffset + first.length;
  for (let i = 1; i < docs.length; i++) {
    if (docs[i].buffer !== first.buffer || docs[i].byteOffset !== end) return Buffer.concat(docs);
    end += docs[i].length;
  }
  return Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset);
}

/** (at, key) order, as the database's ORDER BY last_updated, location_key in the C collation. */
function before(at1: number, key1: string, at2: number, key2: string): boolean {
  return at1 < at2 || (at1 === at2 && key1 < key2);
}

export class OrderedDocuments {
  private readonly parties = new Map<string, PartyChunks>();
  private readonly index = new Map<string, Chunk>();
  private readonly decoded = new Map<Chunk, number>();
  private decodedBytes = 0;
  private packedBytes = 0;
  private pending = 0;
  private queue: Chunk[] = [];
  private pumping = false;
  private settled: Array<() => void> = [];
  /** Bumped by clear(): deflates of chunks from before are dropped. */
  private generation = 0;

  get size(): number {
    return this.index.size;
  }

  /** Bytes held: deflated blocks, plain chunks' documents, decoded blocks in the LRU. */
  bytes(): { packed: number; plain: number; decoded: number } {
    let plain = 0;
    for (const party of this.parties.values()) for (const chunk of party.chunks) if (!chunk.packed) for (const len of chunk.lens) plain += len;
    return { packed: this.packedBytes, plain, decoded: this.decodedBytes };
  }

  clear(): void {
    this.generation++;
    this.pending -= this.queue.length;
    for (const chunk of this.queue) chunk.sealing = false;
    this.queue = [];
    this.parties.clear();
    this.index.clear();
    this.decoded.clear();
    this.decodedBytes = 0;
    this.packedBytes = 0;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  /** Puts the location's current version in its place (replacing the one held, if any). */
  put(c: Change): void {
    this.remove(c.key);
    let party = this.parties.get(c.partyKey);
    if (!party) this.parties.set(c.partyKey, (party = new PartyChunks()));
    party.live++;
    const last = party.chunks[party.chunks.length - 1];
    if (!last || !before(c.at, c.key, last.lastAt, last.lastKey)) {
      // The usual case: the newest change goes to the end.
      let tail = last;
      if (!tail || tail.packed || tail.keys.length >= CHUNK) {
        if (tail && !tail.packed) this.seal(tail);
        tail = new Chunk(party);
        party.chunks.push(tail);
      }
      this.pushSlot(tail, c);
      return;
    }
    // The first chunk whose last entry comes after the new one takes it.
    let lo = 0;
    let hi = party.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = party.chunks[mid];
      if (before(m.lastAt, m.lastKey, c.at, c.key)) lo = mid + 1;
      else hi = mid;
    }
    this.insertInto(party.chunks[lo], c);
  }

  remove(key: string): void {
    const chunk = this.index.get(key);
    if (!chunk) return;
    this.index.delete(key);
    // The live slot: a key moved within the plain chunk also has a removed slot there.
    let i = chunk.keys.length - 1;
    while (chunk.keys[i] !== key || chunk.gone[i]) i--;
    chunk.gone[i] = true;
    chunk.live--;
    chunk.party.live--;
    if (!chunk.packed && chunk.docs) {
      chunk.docs[i] = EMPTY;
      chunk.lens[i] = 0;
      chunk.version++;
    }
    if (chunk.live === 0) return this.drop(chunk);
    if (chunk.packed && chunk.keys.length - chunk.live >= CHUNK / 2) this.rebuild(chunk);
  }

  /** How many more documents the party's plain last chunk takes (the load encodes runs of that size together). */
  tailRoom(partyKey: string): number {
    const chunks = this.parties.get(partyKey)?.chunks ?? [];
    const last = chunks[chunks.length - 1];
    return last && !last.packed && !last.sealing && last.keys.length < CHUNK ? CHUNK - last.keys.length : CHUNK;
  }

  /** Live entries of a party with at < `at`. */
  rank(partyKey: string, at: number): number {
    const party = this.parties.get(partyKey);
    if (!party) return 0;
    let n = 0;
    for (const chunk of party.chunks) {
      if (chunk.lastAt < at) {
        n += chunk.live;
        continue;
      }
      for (let i = 0; i < chunk.keys.length && chunk.ats[i] < at; i++) if (!chunk.gone[i]) n++;
      break;
    }
    return n;
  }

  count(partyKey: string): number {
    return this.parties.get(partyKey)?.live ?? 0;
  }

  /** The documents at live positions [start, end) of a party. */
  slice(partyKey: string, start: number, end: number): Buffer[] {
    const party = this.parties.get(partyKey);
    const out: Buffer[] = [];
    if (!party || end <= start) return out;
    let pos = 0;
    for (const chunk of party.chunks) {
      if (pos + chunk.live <= start) {
        pos += chunk.live;
        continue;
      }
      const docs = this.docsOf(chunk);
      for (let i = 0; i < chunk.keys.length && pos < end; i++) {
        if (chunk.gone[i]) continue;
        if (pos >= start) out.push(docs[i]);
        pos++;
      }
      if (pos >= end) break;
    }
    return out;
  }

  private pushSlot(chunk: Chunk, c: Slot): void {
    chunk.keys.push(c.key);
    chunk.gone.push(false);
    chunk.ats.push(c.at);
    chunk.lens.push(c.bytes.length);
    chunk.docs?.push(c.bytes);
    chunk.live++;
    chunk.version++;
    this.index.set(c.key, chunk);
  }

  private insertInto(chunk: Chunk, c: Change): void {
    const docs = this.docsOf(chunk);
    let at = 0;
    while (at < chunk.keys.length && before(chunk.ats[at], chunk.keys[at], c.at, c.key)) at++;
    const slots = chunk.keys.map((key, i) => ({ key, at: chunk.ats[i], bytes: docs[i], gone: chunk.gone[i] }));
    slots.splice(at, 0, { key: c.key, at: c.at, bytes: c.bytes, gone: false });
    this.refill(
      chunk,
      slots.filter((s) => !s.gone),
    );
  }

  /** Rewrites a sealed chunk without its dead slots, taking in the next chunk when both fit in one. */
  private rebuild(chunk: Chunk): void {
    const party = chunk.party;
    const slots = this.slotsOf(chunk, this.docsOf(chunk));
    const at = party.chunks.indexOf(chunk);
    const next = party.chunks[at + 1];
    if (next?.packed && next.live + slots.length <= CHUNK) {
      slots.push(...this.slotsOf(next, this.docsOf(next)));
      this.forget(next);
      party.chunks.splice(at + 1, 1);
    }
    this.refill(chunk, slots);
  }

  /** Lays `slots` into `chunk` (split in two when too many), sealed again if it was. */
  private refill(chunk: Chunk, slots: Slot[]): void {
    const wasSealed = chunk.packed !== null;
    this.forget(chunk);
    const party = chunk.party;
    const parts = slots.length > 2 * CHUNK ? [slots.slice(0, slots.length >> 1), slots.slice(slots.length >> 1)] : [slots];
    const chunks = [chunk];
    if (parts.length === 2) {
      const extra = new Chunk(party);
      party.chunks.splice(party.chunks.indexOf(chunk) + 1, 0, extra);
      chunks.push(extra);
    }
    parts.forEach((part, p) => {
      const target = chunks[p];
      target.keys = [];
      target.gone = [];
      target.ats = [];
      target.lens = [];
      target.docs = [];
      target.live = 0;
      target.version++;
      for (const s of part) this.pushSlot(target, s);
      const isTail = party.chunks[party.chunks.length - 1] === target;
      if (wasSealed || !isTail || target.keys.length >= CHUNK) this.seal(target);
    });
  }

  /** The live slots of a chunk, in order. */
  private slotsOf(chunk: Chunk, docs: Buffer[]): Slot[] {
    const slots: Slot[] = [];
    chunk.keys.forEach((key, i) => chunk.gone[i] || slots.push({ key, at: chunk.ats[i], bytes: docs[i] }));
    return slots;
  }

  /**
   * Deflates a chunk in libuv's thread pool, off the event loop, one chunk at a time (on a small
   * machine several deflating threads would starve the event loop); until that is done the
   * chunk stays plain (and is served as such). A chunk changed meanwhile is deflated again.
   */
  private seal(chunk: Chunk): void {
    if (chunk.packed || chunk.sealing || chunk.dropped) return;
    chunk.sealing = true;
    this.queue.push(chunk);
    this.pending++;
    if (!this.pumping) {
      this.pumping = true;
      this.deflateNext();
    }
  }

  private deflateNext(): void {
    const chunk = this.queue.shift();
    if (!chunk) {
      this.pumping = false;
      for (const settled of this.settled.splice(0)) settled();
      return;
    }
    const docs = chunk.docs ?? [];
    const version = chunk.version;
    const generation = this.generation;
    zlib.deflateRaw(contiguous(docs), { level: zlib.constants.Z_BEST_SPEED }, (err, out) => {
      chunk.sealing = false;
      this.pending--;
      if (generation === this.generation && !chunk.dropped && !chunk.packed) {
        if (err || chunk.version !== version) this.seal(chunk);
        else {
          // A copy of its own size: zlib's output is a view of a larger buffer it would keep alive.
          chunk.packed = Buffer.allocUnsafeSlow(out.length);
          out.copy(chunk.packed);
          this.packedBytes += chunk.packed.length;
          // Just written: likely read soon (a pull of the newest changes reads the end of the order).
          this.cache(chunk, chunk.docs ?? docs);
        }
      }
      this.deflateNext();
    });
  }

  /** Resolves once no chunk is being deflated (the load waits on it, so plain chunks do not pile up). */
  settle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.settled.push(resolve));
  }

  /** Chunks being deflated now. */
  get sealing(): number {
    return this.pending;
  }

  private docsOf(chunk: Chunk): Buffer[] {
    if (!chunk.packed) return chunk.docs ?? [];
    if (chunk.docs) {
      // Most recently used last.
      const size = this.decoded.get(chunk) ?? 0;
      this.decoded.delete(chunk);
      this.decoded.set(chunk, size);
      return chunk.docs;
    }
    const block = zlib.inflateRawSync(chunk.packed);
    const docs: Buffer[] = [];
    let offset = 0;
    for (const len of chunk.lens) {
      docs.push(block.subarray(offset, offset + len));
      offset += len;
    }
    this.cache(chunk, docs);
    return docs;
  }

  private cache(chunk: Chunk, docs: Buffer[]): void {
    const size = chunk.lens.reduce((a, b) => a + b, 0);
    chunk.docs = docs;
    this.decoded.set(chunk, size);
    this.decodedBytes += size;
    for (const [old, bytes] of this.decoded) {
      if (this.decodedBytes <= DECODED_BUDGET) break;
      this.decoded.delete(old);
      this.decodedBytes -= bytes;
      old.docs = null;
    }
  }

  /** Drops a chunk's block and cache entry (before it is rewritten or removed). */
  private forget(chunk: Chunk): void {
    if (chunk.packed) this.packedBytes -= chunk.packed.length;
    chunk.packed = null;
    const size = this.decoded.get(chunk);
    if (size !== undefined) {
      this.decoded.delete(chunk);
      this.decodedBytes -= size;
    }
  }

  private drop(chunk: Chunk): void {
    this.forget(chunk);
    chunk.docs = null;
    chunk.dropped = true;
    const party = chunk.party;
    party.chunks.splice(party.chunks.indexOf(chunk), 1);
  }
}
