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

/** Count, energy and cost per currency of a set of CDRs (the same totals the eMSP's received list gives). */
export interface CdrTotals {
  count: number;
  total_energy: string;
  total_cost: Array<{ currency: string; count: number; excl_vat: string; incl_vat: string | null }>;
}

/**
 * The totals of the CDRs `where` selects. Sums are PostgreSQL `numeric` over the JSON numbers as
 * stored and leave the database as decimal strings: money is never added up in floating point.
 */
export async function cdrTotals(db: Db, table: string, where: string[], values: unknown[]): Promise<CdrTotals> {
  const from = `${table} d WHERE ${where.join(' AND ')}`;
  // incl_vat is optional in OCPI: a currency's sum is only given when every CDR carries it.
  const perCurrency = `SELECT d.document->>'currency' AS currency, count(*)::int AS count,
      sum((d.document->'total_cost'->'excl_vat')::numeric)::text AS excl_vat,
      CASE WHEN bool_and(coalesce(jsonb_typeof(d.document->'total_cost'->'incl_vat') = 'number', false))
           THEN sum(CASE WHEN jsonb_typeof(d.document->'total_cost'->'incl_vat') = 'number' THEN (d.document->'total_cost'->'incl_vat')::numeric END)::text END AS incl_vat
    FROM ${from} GROUP BY 1 ORDER BY 1`;
  const [overall, currencies] = await Promise.all([
    db.$queryRawUnsafe<Array<{ count: number; total_energy: string | null }>>(
      `SELECT count(*)::int AS count, sum((d.document->'total_energy')::numeric)::text AS total_energy FROM ${from}`,
      ...values,
    ),
    db.$queryRawUnsafe<CdrTotals['total_cost']>(perCurrency, ...values),
  ]);
  return { count: overall[0]?.count ?? 0, total_energy: overall[0]?.total_energy ?? '0', total_cost: currencies };
}
