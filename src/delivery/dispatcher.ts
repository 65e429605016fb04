/**
 * Moves outbox work into BullMQ: one job per lane (a peer, or a party backend) with something due. Woken at once by the
 * NOTIFY of each outbox write, and by a periodic sweep that also catches rows whose retry time
 * came, rows whose job was lost (Redis flushed or restarted, process killed) and resumed peers.
 * Adding a job that already exists is a no-op (the job id is the peer), so every dispatcher of
 * every worker process may run at once. Waiting fan-outs (one row for many peers) are expanded
 * here into their per-peer rows first, then their lanes dispatched like any other.
 */
import { Client } from 'pg';
import type { AppContext } from '../context.js';
import type { DeliveryStore } from './delivery-store.js';
import { FANOUT_SIGNAL, SWEEP_SIGNAL } from './outbox.js';
import { type QueueHandle, deliveryJobId } from './queues.js';

/** Fan-outs expanded per statement: 50 changes to 200 peers is 10,000 rows. */
const FANOUT_BATCH = 50;

export class Dispatcher {
  private listener: Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timedSweep: Promise<void> | null = null;
  private pending = new Set<string>();
  /** A NOTIFY announced a fan-out (or asked for a sweep) since the last flush. */
  private expand = false;
  private flushing: Promise<void> | null = null;
  private stopped = false;
  /** Set once the first LISTEN succeeded. */
  private listening = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly app: AppContext,
    private readonly store: DeliveryStore,
    private readonly delivery: QueueHandle,
    private readonly onTick: () => Promise<void> = async () => undefined,
  ) {}

  async start(): Promise<void> {
    await this.listen();
    // One timed sweep at a time: while PostgreSQL or Redis stalls, sweeps must not pile up.
    this.timer = setInterval(() => {
      if (!this.timedSweep) this.timedSweep = this.sweep().finally(() => (this.timedSweep = null));
    }, this.app.config.DISPATCH_INTERVAL_MS);
    await this.sweep();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.retry) clearTimeout(this.retry);
    await this.timedSweep;
    await this.flushing;
    await this.listener?.end().catch(() => undefined);
  }

  /** Dispatch peers with due rows. */
  async sweep(): Promise<void> {
    try {
      this.expand = true;
      await this.flush();
      for (const lane of await this.store.dueLanes(1000)) this.pending.add(lane);
      await this.flush();
      await this.onTick();
    } catch (e) {
      this.app.log.warn({ err: (e as Error).message }, 'dispatcher sweep failed');
    }
  }

  private async listen(): Promise<void> {
    const url = new URL(this.app.config.DATABASE_URL);
    url.searchParams.delete('schema');
    const client = new Client({ connectionString: url.toString() });
    // 'error', 'end' and a failed connect may all report the same loss: one reconnection per client.
    let lost = false;
    const lose = (e?: Error) => {
      if (lost) return;
      lost = true;
      if (e) this.app.log.warn({ err: e.message }, 'outbox listener lost its connection; reconnecting');
      void client.end().catch(() => undefined);
      if (this.listener === client) this.listener = null;
      this.relisten();
    };
    client.on('error', lose);
    client.on('end', () => lose());
    client.on('notification', (msg) => {
      for (const id of (msg.payload ?? '').split(',')) {
        if (id === FANOUT_SIGNAL) this.expand = true;
        else if (id === SWEEP_SIGNAL) void this.sweep();
        else if (id) this.pending.add(id);
      }
      void this.flush();
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.app.outbox.channel.replace(/"/g, '""')}"`);
    } catch (e) {
      lose();
      throw e;
    }
    if (this.stopped) return void (await client.end().catch(() => undefined));
    this.listening = true;
    this.listener = client;
  }

  /**
   * Retries until PostgreSQL is back (the sweep delivers meanwhile, only less promptly). A
   * dispatcher whose first LISTEN failed never started: that is the caller's error to report.
   */
  private relisten(): void {
    if (this.stopped || !this.listening || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (!this.stopped) void this.listen().catch(() => undefined);
    }, 1000);
    this.retry.unref();
  }

  private async addJobs(): Promise<void> {
    if (this.pending.size === 0) return;
    const lanes = [...this.pending];
    this.pending.clear();
    await this.delivery.queue.addBulk(lanes.map((lane) => ({ name: 'deliver', data: { lane }, opts: { jobId: deliveryJobId(lane), removeOnComplete: true, removeOnFail: true } })));
  }

  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    const run = async () => {
      while ((this.pending.size || this.expand) && !this.stopped) {
        if (this.expand) {
          this.expand = false;
          // Dispatch each batch's lanes at once: the first peers start while later changes expand.
          for (let batch = await this.store.expandFanouts(FANOUT_BATCH); ; batch = await this.store.expandFanouts(FANOUT_BATCH)) {
            for (const lane of batch.lanes) this.pending.add(lane);
            if (batch.lanes.length) await this.addJobs();
            if (batch.changes < FANOUT_BATCH || this.stopped) break;
          }
        }
        await this.addJobs();
      }
    };
    // Cleared only once settled (run() may finish synchronously when nothing is pending).
    this.flushing = run()
      .catch((e) => this.app.log.warn({ err: (e as Error).message }, 'could not dispatch deliveries; the sweep will retry'))
      .finally(() => (this.flushing = null));
    return this.flushing;
  }
}
