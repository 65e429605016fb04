/**
 * Group commit (src/db/statement-batcher.ts): what waits, what shares a statement, and what one
 * failing item does to the others. The statements here are stand-ins that resolve when told, so
 * the order of events is the test's; the real statement is exercised over HTTP and PostgreSQL in
 * test/modules/locations-write-path.test.ts.
 */
import { StatementBatcher } from '../../src/db/statement-batcher.js';

interface Item {
  key: string;
  value: number;
}

/** A batcher whose statements are held until `release()`; records every batch it was given. */
function held(options: { maxBatch?: number; maxInFlight?: number; fail?: (items: Item[]) => boolean } = {}) {
  const batches: Item[][] = [];
  const pending: Array<() => void> = [];
  let running = 0;
  let mostRunning = 0;
  const batcher = new StatementBatcher<Item, string>({
    keyOf: (item) => item.key,
    maxBatch: options.maxBatch ?? 10,
    maxInFlight: options.maxInFlight ?? 1,
    run: (items) => {
      batches.push(items);
      running++;
      mostRunning = Math.max(mostRunning, running);
      return new Promise((resolve, reject) => {
        pending.push(() => {
          running--;
          if (options.fail?.(items)) reject(new Error(`failed: ${items.map((i) => i.key).join(',')}`));
          else resolve(items.map((i) => `${i.key}=${i.value}`));
        });
      });
    },
  });
  /** Lets the oldest running statement finish, then lets the batcher react. */
  const release = async () => {
    pending.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  const drain = async () => {
    while (pending.length) await release();
  };
  return { batcher, batches, release, drain, mostRunning: () => mostRunning };
}

test('at low load an item is sent at once, alone; items arriving meanwhile share the next statement', async () => {
  const h = held();
  const first = h.batcher.submit({ key: 'A', value: 1 });
  expect(h.batches).toEqual([[{ key: 'A', value: 1 }]]);
  const rest = ['B', 'C', 'D'].map((key, i) => h.batcher.submit({ key, value: i }));
  expect(h.batcher.waiting).toBe(3);
  await h.release();
  expect(h.batches[1].map((i) => i.key)).toEqual(['B', 'C', 'D']);
  await h.drain();
  expect(await first).toBe('A=1');
  expect(await Promise.all(rest)).toEqual(['B=0', 'C=1', 'D=2']);
});

test('items of one key never share a statement nor run beside one that holds the key, and keep their order', async () => {
  const h = held({ maxInFlight: 3 });
  const results = [
    h.batcher.submit({ key: 'A', value: 1 }),
    h.batcher.submit({ key: 'A', value: 2 }),
    h.batcher.submit({ key: 'B', value: 1 }),
    h.batcher.submit({ key: 'A', value: 3 }),
  ];
  // A1 runs; A2 and A3 wait for it; B goes out beside it.
  expect(h.batches.map((b) => b.map((i) => `${i.key}${i.value}`))).toEqual([['A1'], ['B1']]);
  await h.drain();
  expect(h.batches.map((b) => b.map((i) => `${i.key}${i.value}`))).toEqual([['A1'], ['B1'], ['A2'], ['A3']]);
  expect(await Promise.all(results)).toEqual(['A=1', 'A=2', 'B=1', 'A=3']);
});

test('at most maxBatch items per statement and maxInFlight statements at once', async () => {
  const h = held({ maxBatch: 4, maxInFlight: 2 });
  const first = h.batcher.submit({ key: 'K0', value: 0 });
  const second = h.batcher.submit({ key: 'K1', value: 1 });
  const more = Array.from({ length: 10 }, (_, i) => h.batcher.submit({ key: `M${i}`, value: i }));
  await h.drain();
  await Promise.all([first, second, ...more]);
  expect(h.batches.map((b) => b.length)).toEqual([1, 1, 4, 4, 2]);
  expect(h.mostRunning()).toBe(2);
});

test('a failing batch is retried item by item: only the item that fails is refused', async () => {
  const h = held({ fail: (items) => items.some((i) => i.key === 'BAD') });
  const first = h.batcher.submit({ key: 'A', value: 1 });
  const others = [h.batcher.submit({ key: 'B', value: 1 }), h.batcher.submit({ key: 'BAD', value: 1 }), h.batcher.submit({ key: 'C', value: 1 })];
  const settled = Promise.allSettled(others);
  await h.drain();
  // Retries run one at a time once the batch failed.
  while ((await Promise.race([settled.then(() => true), new Promise((r) => setImmediate(() => r(false)))])) === false) await h.release();
  expect(await first).toBe('A=1');
  const outcome = await settled;
  expect(outcome.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual(['B=1', 'failed: BAD', 'C=1']);
  expect(h.batches.map((b) => b.map((i) => i.key).join(','))).toEqual(['A', 'B,BAD,C', 'B', 'BAD', 'C']);
});

test('a statement that fails alone is refused to its item, and the batcher goes on', async () => {
  const h = held({ fail: (items) => items[0].key === 'BAD' });
  const bad = expect(h.batcher.submit({ key: 'BAD', value: 1 })).rejects.toThrow('failed: BAD');
  const next = h.batcher.submit({ key: 'A', value: 1 });
  await h.drain();
  await bad;
  await h.drain();
  expect(await next).toBe('A=1');
});
