/** ioredis connections. BullMQ needs its own connections with maxRetriesPerRequest: null. */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export function createRedis(url: string, purpose: 'commands' | 'bullmq', log?: Logger): Redis {
  const redis = new Redis(url, {
    lazyConnect: purpose === 'commands',
    maxRetriesPerRequest: purpose === 'bullmq' ? null : 2,
    enableReadyCheck: true,
    connectionName: `ocpi-${purpose}`,
  });
  if (log) {
    // ioredis reconnects by itself; without a listener every failed attempt prints a stack trace.
    let failing = false;
    redis.on('error', (e: Error) => {
      if (!failing) log.warn({ err: e.message, purpose }, 'Redis connection error; reconnecting');
      failing = true;
    });
    redis.on('ready', () => (failing = false));
  }
  return redis;
}
