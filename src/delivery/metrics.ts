/** The delivery engine's view of the metrics. */
import type { Metrics } from '../observability/metrics.js';
import type { PendingRow } from './delivery-store.js';

export class DeliveryMetrics {
  constructor(private readonly metrics: Metrics) {}

  count(peerId: string, module: string, result: 'delivered' | 'retry' | 'dead' | 'resync'): void {
    this.metrics.deliveries.inc({ peer: peerId, module, result });
  }

  observeDelivered(_peerId: string, rows: PendingRow[]): void {
    const now = Date.now();
    for (const r of rows) this.metrics.deliveryLatency.observe({ module: r.module }, (now - r.createdAt.getTime()) / 1000);
  }
}
