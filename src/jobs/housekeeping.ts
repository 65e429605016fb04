/**
 * Periodic clean-up run by the worker role: invitations whose Token A expired unused are
 * removed, so the peer list shows only live connections and pending invitations.
 */
import { Queue, Worker } from 'bullmq';
import type { AppContext } from '../app-context.js';
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
      if (removed > 0) app.log.info({ removed }, 'expired invitations removed');
      return { removed };
    },
    { connection: workerConn, prefix: app.config.REDIS_PREFIX, concurrency: 1 },
  );
  worker.on('failed', (_job, err) => app.log.warn({ err: err.message }, 'housekeeping job failed'));
  return {
    async close() {
      await worker.close();
      await queue.close();
      await Promise.allSettled([queueConn.quit(), workerConn.quit()]);
    },
  };
}
