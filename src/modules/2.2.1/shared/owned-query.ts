/**
 * SQL shared by the CPO backend's lists of its own objects (locations, tariffs, sessions, CDRs
 * as JSONB documents, alias `d`): the filters every list has, and the page read keys-first. The
 * stores build their lists from these; nothing here knows HTTP.
 */
import type { Db } from '../../../db/prisma.js';
import type { ReceivedPage, SqlParams } from './received-query.js';

/** A range over a DateTime field of the document: `from` inclusive, `to` exclusive (like OCPI's date_to). */
export interface DocumentTimeRange {
  field: string;
  from?: Date;
  to?: Date;
}

/** What every list of a CPO party's own documents filters and pages by. */
export interface OwnedListFilter {
  /** The owning CPO party (upper-cased key). */
  partyKey: string;
  updatedSince?: Date;
  updatedBefore?: Date;
  offset: number;
  limit: number;
}

export type OwnedPage<T> = ReceivedPage<T>;

/** The owner and last_updated conditions every list shares. */
export function ownedConditions(p: SqlParams, filter: OwnedListFilter): string[] {
  const where = [`d.party_key = ${p.add(filter.partyKey)}`];
  if (filter.updatedSince) where.push(`d.last_updated >= ${p.add(filter.updatedSince)}::timestamptz`);
  if (filter.updatedBefore) where.push(`d.last_updated < ${p.add(filter.updatedBefore)}::timestamptz`);
  return where;
}

/**
 * Conditions on DateTime fields of the document. Stored DateTimes are normalised to
 * `toISOString()` form (fixed width, UTC), so text order is time order and no cast can fail.
 */
export function timeRangeConditions(p: SqlParams, ranges: DocumentTimeRange[]): string[] {
  const where: string[] = [];
  for (const r of ranges) {
    if (r.from) where.push(`d.document->>${p.add(r.field)}::text >= ${p.add(r.from.toISOString())}`);
    if (r.to) where.push(`d.document->>${p.add(r.field)}::text < ${p.add(r.to.toISOString())}`);
  }
  return where;
}

/**
 * One page of documents in stable order (last_updated, then `idColumn`) and the total of the
 * filtered set. The page's keys are chosen first and only their documents are then read, so an
 * unfiltered page costs the index walk, not the documents skipped by the offset.
 */
export async function ownedPage<T>(db: Db, table: string, idColumn: string, where: string[], p: SqlParams, page: { offset: number; limit: number }): Promise<OwnedPage<T>> {
  const from = `${table} d WHERE ${where.join(' AND ')}`;
  const filterValues = [...p.values];
  const keys = `SELECT d.party_key, d.${idColumn}, d.last_updated FROM ${from} ORDER BY d.last_updated, d.${idColumn} OFFSET ${p.add(page.offset)} LIMIT ${p.add(page.limit)}`;
  const [counted, rows] = await Promise.all([
    db.$queryRawUnsafe<Array<{ total: number }>>(`SELECT count(*)::int AS total FROM ${from}`, ...filterValues),
    db.$queryRawUnsafe<Array<{ document: T }>>(
      `WITH keys AS (${keys}) SELECT d.document FROM keys k JOIN ${table} d USING (party_key, ${idColumn}) ORDER BY k.last_updated, k.${idColumn}`,
      ...p.values,
    ),
  ]);
  return { total: counted[0]?.total ?? 0, items: rows.map((r) => r.document) };
}
