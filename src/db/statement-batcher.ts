/**
 * Group commit for a hot write: requests that arrive while earlier statements are still running
 * are written together, one statement and one transaction for the lot. Under load most of a small
 * write's cost is per statement (a round trip, executor start-up, a commit) on both sides of the
 * connection; batching pays it once per batch. At low load a batch is one item, sent at once, so
 * nothing waits for company.
 *
 * One statement cannot change a row twice, so items that share a key never share a batch, nor
 * run beside a batch that holds their key: they wait for it, in arrival order. When a batch
 * fails, its items are retried one by one, so one item's error (or a deadlock between processes)
 * is answered to that item alone.
 */

export interface StatementBatcherOptions<I, O> {
  /** Runs one batch as one statement; answers one result per item, in the items' order. */
  run(items: I[]): Promise<O[]>;
  /** The row an item writes: two items with one key are never in flight together. */
  keyOf(item: I): string;
  /** Items per statement at most. */
  maxBatch: number;
  /** Statements in flight at once (each holds one pooled connection). */
  maxInFlight: number;
}

interface Waiting<I, O> {
  item: I;
  key: string;
  resolve(result: O): void;
  reject(error: unknown): void;
}

export class StatementBatcher<I, O> {
  private queue: Array<Waiting<I, O>> = [];
  private inFlight = 0;
  private readonly busyKeys = new Set<string>();

  constructor(private readonly options: StatementBatcherOptions<I, O>) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, key: this.options.keyOf(item), resolve, reject });
      this.pump();
    });
  }

  /** Items waiting for a statement (not those in flight). */
  get waiting(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.take();
      if (batch.length === 0) return;
      this.inFlight++;
      for (const w of batch) this.busyKeys.add(w.key);
      void this.execute(batch).finally(() => {
        this.inFlight--;
        for (const w of batch) this.busyKeys.delete(w.key);
        this.pump();
      });
    }
  }

  /** The oldest waiting items with distinct keys, none of them in flight; the others keep their place. */
  private take(): Array<Waiting<I, O>> {
    const batch: Array<Waiting<I, O>> = [];
    const rest: Array<Waiting<I, O>> = [];
    const keys = new Set<string>();
    for (const w of this.queue) {
      if (batch.length < this.options.maxBatch && !this.busyKeys.has(w.key) && !keys.has(w.key)) {
        keys.add(w.key);
        batch.push(w);
      } else {
        rest.push(w);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async execute(batch: Array<Waiting<I, O>>): Promise<void> {
    try {
      const results = await this.options.run(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i]));
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      // Each alone: the item that failed the batch fails again, the others are written.
      for (const w of batch) {
        try {
          w.resolve((await this.options.run([w.item]))[0]);
        } catch (e) {
          w.reject(e);
        }
      }
    }
  }
}
