/**
 * Periodic clean-up run by the worker role: invitations whose Token A expired unused, and our
 * own connects whose Token B outlived the handshake (a process died mid-way), are removed, so the
 * peer list shows only live connections and pending handshakes; and the outbox's hour
 * partitions are kept up (delivery/history.ts): the coming hours are created, hours older than
 * OUTBOX_HISTORY_HOURS are dropped whole once their unfinished rows moved on (dead and resync
 * rows stay until an admin acts on them); charging profile conflicts older than 30 days are
 * removed from their list.
 */
import { Queue, Worker } from 'bullmq';
import type { AppContext } from '../context.js';
import { OutboxHistory } from '../delivery/history.js';
import { pruneConflicts } from '../platform/delegations/conflicts.js';
import { createRedis } from '../redis.js';

const QUEUE = 'housekeeping';
const EVERY_MS = 15 * 60_000;

/** One run of the outbox's partition upkeep; also run at start, so a fresh worker has its hours before the first timer. */
export function outboxUpkeep(app: AppContext, now = new Date()) {
  return new OutboxHistory(app.db, app.config.DATABASE_SCHEMA).upkeep(now, app.config.OUTBOX_HISTORY_HOURS);
}

export async function startHousekeeping(app: AppContext): Promise<{ close(): Promise<void> }> {
  const queueConn = createRedis(app.config.REDIS_URL, 'bullmq', app.log);
  const workerConn = createRedis(app.config.REDIS_URL, 'bullmq', app.log);
  await outboxUpkeep(app).catch((e) => app.log.warn({ err: (e as Error).message }, 'outbox partition upkeep failed; the next housekeeping run retries'));
  const queue = new Queue(QUEUE, { connection: queueConn, prefix: app.config.REDIS_PREFIX });
  await queue.upsertJobScheduler('expired-invitations', { every: EVERY_MS }, { name: 'expired-invitations', opts: { removeOnComplete: 10, removeOnFail: 50 } });
  const worker = new Worker(
    QUEUE,
    async () => {
      const removed = await app.peerStore.deleteExpiredInvitations(new Date());
      const outbox = await outboxUpkeep(app);
      const conflicts = await pruneConflicts(app);
      if (removed > 0 || conflicts > 0 || outbox.created.length || outbox.dropped.length) app.log.info({ removed, conflicts, ...outbox }, 'housekeeping');
      return { removed, conflicts, ...outbox };
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
