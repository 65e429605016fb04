/**
 * Count, energy and cost per currency over a filtered set of CDRs stored as JSONB documents: the
 * totals of both CDR lists (a CPO's own, an eMSP's received). Sums are PostgreSQL `numeric` over
 * the JSON numbers as stored and leave the database as decimal strings: money is never added up
 * in floating point.
 */
import { z } from 'zod';
import type { Db } from '../../../db/prisma.js';

export interface CdrTotals {
  count: number;
  total_energy: string;
  total_cost: Array<{ currency: string; count: number; excl_vat: string; incl_vat: string | null }>;
}

const Decimal = z.string().describe('Exact decimal number, as text');
export const CdrTotalsView = z.object({
  count: z.number().int(),
  total_energy: Decimal.describe('kWh, exact decimal'),
  total_cost: z.array(
    z.object({ currency: z.string(), count: z.number().int(), excl_vat: Decimal, incl_vat: Decimal.nullable().describe('null when a CDR of this currency has no incl_vat') }),
  ),
});

/** `from`: `<table> <alias> WHERE ...`, with `alias.document` the CDR; `values` its parameters. */
export async function cdrTotals(db: Db, from: string, alias: string, values: unknown[]): Promise<CdrTotals> {
  const doc = `${alias}.document`;
  // incl_vat is optional in OCPI: a currency's sum is only given when every CDR carries it.
  const perCurrency = `SELECT ${doc}->>'currency' AS currency, count(*)::int AS count,
      sum((${doc}->'total_cost'->'excl_vat')::numeric)::text AS excl_vat,
      CASE WHEN bool_and(coalesce(jsonb_typeof(${doc}->'total_cost'->'incl_vat') = 'number', false))
           THEN sum(CASE WHEN jsonb_typeof(${doc}->'total_cost'->'incl_vat') = 'number' THEN (${doc}->'total_cost'->'incl_vat')::numeric END)::text END AS incl_vat
    FROM ${from} GROUP BY 1 ORDER BY 1`;
  const [overall, currencies] = await Promise.all([
    db.$queryRawUnsafe<Array<{ count: number; total_energy: string | null }>>(
      `SELECT count(*)::int AS count, sum((${doc}->'total_energy')::numeric)::text AS total_energy FROM ${from}`,
      ...values,
    ),
    db.$queryRawUnsafe<CdrTotals['total_cost']>(perCurrency, ...values),
  ]);
  return { count: overall[0]?.count ?? 0, total_energy: overall[0]?.total_energy ?? '0', total_cost: currencies };
}
