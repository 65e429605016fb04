/**
 * The delivery engine's view of the metrics. Outcomes are tallied in memory and added to the
 * counter once per delivery round (flush): one labelled increment per (peer, module, result) and
 * round instead of one per message, which at thousands of deliveries a second is measurable.
 */
import type { Metrics } from '../observability/metrics.js';
import type { PendingRow } from './delivery-store.js';

type Result = 'delivered' | 'retry' | 'dead' | 'resync';

export class DeliveryMetrics {
  private readonly tally = new Map<string, { peer: string; module: string; result: Result; n: number }>();

  constructor(private readonly metrics: Metrics) {}

  count(peerId: string, module: string, result: Result): void {
    const key = `${peerId}\u0000${module}\u0000${result}`;
    const entry = this.tally.get(key);
    if (entry) entry.n++;
    else this.tally.set(key, { peer: peerId, module, result, n: 1 });
  }

  /** Adds what was counted since the last flush to the counter (every run flushes after each round). */
  flush(): void {
    for (const { peer, module, result, n } of this.tally.values()) this.metrics.deliveries.inc({ peer, module, result }, n);
    this.tally.clear();
  }

  observeDelivered(_peerId: string, rows: PendingRow[]): void {
    const now = Date.now();
    for (const r of rows) this.metrics.deliveryLatency.observe({ module: r.module }, (now - r.createdAt.getTime()) / 1000);
  }
}
