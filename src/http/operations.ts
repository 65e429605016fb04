/**
 * Operations endpoints: Prometheus metrics at /metrics and the BullMQ dashboard at
 * /admin/queues (behind the admin key; browsers can use HTTP Basic with the key as password).
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express, { type Router } from 'express';
import type { AppContext } from '../app-context.js';
import { QUEUES, openQueue } from '../delivery/queues.js';

export function operationsRouter(app: AppContext, adminGuard: express.RequestHandler): { router: Router; close(): Promise<void> } {
  const router = express.Router();
  const queues = Object.values(QUEUES).map((name) => openQueue(app, name));

  app.metrics.gauge('ocpi_outbox_messages', 'Outbox messages by status', ['status'], async () => {
    const rows = await app.db.outboxMessage.groupBy({ by: ['status'], _count: { _all: true } });
    return rows.map((r) => ({ labels: { status: r.status }, value: r._count._all }));
  });
  app.metrics.gauge('ocpi_queue_jobs', 'BullMQ jobs by queue and state', ['queue', 'state'], async () => {
    const out: Array<{ labels: Record<string, string>; value: number }> = [];
    for (const { queue } of queues) {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
      for (const [state, value] of Object.entries(counts)) out.push({ labels: { queue: queue.name, state }, value });
    }
    return out;
  });
  router.get('/metrics', async (_req, res) => {
    res.type(app.metrics.registry.contentType).send(await app.metrics.registry.metrics());
  });

  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q.queue, { readOnlyMode: false })), serverAdapter: board });
  router.use('/admin/queues', adminGuard, board.getRouter());

  return { router, close: async () => void (await Promise.all(queues.map((q) => q.close()))) };
}
