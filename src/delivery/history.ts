/**
 * The outbox's hour partitions (outbox_message and outbox_change, PARTITION BY RANGE (bucket)).
 * Delivered history is kept OUTBOX_HISTORY_HOURS and then goes as whole tables: an hour past the
 * retention is dropped after its unfinished rows (PENDING, DEAD, RESYNC) and the bodies those
 * and the waiting fan-outs still need are moved to the current hour. No DELETE of history, so
 * no dead tuples and no vacuum debt however many deliveries an hour held.
 *
 * Rows of an hour without its partition (no worker ran to create it) land in the DEFAULT
 * partition; creating that hour later moves them into it first, and the default's own old rows
 * are the only ones ever deleted (a rare, small set).
 */
import type { Db } from '../db/prisma.js';

const TABLES = ['outbox_message', 'outbox_change'] as const;
const HOUR_MS = 3_600_000;
/**
 * How long upkeep waits for a table lock before trying again at its next run. Dropping a
 * partition locks the whole table for a moment: while it waits, outbox writes queue behind it.
 */
const LOCK_TIMEOUT_MS = 2000;

/** The statuses of rows that are not finished: waiting, or needing an operator. */
export const UNFINISHED_STATUSES = ['PENDING', 'DEAD', 'RESYNC'] as const;
/**
 * The same as SQL, as the two sets the indexes hold: pending rows in the pending indexes, DEAD
 * and RESYNC in the open index. Spelled as an OR of literals so that the planner combines the
 * two; an IN list of all three (or parameters) matches neither partial index and reads the
 * whole history.
 */
const UNFINISHED = `(status = 'PENDING' OR status IN ('DEAD', 'RESYNC'))`;

export function hourOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}

/** `outbox_message_p2026120714`: the table and the UTC hour it holds. */
export function partitionName(table: (typeof TABLES)[number], hour: Date): string {
  return `${table}_p${hour.toISOString().slice(0, 13).replace(/[-T]/g, '')}`;
}

function hourOfName(name: string): Date | null {
  const m = /_p(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(name);
  return m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]))) : null;
}

export interface UpkeepResult {
  created: string[];
  dropped: string[];
  /** Unfinished messages moved out of dropped hours. */
  kept: number;
}

export class OutboxHistory {
  private readonly q: string;

  constructor(
    private readonly db: Db,
    private readonly schema: string,
  ) {
    this.q = `"${schema.replace(/"/g, '""')}"`;
  }

  private t(name: string): string {
    return `${this.q}."${name.replace(/"/g, '""')}"`;
  }

  /** How many rows wait (PENDING) or need an operator (DEAD, RESYNC), over every hour. */
  async countUnfinished(): Promise<Record<(typeof UNFINISHED_STATUSES)[number], number>> {
    const rows = await this.db.$queryRawUnsafe<Array<{ status: string; n: number }>>(
      `SELECT status, count(*)::int AS n FROM ${this.t('outbox_message')} WHERE ${UNFINISHED} GROUP BY status`,
    );
    const counts = { PENDING: 0, DEAD: 0, RESYNC: 0 } satisfies Record<(typeof UNFINISHED_STATUSES)[number], number>;
    for (const r of rows) if (r.status in counts) counts[r.status as keyof typeof counts] = r.n;
    return counts;
  }

  /** The hour partitions of a table, oldest first. */
  async partitions(table: (typeof TABLES)[number]): Promise<Array<{ name: string; hour: Date }>> {
    const rows = await this.db.$queryRawUnsafe<Array<{ name: string }>>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
         JOIN pg_namespace n ON n.oid = p.relnamespace WHERE n.nspname = $1 AND p.relname = $2`,
      this.schema,
      table,
    );
    return rows
      .map((r) => ({ name: r.name, hour: hourOfName(r.name) }))
      .filter((r): r is { name: string; hour: Date } => r.hour !== null)
      .sort((a, b) => a.hour.getTime() - b.hour.getTime());
  }

  /** Creates the partitions of the current hour and the next `hoursAhead` hours that do not exist yet. */
  async ensure(now: Date, hoursAhead: number): Promise<string[]> {
    const created: string[] = [];
    for (const table of TABLES) {
      const existing = new Set((await this.partitions(table)).map((p) => p.name));
      for (let i = 0; i <= hoursAhead; i++) {
        const from = new Date(hourOf(now).getTime() + i * HOUR_MS);
        const name = partitionName(table, from);
        if (existing.has(name)) continue;
        await this.create(table, name, from, new Date(from.getTime() + HOUR_MS));
        created.push(name);
      }
    }
    return created;
  }

  /**
   * A new hour partition. Rows of that hour already in the DEFAULT partition (written while no
   * one had created it) move into the new table before it is attached, as PostgreSQL requires.
   */
  private async create(table: string, name: string, from: Date, to: Date): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await this.serialize(tx);
      const [exists] = await tx.$queryRawUnsafe<Array<{ t: string | null }>>('SELECT to_regclass($1)::text AS t', this.t(name));
      if (exists?.t) return;
      await tx.$executeRawUnsafe(`CREATE TABLE ${this.t(name)} (LIKE ${this.t(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
      await tx.$executeRawUnsafe(
        `WITH moved AS (DELETE FROM ${this.t(`${table}_default`)} WHERE bucket >= $1 AND bucket < $2 RETURNING *) INSERT INTO ${this.t(name)} SELECT * FROM moved`,
        from,
        to,
      );
      await tx.$executeRawUnsafe(`ALTER TABLE ${this.t(table)} ATTACH PARTITION ${this.t(name)} FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`);
    });
  }

  /**
   * Drops every hour that ended more than `keepHours` ago, oldest first, each in one
   * transaction: lock its two tables, move its unfinished messages and every body still needed
   * to the current hour, drop. Then the same for rows that old in the DEFAULT partitions.
   */
  async dropBefore(now: Date, keepHours: number): Promise<{ dropped: string[]; kept: number }> {
    const cutoff = new Date(hourOf(now).getTime() - keepHours * HOUR_MS);
    const hours = new Map<number, Date>();
    for (const table of TABLES) for (const p of await this.partitions(table)) if (p.hour.getTime() + HOUR_MS <= cutoff.getTime()) hours.set(p.hour.getTime(), p.hour);
    const dropped: string[] = [];
    let kept = 0;
    for (const hour of [...hours.values()].sort((a, b) => a.getTime() - b.getTime())) {
      kept += await this.db.$transaction(async (tx) => {
        await this.serialize(tx);
        const names = TABLES.map((table) => partitionName(table, hour));
        const present = await tx.$queryRawUnsafe<Array<{ name: string }>>(
          `SELECT relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND relname = ANY($2::text[])`,
          this.schema,
          names,
        );
        const here = new Set(present.map((p) => p.name));
        for (const name of names) if (here.has(name)) await tx.$executeRawUnsafe(`LOCK TABLE ${this.t(name)} IN ACCESS EXCLUSIVE MODE`);
        const moved = await this.keepUnfinished(tx, hour, new Date(hour.getTime() + HOUR_MS));
        for (const name of names) if (here.has(name)) await tx.$executeRawUnsafe(`DROP TABLE ${this.t(name)}`);
        dropped.push(...names.filter((n) => here.has(n)));
        return moved;
      });
    }
    kept += await this.db.$transaction(async (tx) => {
      await this.serialize(tx);
      const moved = await this.keepUnfinished(tx, new Date(0), cutoff);
      await tx.$executeRawUnsafe(`DELETE FROM ${this.t('outbox_message_default')} WHERE bucket < $1`, cutoff);
      await tx.$executeRawUnsafe(`DELETE FROM ${this.t('outbox_change_default')} WHERE bucket < $1`, cutoff);
      return moved;
    });
    return { dropped, kept };
  }

  /** Every worker process runs upkeep: one at a time per schema, and none waits long for a table lock. */
  private async serialize(tx: Pick<Db, '$executeRawUnsafe'>): Promise<void> {
    await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtext($1))`, `${this.schema}:outbox-upkeep`);
  }

  /**
   * Moves what must outlive the range [from, to) to the current hour (an UPDATE of the
   * partition key moves the row): its unfinished messages, and the bodies any unfinished
   * message or waiting fan-out still points at.
   */
  private async keepUnfinished(tx: Pick<Db, '$executeRawUnsafe'>, from: Date, to: Date): Promise<number> {
    const moved = await tx.$executeRawUnsafe(`UPDATE ${this.t('outbox_message')} SET bucket = now() WHERE bucket >= $1 AND bucket < $2 AND ${UNFINISHED}`, from, to);
    await tx.$executeRawUnsafe(
      `UPDATE ${this.t('outbox_change')} SET bucket = now() WHERE bucket >= $1 AND bucket < $2
          AND (id IN (SELECT change_id FROM ${this.t('outbox_message')} WHERE ${UNFINISHED} AND change_id IS NOT NULL)
               OR id IN (SELECT change_id FROM ${this.t('outbox_fanout')}))`,
      from,
      to,
    );
    return moved;
  }

  /** One run of upkeep: the coming hours exist, the hours past retention are gone. */
  async upkeep(now: Date, keepHours: number, hoursAhead = 3): Promise<UpkeepResult> {
    const created = await this.ensure(now, hoursAhead);
    const { dropped, kept } = await this.dropBefore(now, keepHours);
    return { created, dropped, kept };
  }
}
