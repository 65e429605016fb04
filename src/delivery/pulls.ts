/**
 * Scheduled pulls: for every registered peer and every registered pull handler that applies to
 * it, a GET of the module's list, incremental (`date_from` = start of the last successful pull)
 * after the first full one. State lives in PostgreSQL (pull_state), so a lost Redis only delays
 * a pull. Role modules register their handlers; the engine does not know what a location is.
 */
import type { AppContext } from '../context.js';
import type { PeerRecord } from '../platform/peers/peer-store.js';
import { type QueueHandle, pullJobId } from './queues.js';

export interface PullContext {
  app: AppContext;
  peer: PeerRecord;
  /** The peer's token for us, decrypted. */
  token: string;
  /** Objects changed since then; null = a full pull. */
  since: Date | null;
}

export interface PullHandler {
  module: string;
  /** Whether this peer should be pulled (e.g. it advertises the module's SENDER and we host an EMSP). */
  appliesTo(peer: PeerRecord, app: AppContext): Promise<boolean> | boolean;
  /** Pulls and stores; returns the number of objects read. */
  pull(ctx: PullContext): Promise<number>;
}

export class PullRegistry {
  private readonly handlers = new Map<string, PullHandler>();

  register(handler: PullHandler): void {
    this.handlers.set(handler.module, handler);
  }

  get(module: string): PullHandler | undefined {
    return this.handlers.get(module);
  }

  all(): PullHandler[] {
    return [...this.handlers.values()];
  }
}

const FAILED_PULL_RETRY_MS = 5 * 60_000;

export class PullScheduler {
  private lastTick = 0;

  constructor(
    private readonly app: AppContext,
    private readonly queue: QueueHandle,
  ) {}

  /** Called from the dispatcher sweep; looks for due pulls at most once a second. */
  async tick(force = false): Promise<void> {
    if (!force && Date.now() - this.lastTick < Math.max(1000, this.app.config.DISPATCH_INTERVAL_MS)) return;
    this.lastTick = Date.now();
    const handlers = this.app.pulls.all();
    if (handlers.length === 0) return;
    const peers = (await this.app.peerStore.list()).filter((p) => p.status === 'REGISTERED');
    const wanted: Array<{ peerId: string; module: string }> = [];
    for (const peer of peers) for (const h of handlers) if (await h.appliesTo(peer, this.app)) wanted.push({ peerId: peer.id, module: h.module });
    if (wanted.length) await this.app.db.pullState.createMany({ data: wanted, skipDuplicates: true });
    const due = await this.app.db.pullState.findMany({ where: { nextPullAt: { lte: new Date() }, peer: { status: 'REGISTERED' } }, take: 500 });
    for (const state of due) {
      if (!wanted.some((w) => w.peerId === state.peerId && w.module === state.module)) continue;
      await this.app.db.pullState.update({ where: { peerId_module: { peerId: state.peerId, module: state.module } }, data: { nextPullAt: this.nextRegularPull() } });
      await this.queue.queue.add(
        'pull',
        { peerId: state.peerId, module: state.module },
        { jobId: pullJobId(state.peerId, state.module), removeOnComplete: true, removeOnFail: true },
      );
    }
  }

  /** The next regular pull: every PULL_INTERVAL_MINUTES plus random splay, as the spec advises. */
  private nextRegularPull(): Date {
    const { PULL_INTERVAL_MINUTES, PULL_JITTER_MINUTES } = this.app.config;
    return new Date(Date.now() + (PULL_INTERVAL_MINUTES + Math.random() * PULL_JITTER_MINUTES) * 60_000);
  }

  async run(peerId: string, module: string): Promise<number> {
    const handler = this.app.pulls.get(module);
    const peer = await this.app.peerStore.get(peerId);
    if (!handler || !peer || peer.status !== 'REGISTERED' || !peer.peerTokenEnc) return 0;
    const key = { peerId_module: { peerId, module } };
    const state = await this.app.db.pullState.findUnique({ where: key });
    const startedAt = new Date();
    await this.app.db.pullState.update({ where: key, data: { lastStartedAt: startedAt } });
    try {
      const count = await handler.pull({ app: this.app, peer, token: this.app.secrets.decrypt(peer.peerTokenEnc), since: state?.lastSuccessAt ?? null });
      // The next incremental pull starts where this one started: nothing changed during it is missed.
      await this.app.db.pullState.update({ where: key, data: { lastSuccessAt: startedAt, lastCount: count, lastError: null } });
      this.app.log.info({ peer_id: peerId, module, count, full: !state?.lastSuccessAt }, 'pull finished');
      return count;
    } catch (e) {
      const message = (e as Error).message.slice(0, 1000);
      await this.app.db.pullState.update({ where: key, data: { lastError: message, nextPullAt: new Date(Date.now() + FAILED_PULL_RETRY_MS) } });
      this.app.log.warn({ peer_id: peerId, module, err: message }, 'pull failed');
      throw e;
    }
  }
}

/** Forgets what was pulled, so the next pull of these modules is a full one, and makes it due now. */
export async function requestFullPull(app: AppContext, peerId: string, modules?: string[]): Promise<number> {
  const { count } = await app.db.pullState.updateMany({
    where: { peerId, ...(modules?.length ? { module: { in: modules } } : {}) },
    data: { lastSuccessAt: null, nextPullAt: new Date() },
  });
  return count;
}

declare module '../context.js' {
  interface AppContext {
    pulls: PullRegistry;
  }
}
