/**
 * The ordered store behind the locations read model: per CPO party, every location's JSON bytes
 * in (last_updated, id) order, in chunks of about CHUNK documents. A full chunk is deflated as
 * one block (locations of one CPO repeat their structure, so a block shrinks 5-25x), which keeps
 * 100,000 locations well under the memory a copy of their text would take; the last chunk of a
 * party stays plain, because that is where changes land (a change moves its location to the end
 * of the order). Decoded blocks are kept in a small LRU for the pages asked most (a peer's
 * incremental pull reads the end of the order, a full one each page once).
 *
 * Deflating is synchronous: a block of CHUNK documents (~60 KB) takes about 0.1 ms at the fastest
 * level, less event-loop time than handing it to the thread pool costs (measured: ~0.3 ms of main
 * thread per asynchronous call, which sets up and tears down a 256 KB zlib state each time).
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
  /** Index in the party's chunks as of the last build of its tree. */
  pos = 0;

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
  /**
   * Fenwick tree over the chunks' live counts (1-based), so a page finds its first chunk in
   * O(log n) instead of summing every chunk before it (0.3 ms for the last page of 100,000).
   * Dropped when chunks are added, removed or rewritten; rebuilt by the next page.
   */
  tree: Int32Array | null = null;
}

function treeOf(party: PartyChunks): Int32Array {
  if (party.tree) return party.tree;
  const n = party.chunks.length;
  const tree = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    const chunk = party.chunks[i - 1];
    chunk.pos = i - 1;
    tree[i] += chunk.live;
    const up = i + (i & -i);
    if (up <= n) tree[up] += tree[i];
  }
  party.tree = tree;
  return tree;
}

/** Live entries in the party's first `count` chunks. */
function livePrefix(party: PartyChunks, count: number): number {
  const tree = treeOf(party);
  let sum = 0;
  for (let i = count; i > 0; i -= i & -i) sum += tree[i];
  return sum;
}

/** The first chunk holding live position `start`, and the live entries before it. */
function seek(party: PartyChunks, start: number): { index: number; before: number } {
  const tree = treeOf(party);
  let index = 0;
  let before = 0;
  for (let step = 1 << (31 - Math.clz32(Math.max(1, tree.length - 1))); step; step >>= 1) {
    if (index + step < tree.length && before + tree[index + step] <= start) {
      index += step;
      before += tree[index];
    }
  }
  return { index, before };
}

/** A chunk's live count moved by `delta`: the tree follows, when there is one. */
function liveMoved(chunk: Chunk, delta: number): void {
  const tree = chunk.party.tree;
  if (!tree) return;
  for (let i = chunk.pos + 1; i < tree.length; i += i & -i) tree[i] += delta;
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
        party.tree = null;
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
    liveMoved(chunk, -1);
    if (!chunk.packed && chunk.docs) {
      chunk.docs[i] = EMPTY;
      chunk.lens[i] = 0;
    }
    if (chunk.live === 0) return this.drop(chunk);
    if (chunk.packed && chunk.keys.length - chunk.live >= CHUNK / 2) this.rebuild(chunk);
  }

  /** How many more documents the party's plain last chunk takes (the load encodes runs of that size together). */
  tailRoom(partyKey: string): number {
    const chunks = this.parties.get(partyKey)?.chunks ?? [];
    const last = chunks[chunks.length - 1];
    return last && !last.packed && last.keys.length < CHUNK ? CHUNK - last.keys.length : CHUNK;
  }

  /** Live entries of a party with at < `at`. */
  rank(partyKey: string, at: number): number {
    const party = this.parties.get(partyKey);
    if (!party) return 0;
    // The chunks wholly before `at` (their last entries are in order), then the one it falls in.
    let lo = 0;
    let hi = party.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (party.chunks[mid].lastAt < at) lo = mid + 1;
      else hi = mid;
    }
    let n = livePrefix(party, lo);
    const chunk = party.chunks[lo];
    if (chunk) for (let i = 0; i < chunk.keys.length && chunk.ats[i] < at; i++) if (!chunk.gone[i]) n++;
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
    const first = seek(party, start);
    let pos = first.before;
    for (let c = first.index; c < party.chunks.length; c++) {
      const chunk = party.chunks[c];
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
    liveMoved(chunk, 1);
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
      party.tree = null;
    }
    this.refill(chunk, slots);
  }

  /** Lays `slots` into `chunk` (split in two when too many), sealed again if it was. */
  private refill(chunk: Chunk, slots: Slot[]): void {
    const wasSealed = chunk.packed !== null;
    this.forget(chunk);
    const party = chunk.party;
    party.tree = null;
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

  /** Deflates a full (or rebuilt) chunk; its plain documents stay cached as just written. */
  private seal(chunk: Chunk): void {
    if (chunk.packed) return;
    const docs = chunk.docs ?? [];
    const out = zlib.deflateRawSync(contiguous(docs), { level: zlib.constants.Z_BEST_SPEED });
    // zlib's output is a view of its larger output buffer: a copy of its own size (not from the
    // small-buffer pool, whose slabs a long-lived view would pin) keeps only what is needed.
    chunk.packed = Buffer.allocUnsafeSlow(out.length);
    out.copy(chunk.packed);
    this.packedBytes += chunk.packed.length;
    // Just written: likely read soon (a pull of the newest changes reads the end of the order).
    this.cache(chunk, docs);
  }

  /** Resolves at once: deflating is synchronous (kept for callers written when it ran in the thread pool). */
  settle(): Promise<void> {
    return Promise.resolve();
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
    const party = chunk.party;
    party.chunks.splice(party.chunks.indexOf(chunk), 1);
    party.tree = null;
  }
}
