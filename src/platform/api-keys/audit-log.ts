/**
 * The audit log of admin calls that change something. Entries are written after the answer was
 * sent, never in the request's way: each goes into a queue that one writer drains, one INSERT
 * per batch (a busy party backend makes many calls; while one batch is written, the next one
 * gathers). A failed write is logged (how many entries, never their content) and dropped;
 * `flush()` waits for the queue to be empty (shutdown).
 */
import type { AppContext } from '../../context.js';
import { hotQuery } from '../../db/hot-statements.js';
import type { Prisma } from '../../db/prisma.js';

export interface AuditRecord {
  at: Date;
  keyId: string | null;
  keyName: string;
  keyScope: string;
  method: string;
  route: string | null;
  path: string;
  /** Path parameters by name (the concrete target). */
  target: Record<string, string>;
  /** Upper-cased country code and party id the path names, if any. */
  partyKey: string | null;
  status: number;
  errorCode: string | null;
  requestId: string | null;
}

export interface AuditFilter {
  keyName?: string;
  keyId?: string;
  method?: string;
  route?: string;
  partyKey?: string;
  /** Any path parameter's value, case-insensitively. */
  target?: string;
  /** `ok`: answered below 400; `refused`: 401 or 403; `failed`: any other error. */
  outcome?: 'ok' | 'refused' | 'failed';
  status?: number;
  from?: Date;
  to?: Date;
  offset: number;
  limit: number;
}

export interface AuditEntry extends AuditRecord {
  id: bigint;
}

/** Entries waiting at most; past it (the database is away) new ones are dropped and counted. */
const MAX_QUEUED = 10_000;
const BATCH = 500;

export class AuditLog {
  private queue: AuditRecord[] = [];
  private writing: Promise<void> | null = null;
  private readonly insertSql: string;

  constructor(private readonly app: AppContext) {
    this.insertSql = insertStatement(app.config.DATABASE_SCHEMA);
  }

  record(entry: AuditRecord): void {
    if (this.queue.length >= MAX_QUEUED) {
      this.app.log.error({ method: entry.method, route: entry.route, status: entry.status }, 'admin audit queue full: entry dropped');
      return;
    }
    this.queue.push(entry);
    this.writing ??= this.drain();
  }

  /** Resolves once every entry recorded so far was written (or failed and was logged). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async list(filter: AuditFilter): Promise<{ total: number; items: AuditEntry[] }> {
    const where = whereOf(filter);
    const [total, rows] = await Promise.all([
      this.app.db.adminAuditEntry.count({ where }),
      this.app.db.adminAuditEntry.findMany({ where, orderBy: [{ at: 'desc' }, { id: 'desc' }], skip: filter.offset, take: filter.limit }),
    ]);
    return {
      total,
      items: rows.map((r) => ({
        id: r.id,
        at: r.at,
        keyId: r.keyId,
        keyName: r.keyName,
        keyScope: r.keyScope,
        method: r.method,
        route: r.route,
        path: r.path,
        target: r.target as Record<string, string>,
        partyKey: r.partyKey,
        status: r.status,
        errorCode: r.errorCode,
        requestId: r.requestId,
      })),
    };
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, BATCH);
        try {
          await this.insert(batch.map(row));
        } catch (e) {
          // The error's message may quote the rows: only its kind is logged.
          const err = e as { code?: string; name?: string };
          this.app.log.error({ entries: batch.length, error: err.code ?? err.name ?? 'unknown' }, 'could not write admin audit entries');
        }
      }
    } finally {
      this.writing = null;
    }
  }

  /**
   * One statement per batch whatever its size, prepared once per connection: a party backend's
   * every change adds an entry, and Prisma's createMany costs several times the INSERT in CPU.
   */
  private async insert(rows: AuditRecord[]): Promise<void> {
    const column = <K extends keyof AuditRecord>(k: K) => rows.map((r) => r[k]);
    await hotQuery(this.app.db, this.insertSql, [
      column('at'),
      column('keyId'),
      column('keyName'),
      column('keyScope'),
      column('method'),
      column('route'),
      column('path'),
      rows.map((r) => JSON.stringify(r.target)),
      column('partyKey'),
      column('status'),
      column('errorCode'),
      column('requestId'),
    ]);
  }
}

/** One statement per schema (its text names the table), whatever the batch size. */
function insertStatement(schema: string): string {
  const table = `"${schema.replace(/"/g, '""')}"."admin_audit_entry"`;
  return `INSERT INTO ${table} (at, key_id, key_name, key_scope, method, route, path, target, target_values, party_key, status, error_code, request_id)
    SELECT t.at, t.key_id, t.key_name, t.key_scope, t.method, t.route, t.path, t.target,
           ARRAY(SELECT upper(e.value) FROM jsonb_each_text(t.target) e), t.party_key, t.status, t.error_code, t.request_id
      FROM unnest($1::timestamptz[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::text[], $10::int[], $11::text[], $12::text[])
        AS t(at, key_id, key_name, key_scope, method, route, path, target, party_key, status, error_code, request_id)`;
}

/** The record as stored: every text within its column's size. */
function row(e: AuditRecord): AuditRecord {
  return {
    at: e.at,
    keyId: e.keyId,
    keyName: e.keyName.slice(0, 64),
    keyScope: e.keyScope.slice(0, 16),
    method: e.method.slice(0, 10),
    route: e.route?.slice(0, 200) ?? null,
    path: e.path.slice(0, 500),
    target: Object.fromEntries(Object.entries(e.target).map(([k, v]) => [k.slice(0, 64), v.slice(0, 100)])),
    partyKey: e.partyKey?.slice(0, 5) ?? null,
    status: e.status,
    errorCode: e.errorCode?.slice(0, 64) ?? null,
    requestId: e.requestId?.slice(0, 255) ?? null,
  };
}

function whereOf(f: AuditFilter): Prisma.AdminAuditEntryWhereInput {
  const and: Prisma.AdminAuditEntryWhereInput[] = [];
  if (f.outcome === 'ok') and.push({ status: { lt: 400 } });
  if (f.outcome === 'refused') and.push({ status: { in: [401, 403] } });
  if (f.outcome === 'failed') and.push({ status: { gte: 400, notIn: [401, 403] } });
  return {
    ...(f.keyName !== undefined ? { keyName: { equals: f.keyName, mode: 'insensitive' as const } } : {}),
    ...(f.keyId !== undefined ? { keyId: f.keyId } : {}),
    ...(f.method !== undefined ? { method: f.method } : {}),
    ...(f.route !== undefined ? { route: f.route } : {}),
    ...(f.partyKey !== undefined ? { partyKey: f.partyKey } : {}),
    ...(f.target !== undefined ? { targetValues: { has: f.target.toUpperCase() } } : {}),
    ...(f.status !== undefined ? { status: f.status } : {}),
    ...(f.from || f.to ? { at: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lt: f.to } : {}) } } : {}),
    ...(and.length ? { AND: and } : {}),
  };
}

declare module '../../context.js' {
  interface Services {
    adminAudit: AuditLog;
  }
}
