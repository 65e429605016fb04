/**
 * The data-quality report of each peer: every repair and refusal of the receive profile, counted
 * per module, field path and rule, with the last object it happened to (docs/interop.md). An
 * operator reads it at `GET /admin/peers/{id}/data-quality` or in Prometheus and can tell a
 * partner exactly what to fix. Values are never recorded, and token uids are withheld (they
 * identify a driver's card).
 */
import type { Logger } from 'pino';
import type { Db } from '../../db/prisma.js';
import type { Metrics } from '../../observability/metrics.js';
import type { Refusal, Repair } from '../../ocpi/receive-profile.js';
import { DataQualityStore, type QualityCount, type QualityIncrement, type QualityOutcome } from './data-quality-store.js';

export interface Notice {
  path: string;
  rule: string;
  detail: string;
}

export interface QualityFindings {
  repairs?: readonly Repair[];
  refusals?: readonly Refusal[];
  /** Unusual for our own engines, stored as sent. */
  notices?: readonly Notice[];
}

/** Modules whose object ids identify a person's credential. */
const WITHHELD_IDS = new Set(['tokens']);

export class DataQuality {
  readonly store: DataQualityStore;

  constructor(
    db: Db,
    schema: string,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.store = new DataQualityStore(db, schema);
  }

  /** Counts what happened to one received object. Never throws: the report must not cost a peer its request. */
  async record(peerId: string, module: string, objectId: string | undefined, findings: QualityFindings): Promise<void> {
    const increments = aggregate([
      ...(findings.repairs ?? []).map((r) => ({ path: r.path, rule: r.rule, outcome: 'REPAIRED' as const, detail: r.detail })),
      ...(findings.refusals ?? []).map((r) => ({ path: r.path, rule: r.rule, outcome: 'REFUSED' as const, detail: r.message })),
      ...(findings.notices ?? []).map((n) => ({ path: n.path, rule: n.rule, outcome: 'NOTICED' as const, detail: n.detail })),
    ]);
    if (increments.length === 0) return;
    for (const i of increments) this.metrics.dataQuality.inc({ peer: peerId, module, path: i.path, rule: i.rule, outcome: i.outcome }, i.count);
    const shownId = objectId === undefined || WITHHELD_IDS.has(module) ? null : objectId.slice(0, 64);
    try {
      await this.store.add(peerId, module, shownId, increments);
    } catch (e) {
      this.log.warn({ peer_id: peerId, module, err: (e as Error).message }, 'could not record data quality');
    }
  }

  async report(peerId: string): Promise<QualityCount[]> {
    return this.store.list(peerId);
  }
}

function aggregate(items: Array<{ path: string; rule: string; outcome: QualityOutcome; detail: string }>): QualityIncrement[] {
  const byKey = new Map<string, QualityIncrement>();
  for (const item of items) {
    const key = `${item.path}\u0000${item.rule}\u0000${item.outcome}`;
    const seen = byKey.get(key);
    if (seen) {
      seen.count++;
      seen.detail = item.detail;
    } else byKey.set(key, { ...item, count: 1 });
  }
  return [...byKey.values()];
}

declare module '../../context.js' {
  interface AppContext {
    /** Repairs and refusals of the receive profile, per peer (docs/interop.md). */
    dataQuality: DataQuality;
  }
}
