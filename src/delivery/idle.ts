/**
 * When the worker of this process has nothing left to do: a check that "nothing was sent" (or
 * "no push followed") means something only once everything that could send has run. Tests wait
 * on it instead of sleeping.
 *
 * Idle is: a dispatcher sweep started after the call has finished (so expired timeouts and due
 * pulls were looked at), and no outbox row is due that a delivery run would send now
 * (rows stay PENDING and due while they are being sent, and leave that state only once their
 * answer is recorded: delivered, retried later, superseded or given up).
 */
import type { AppContext } from '../context.js';

export interface IdleOptions {
  /** Give up (with what is still due) after this long. */
  timeoutMs?: number;
}

export class WorkerIdle {
  private sweep: (() => Promise<void>) | null = null;

  constructor(private readonly app: AppContext) {}

  /** Called by the delivery engine of this process with its dispatcher's sweep. */
  attach(sweep: () => Promise<void>): void {
    this.sweep = sweep;
  }

  async whenIdle(options: IdleOptions = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    if (!this.sweep) throw new Error('no delivery worker runs in this process (ROLE api): nothing to wait for');
    for (;;) {
      await this.sweep();
      const due = await this.dueRows();
      if (due.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`worker not idle after ${timeoutMs} ms; due: ${due.map((r) => `${r.objectKey} (outbox ${r.id})`).join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Rows a run would send now: PENDING, due, of a registered peer (a suspended one waits by
   * design) or a party backend, and not held back behind an earlier message of the same object
   * that waits for its retry; and fan-outs not yet expanded into such rows.
   */
  private dueRows(): Promise<Array<{ id: string; objectKey: string }>> {
    const q = `"${this.app.config.DATABASE_SCHEMA.replace(/"/g, '""')}"`;
    return this.app.db.$queryRawUnsafe(
      `(SELECT 'fanout ' || f.change_id::text AS id, f.module AS "objectKey" FROM ${q}."outbox_fanout" f LIMIT 5)
       UNION ALL
       (SELECT o.id::text AS id, o.object_key AS "objectKey" FROM ${q}."outbox_message" o
        WHERE o.status = 'PENDING' AND o.next_attempt_at <= now()
          AND (o.peer_id IS NULL OR EXISTS (SELECT 1 FROM ${q}."peer" p WHERE p.id = o.peer_id AND p.status = 'REGISTERED'))
          AND NOT EXISTS (SELECT 1 FROM ${q}."outbox_message" b
                           WHERE b.status = 'PENDING' AND b.next_attempt_at > now()
                             AND b.peer_id IS NOT DISTINCT FROM o.peer_id AND b.object_key = o.object_key)
        ORDER BY o.id LIMIT 5)`,
    );
  }
}

/** The idle signal of one platform instance (tests run several in one process). */
declare module '../context.js' {
  interface Services {
    workerIdle: WorkerIdle;
  }
}
