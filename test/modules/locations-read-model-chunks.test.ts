/**
 * The read model's ordered store (read-model-chunks.ts) against a plain sorted array, on random
 * sequences of puts (at the end, in the middle, ties on last_updated), moves and removals across
 * several parties: every page, rank and count must be the array's.
 */
import { CHUNK, OrderedDocuments } from '../../src/modules/2.2.1/locations/read-model-chunks.js';

/** A small seeded generator: a failing sequence can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

interface Doc {
  party: string;
  key: string;
  at: number;
  text: string;
}

const order = (a: Doc, b: Doc) => a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function expectSame(store: OrderedDocuments, docs: Map<string, Doc>, parties: string[], rnd: (n: number) => number) {
  for (const party of parties) {
    const expected = [...docs.values()].filter((d) => d.party === party).sort(order);
    expect(store.count(party)).toBe(expected.length);
    expect(store.slice(party, 0, expected.length + 5).map(String)).toEqual(expected.map((d) => d.text));
    for (let i = 0; i < 5; i++) {
      const start = rnd(expected.length + 3);
      const end = start + rnd(40);
      expect(store.slice(party, start, end).map(String)).toEqual(expected.slice(start, end).map((d) => d.text));
      const at = 1000 + rnd(4000);
      expect(store.rank(party, at)).toBe(expected.filter((d) => d.at < at).length);
    }
  }
  expect(store.size).toBe(docs.size);
}

test.each([1, 2, 3, 4, 5])('random puts, moves and removals keep the order and the pages of a sorted array (seed %i)', async (seed) => {
  const rnd = random(seed);
  const store = new OrderedDocuments();
  const docs = new Map<string, Doc>();
  const parties = ['NLCPO', 'NLCPX', 'DECPY'];
  let clock = 1000;
  let version = 0;
  for (let step = 0; step < 6000; step++) {
    const op = rnd(100);
    const keys = [...docs.keys()];
    let key: string;
    let party: string;
    if (op < 35 || keys.length < 10) {
      key = `L${rnd(100000)}`;
      party = docs.get(key)?.party ?? parties[rnd(parties.length)];
    } else if (op < 45) {
      key = keys[rnd(keys.length)];
      store.remove(key);
      docs.delete(key);
      continue;
    } else {
      key = keys[rnd(keys.length)];
      party = docs.get(key)?.party ?? parties[0];
    }
    // Mostly the newest stamp (a change moves to the end); sometimes an older one or a tie.
    const kind = rnd(10);
    const at = kind < 6 ? (clock += rnd(3)) : kind < 8 ? clock - rnd(200) : 1000 + rnd(clock - 1000 + 1);
    const text = JSON.stringify({ id: key, v: version++, pad: 'x'.repeat(rnd(300)) });
    store.put({ partyKey: party, key, at, bytes: Buffer.from(text) });
    docs.set(key, { party, key, at, text });
    // Blocks are deflated in the thread pool: check both while they are and once they are done.
    if (step % 500 === 0) expectSame(store, docs, parties, rnd);
    if (step % 700 === 0) await store.settle();
  }
  expectSame(store, docs, parties, rnd);
  // Everything removed: nothing left, and the store still works afterwards.
  for (const key of [...docs.keys()]) store.remove(key);
  docs.clear();
  expectSame(store, docs, parties, rnd);
  store.put({ partyKey: 'NLCPO', key: 'AGAIN', at: 5, bytes: Buffer.from('"again"') });
  expect(store.slice('NLCPO', 0, 10).map(String)).toEqual(['"again"']);
});

test('full chunks are deflated: the bytes held shrink well below the documents of a party', async () => {
  const store = new OrderedDocuments();
  const text = (i: number) => JSON.stringify({ id: `LOC${i}`, name: `Station ${i}`, evses: [1, 2, 3, 4].map((n) => ({ uid: `LOC${i}-E${n}`, status: 'AVAILABLE' })) });
  let raw = 0;
  for (let i = 0; i < CHUNK * 50; i++) {
    raw += text(i).length;
    store.put({ partyKey: 'NLCPO', key: `LOC${i}`, at: i, bytes: Buffer.from(text(i)) });
  }
  await store.settle();
  const held = store.bytes();
  expect(held.packed + held.plain).toBeLessThan(raw / 3);
  expect(store.slice('NLCPO', CHUNK * 25, CHUNK * 25 + 2).map(String)).toEqual([text(CHUNK * 25), text(CHUNK * 25 + 1)]);
});
