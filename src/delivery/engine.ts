/**
 * The delivery machinery of the worker role: the dispatcher and the delivery and pull workers.
 * It knows no module, hub or backend: what else each sweep does and who hears of a push's
 * outcome are handed in by the worker's composition (src/worker.ts). Stopping it lets running
 * jobs finish before connections close.
 */
import { Worker } from 'bullmq';
import type { AppContext } from '../context.js';
import { createRedis } from '../redis.js';
import { DeliveryStore } from './delivery-store.js';
import { Dispatcher } from './dispatcher.js';
import { DeliveryMetrics } from './metrics.js';
import { PeerDelivery } from './peer-delivery.js';
import { PullScheduler } from './pulls.js';
import { QUEUES, openQueue } from './queues.js';

export interface RunningEngine {
  dispatcher: Dispatcher;
  pulls: PullScheduler;
  close(): Promise<void>;
}

export interface EngineHooks {
  /** Run on every dispatcher sweep after the due pulls are enqueued (timeouts, liveness checks...). */
  sweep?: () => Promise<void>;
  /** Whether a peer answered a push (a peer that stops answering is OFFLINE in a hub's ClientInfo). */
  onTraffic?: (peerId: string, answered: boolean) => Promise<void>;
}

/**
 * How long claims last, so that a killed worker's work is taken over within JOB_LOCK_MS.
 * BullMQ hands a dead worker's job on only at a stalled check that finds the job's lock
 * expired and the job marked by an earlier check: up to the lock plus two check intervals
 * after the last renewal. With lock and interval both at JOB_LOCK_MS that was up to twice
 * JOB_LOCK_MS (about 60 s); half of it for the lock and an eighth per check leaves the sum
 * under JOB_LOCK_MS. The PostgreSQL lease expires as early as the lock, so the re-run (or the
 * sweep's next job, if the re-run came first) can take it.
 */
export function claimTimings(jobLockMs: number): { lockDuration: number; stalledInterval: number; leaseMs: number } {
  return { lockDuration: Math.round(jobLockMs / 2), stalledInterval: Math.round(jobLockMs / 8), leaseMs: Math.round(jobLockMs / 2) };
}

export async function startDeliveryEngine(app: AppContext, hooks: EngineHooks = {}): Promise<RunningEngine> {
  const { config } = app;
  const store = new DeliveryStore(app.db, config.DATABASE_SCHEMA);
  const timings = claimTimings(config.JOB_LOCK_MS);
  const deliveryQueue = openQueue(app, QUEUES.delivery);
  const pullQueue = openQueue(app, QUEUES.pulls);
  const peerDelivery = new PeerDelivery(
    app,
    app.client,
    store,
    {
      keyConcurrency: config.DELIVERY_KEY_CONCURRENCY,
      leaseMs: timings.leaseMs,
      batchSize: 5000,
      retryWindowMs: config.DELIVERY_RETRY_WINDOW_MINUTES * 60_000,
      backoff: { baseMs: config.DELIVERY_BACKOFF_BASE_MS, maxMs: config.DELIVERY_BACKOFF_MAX_MS },
    },
    new DeliveryMetrics(app.metrics),
    async (peerId, answered) => hooks.onTraffic?.(peerId, answered),
  );
  const pulls = new PullScheduler(app, pullQueue);

  const workerOptions = { prefix: config.REDIS_PREFIX, lockDuration: timings.lockDuration, stalledInterval: timings.stalledInterval, maxStalledCount: 1000 };
  const deliveryConn = createRedis(config.REDIS_URL, 'bullmq', app.log);
  const deliveryWorker = new Worker(QUEUES.delivery, async (job) => peerDelivery.run(job.data.lane ?? job.data.peerId), {
    ...workerOptions,
    connection: deliveryConn,
    concurrency: config.DELIVERY_CONCURRENCY,
  });
  const pullConn = createRedis(config.REDIS_URL, 'bullmq', app.log);
  const pullWorker = new Worker(QUEUES.pulls, async (job) => pulls.run(job.data.peerId, job.data.module), { ...workerOptions, connection: pullConn, concurrency: 4 });
  for (const w of [deliveryWorker, pullWorker]) {
    w.on('failed', (job, err) => app.log.warn({ queue: w.name, job_id: job?.id, err: err.message }, 'job failed'));
    w.on('error', (err) => app.log.warn({ queue: w.name, err: err.message }, 'worker error'));
  }

  const dispatcher = new Dispatcher(app, store, deliveryQueue, async () => {
    await pulls.tick();
    await hooks.sweep?.();
  });
  await dispatcher.start();
  // The idle signal (idle.ts) runs its own sweep of this dispatcher before it looks for due rows.
  app.services.workerIdle.attach(() => dispatcher.sweep());

  return {
    dispatcher,
    pulls,
    async close() {
      await dispatcher.stop();
      await Promise.all([deliveryWorker.close(), pullWorker.close()]);
      await Promise.all([deliveryQueue.close(), pullQueue.close()]);
      await Promise.allSettled([deliveryConn.quit(), pullConn.quit()]);
    },
  };
}
