/**
 * Periodic clean-up run by the worker role: invitations whose Token A expired unused, and our
 * own connects whose Token B outlived the handshake (a process died mid-way), are removed, so the
 * peer list shows only live connections and pending handshakes, and finished
 * outbox history older than OUTBOX_RETENTION_DAYS is deleted (dead and resync rows stay until
 * an admin acts on them).
 */
import { Queue, Worker } from 'bullmq';
import type { AppContext } from '../context.js';
import { DeliveryStore } from '../delivery/delivery-store.js';
import { createRedis } from '../redis.js';

const QUEUE = 'housekeeping';
const EVERY_MS = 15 * 60_000;

export async function startHousekeeping(app: AppContext): Promise<{ close(): Promise<void> }> {
  const queueConn = createRedis(app.config.REDIS_URL, 'bullmq', app.log);
  const workerConn = createRedis(app.config.REDIS_URL, 'bullmq', app.log);
  const queue = new Queue(QUEUE, { connection: queueConn, prefix: app.config.REDIS_PREFIX });
  await queue.upsertJobScheduler('expired-invitations', { every: EVERY_MS }, { name: 'expired-invitations', opts: { removeOnComplete: 10, removeOnFail: 50 } });
  const worker = new Worker(
    QUEUE,
    async () => {
      const removed = await app.peerStore.deleteExpiredInvitations(new Date());
      const purged = await new DeliveryStore(app.db, app.config.DATABASE_SCHEMA).purgeFinished(new Date(Date.now() - app.config.OUTBOX_RETENTION_DAYS * 86_400_000));
      if (removed > 0 || purged > 0) app.log.info({ removed, purged }, 'housekeeping');
      return { removed, purged };
    },
    { connection: workerConn, prefix: app.config.REDIS_PREFIX, concurrency: 1 },
  );
  worker.on('failed', (_job, err) => app.log.warn({ err: err.message }, 'housekeeping job failed'));
  // Without listeners BullMQ prints every Redis reconnection failure to the console.
  worker.on('error', (err) => app.log.warn({ err: err.message }, 'housekeeping worker error'));
  queue.on('error', (err) => app.log.warn({ err: err.message }, 'housekeeping queue error'));
  return {
    async close() {
      await worker.close();
      await queue.close();
      await Promise.allSettled([queueConn.quit(), workerConn.quit()]);
    },
  };
}
