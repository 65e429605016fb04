/**
 * Several API processes may hold charge point sockets. Each process has an id and a lease in
 * Redis (refreshed while it runs, gone within LEASE_MS of a crash); the charge point's row names
 * the process holding its socket (`holder`). A command for a charge point held elsewhere is
 * published on that process's channel and runs there; what concerns every process (a charge
 * point removed, or reconnected to another process) goes on the broadcast channel.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { Redis } from 'ioredis';
import type { AppContext } from '../../context.js';
import type { ForwardedCommand } from '../adapter.js';

/** A process whose lease is older than this is dead: its charge points are no longer connected. */
export const LEASE_MS = 15_000;

export type ClusterMessage =
  | { type: 'command'; cmd: Omit<ForwardedCommand, 'deadlineAt'> & { deadlineAt: string } }
  /** Close this charge point's socket if held: removed, or connected again through `holder`. */
  | { type: 'drop'; partyKey: string; idKey: string; holder?: string; reason: string }
  /** A reservation that moved to another charge point: cancel it on this one (held here). */
  | { type: 'cancel-reservation'; partyKey: string; idKey: string; reservationId: number };

export class OcppCluster {
  readonly processId = `${os.hostname().slice(0, 30)}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  private readonly prefix: string;
  private subscriber: Redis | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly app: AppContext,
    private readonly onMessage: (message: ClusterMessage) => void,
    /** Called when our lease had lapsed (Redis unreachable a while): others may have written our charge points off. */
    private readonly onLeaseRenewed: () => Promise<void>,
  ) {
    this.prefix = `${app.config.REDIS_PREFIX}:ocpp`;
  }

  private leaseKey = (processId: string) => `${this.prefix}:process:${processId}`;
  private channel = (processId: string) => `${this.prefix}:process:${processId}:inbox`;
  private get broadcast() {
    return `${this.prefix}:broadcast`;
  }

  async start(): Promise<void> {
    const sub = this.app.redis.duplicate({ lazyConnect: true, connectionName: 'ocpi-ocpp-cluster' });
    // ioredis reconnects (and resubscribes) by itself; a warning per failure is enough.
    sub.on('error', (e: Error) => this.app.log.warn({ err: e.message }, 'OCPP cluster subscriber: Redis error'));
    sub.on('message', (_channel: string, text: string) => {
      try {
        this.onMessage(JSON.parse(text) as ClusterMessage);
      } catch (e) {
        this.app.log.warn({ err: (e as Error).message }, 'OCPP cluster message not understood');
      }
    });
    await sub.connect();
    await sub.subscribe(this.channel(this.processId), this.broadcast);
    this.subscriber = sub;
    await this.app.redis.set(this.leaseKey(this.processId), '1', 'PX', LEASE_MS);
    this.timer = setInterval(() => void this.renew(), LEASE_MS / 3);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    try {
      const kept = await this.app.redis.pexpire(this.leaseKey(this.processId), LEASE_MS);
      if (kept) return;
      await this.app.redis.set(this.leaseKey(this.processId), '1', 'PX', LEASE_MS);
      await this.onLeaseRenewed();
    } catch (e) {
      this.app.log.warn({ err: (e as Error).message }, 'OCPP process lease not renewed');
    }
  }

  /** Whether a holder process is alive; null when Redis cannot tell. */
  async isAlive(processId: string): Promise<boolean | null> {
    if (processId === this.processId) return true;
    try {
      return (await this.app.redis.exists(this.leaseKey(processId))) === 1;
    } catch {
      return null;
    }
  }

  /** Sends to one process; false when nobody listens there (the process is gone). */
  async send(processId: string, message: ClusterMessage): Promise<boolean> {
    try {
      return (await this.app.redis.publish(this.channel(processId), JSON.stringify(message))) > 0;
    } catch (e) {
      this.app.log.warn({ err: (e as Error).message }, 'OCPP cluster message not sent');
      return false;
    }
  }

  async toAll(message: ClusterMessage): Promise<void> {
    await this.app.redis.publish(this.broadcast, JSON.stringify(message)).catch((e: Error) => this.app.log.warn({ err: e.message }, 'OCPP cluster broadcast not sent'));
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
    this.subscriber = null;
    await this.app.redis.del(this.leaseKey(this.processId)).catch(() => undefined);
  }
}

export const commandMessage = (cmd: ForwardedCommand): ClusterMessage => ({ type: 'command', cmd: { ...cmd, deadlineAt: cmd.deadlineAt.toISOString() } });

export const commandOf = (m: Extract<ClusterMessage, { type: 'command' }>): ForwardedCommand => ({ ...m.cmd, deadlineAt: new Date(m.cmd.deadlineAt) });
