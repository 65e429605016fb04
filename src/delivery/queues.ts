/** Names and connections of the BullMQ queues. Every queue and worker gets its own connection. */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AppContext } from '../context.js';
import { createRedis } from '../redis.js';

export const QUEUES = { delivery: 'delivery', pulls: 'pulls', housekeeping: 'housekeeping' } as const;

/** One delivery job per lane (a peer id, or `party:<id>` for a party backend); BullMQ ids may not hold ':'. */
export function deliveryJobId(lane: string): string {
  return `peer-${lane.replace(':', '-')}`;
}

export function pullJobId(peerId: string, module: string): string {
  return `pull-${peerId}-${module}`;
}

export interface QueueHandle {
  queue: Queue;
  connection: Redis;
  close(): Promise<void>;
}

export function openQueue(app: AppContext, name: string): QueueHandle {
  const connection = createRedis(app.config.REDIS_URL, 'bullmq', app.log);
  const queue = new Queue(name, { connection, prefix: app.config.REDIS_PREFIX });
  queue.on('error', (e) => app.log.warn({ err: e.message, queue: name }, 'queue error'));
  return {
    queue,
    connection,
    async close() {
      await queue.close().catch(() => undefined);
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
