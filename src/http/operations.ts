/**
 * Operations endpoints: Prometheus metrics at /metrics (behind METRICS_TOKEN when set) and the
 * BullMQ dashboard at /admin/queues (behind the admin key; browsers can use HTTP Basic with the
 * key as password, which only reads).
 */
import crypto from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type Router } from 'express';
import { refuseRepeatedFailures } from '../admin/mount.js';
import type { AppContext } from '../context.js';
import { OutboxHistory, UNFINISHED_STATUSES } from '../delivery/history.js';
import { QUEUES, type QueueHandle, openQueue } from '../delivery/queues.js';

export function operationsRouter(app: AppContext, guards: express.RequestHandler[]): { router: Router; close(): Promise<void> } {
  const router = express.Router();
  const queues = Object.values(QUEUES).map((name) => openQueue(app, name));

  const maxAgeMs = app.config.METRICS_CACHE_MS;
  const history = new OutboxHistory(app.db, app.config.DATABASE_SCHEMA);
  // Only the statuses that still need attention: delivered and superseded rows pile up until
  // housekeeping and are counted by ocpi_deliveries_total already; counting them per scrape
  // would scan the whole history. The partial indexes that hold these rows serve this.
  app.metrics.gauge(
    'ocpi_outbox_messages',
    'Outbox messages waiting (PENDING) or needing an operator (DEAD, RESYNC), by status',
    ['status'],
    async () => {
      const counts = await history.countUnfinished();
      return UNFINISHED_STATUSES.map((status) => ({ labels: { status }, value: counts[status] }));
    },
    maxAgeMs,
  );
  app.metrics.gauge(
    'ocpi_queue_jobs',
    'BullMQ jobs by queue and state',
    ['queue', 'state'],
    async () => {
      const out: Array<{ labels: Record<string, string>; value: number }> = [];
      for (const { queue } of queues) {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
        for (const [state, value] of Object.entries(counts)) out.push({ labels: { queue: queue.name, state }, value });
      }
      return out;
    },
    maxAgeMs,
  );
  router.get('/metrics', requireMetricsToken(app), async (_req, res) => {
    res.type(app.metrics.registry.contentType).send(await app.metrics.registry.metrics());
  });

  // Two boards over the same queues: the full one for the admin scope (Bearer), a read-only one
  // (no retry, clean, pause... in the UI nor in its API) for Basic, the browser's credentials.
  const boards = { admin: dashboard(queues, false), read: dashboard(queues, true) };
  router.use('/admin/queues', ...guards, (req, res, next) => boards[res.locals.dashboardScope === 'admin' ? 'admin' : 'read'](req, res, next));

  return { router, close: async () => void (await Promise.all(queues.map((q) => q.close()))) };
}

function dashboard(queues: QueueHandle[], readOnlyMode: boolean): Router {
  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q.queue, { readOnlyMode })), serverAdapter: board });
  return board.getRouter();
}

/** With METRICS_TOKEN set, /metrics wants `Authorization: Bearer <METRICS_TOKEN>` (what Prometheus' `authorization` sends). */
function requireMetricsToken(app: AppContext): express.RequestHandler {
  const token = app.config.METRICS_TOKEN;
  if (!token) return (_req, _res, next) => next();
  const expected = crypto.createHash('sha256').update(token).digest();
  return (req, res, next) => {
    const presented = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1].trim() ?? '';
    if (crypto.timingSafeEqual(crypto.createHash('sha256').update(presented).digest(), expected)) return next();
    refuseRepeatedFailures(app, req, res);
    res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
    res.status(401).json({ error: { code: 'unauthorized', message: 'Missing or wrong metrics token (Authorization: Bearer <METRICS_TOKEN>)' } });
  };
}
