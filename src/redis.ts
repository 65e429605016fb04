/** ioredis connections. BullMQ needs its own connections with maxRetriesPerRequest: null. */
import { Redis } from 'ioredis';

export function createRedis(url: string, purpose: 'commands' | 'bullmq'): Redis {
  return new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: purpose === 'bullmq' ? null : 2,
    enableReadyCheck: true,
    connectionName: `ocpi-${purpose}`,
  });
}
