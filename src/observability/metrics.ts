/**
 * Prometheus metrics of one platform instance. A registry per instance (not prom-client's
 * global one) so several instances can live in one test process.
 */
import type { NextFunction, Request, Response } from 'express';
import client from 'prom-client';

export class Metrics {
  readonly registry = new client.Registry();
  readonly deliveries: client.Counter<'peer' | 'module' | 'result'>;
  readonly deliveryLatency: client.Histogram<'module'>;
  readonly httpRequests: client.Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: client.Histogram<'method' | 'route'>;
  readonly dataQuality: client.Counter<'peer' | 'module' | 'path' | 'rule' | 'outcome'>;
  readonly ocppMessages: client.Counter<'protocol' | 'action' | 'direction'>;
  readonly ocppErrors: client.Counter<'protocol' | 'direction' | 'code'>;

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
    this.deliveries = new client.Counter({
      name: 'ocpi_deliveries_total',
      help: 'Delivery attempts by peer, module and result (delivered, retry, dead, resync)',
      labelNames: ['peer', 'module', 'result'],
      registers: [this.registry],
    });
    this.deliveryLatency = new client.Histogram({
      name: 'ocpi_delivery_latency_seconds',
      help: 'From the change being committed to the peer acknowledging it',
      labelNames: ['module'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 1800, 7200],
      registers: [this.registry],
    });
    this.httpRequests = new client.Counter({ name: 'http_requests_total', help: 'HTTP requests served', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
    // Paths have list indices folded (evses[].status): bounded by the schemas, not by the data.
    this.dataQuality = new client.Counter({
      name: 'ocpi_received_data_quality_total',
      help: 'Fields of received objects the receive profile repaired, refused or noticed, by peer, module, field path and rule',
      labelNames: ['peer', 'module', 'path', 'rule', 'outcome'],
      registers: [this.registry],
    });
    // OCPP calls (src/backends/ocpp/metrics.ts): actions outside the protocol's schemas are counted as `unknown`.
    this.ocppMessages = new client.Counter({
      name: 'ocpp_messages_total',
      help: 'OCPP calls by protocol, action and direction (received: from the charge point; sent: by the platform)',
      labelNames: ['protocol', 'action', 'direction'],
      registers: [this.registry],
    });
    this.ocppErrors = new client.Counter({
      name: 'ocpp_errors_total',
      help: 'OCPP errors by protocol, direction (received: a charge point message failed here; sent: a call of ours failed) and OCPP error code',
      labelNames: ['protocol', 'direction', 'code'],
      registers: [this.registry],
    });
    this.httpDuration = new client.Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [this.registry],
    });
  }

  /**
   * Gauges whose value is read at scrape time (queue depths). A reading is reused for
   * `maxAgeMs`, and scrapes arriving while one is being taken share it: however many scrapers
   * there are, the database and Redis see at most one reading per gauge and period.
   */
  gauge(name: string, help: string, labelNames: string[], collect: () => Promise<Array<{ labels: Record<string, string>; value: number }>>, maxAgeMs = 0): void {
    let reading: { at: number; values: Promise<Array<{ labels: Record<string, string>; value: number }>> } | null = null;
    const read = () => {
      if (reading && Date.now() - reading.at < maxAgeMs) return reading.values;
      const values = collect();
      const taken = { at: Number.POSITIVE_INFINITY, values };
      reading = taken;
      // The age counts from the end of the reading; a failed one is not kept.
      values.then(
        () => (taken.at = Date.now()),
        () => reading === taken && (reading = null),
      );
      return values;
    };
    new client.Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        const values = await read();
        this.reset();
        for (const { labels, value } of values) this.set(labels, value);
      },
    });
  }

  /** Express middleware; routes are labelled by their pattern, never by raw paths (bounded cardinality). */
  http() {
    return (req: Request, res: Response, next: NextFunction) => {
      const end = this.httpDuration.startTimer();
      res.on('finish', () => {
        const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : req.baseUrl || 'unmatched';
        end({ method: req.method, route });
        this.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    };
  }
}

declare module '../context.js' {
  interface AppContext {
    metrics: Metrics;
  }
}
