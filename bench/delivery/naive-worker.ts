// Baseline for bench/delivery: the naive design, one BullMQ job per update doing one axios POST,
// no outbox, no ordering, no coalescing. Run as its own process, like our worker.
import http from 'node:http';
import axios from 'axios';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

async function main() {
  const [sinkUrl, countArg, prefix] = process.argv.slice(2);
  const count = Number(countArg);
  const connection = () => new Redis(process.env.REDIS_URL ?? process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const queue = new Queue('naive', { connection: connection(), prefix });
  const client = axios.create({ httpAgent: new http.Agent({ keepAlive: true }) });
  let done = 0;
  const finished = new Promise<void>((resolve) => {
    const worker = new Worker(
      'naive',
      async (job) => {
        await client.post(`${sinkUrl}/naive/${job.data.n % 1000}`, job.data);
      },
      { connection: connection(), prefix, concurrency: 50, removeOnComplete: { count: 0 } },
    );
    worker.on('completed', () => {
      if (++done === count) resolve();
    });
  });
  const started = Date.now();
  for (let i = 0; i < count; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, count - i) }, (_, k) => ({ name: 'push', data: { n: i + k, version: 1, last_updated: new Date().toISOString() } })));
  }
  await finished;
  process.stdout.write(JSON.stringify({ ms: Date.now() - started }) + '\n');
  process.exit(0);
}
void main();
