/**
 * Read-only queries of the CDRs CPO peers posted us, for the backend of the eMSP party whose
 * token was charged (`cdr_token` names it), with totals over the whole filtered set. Sums are
 * PostgreSQL `numeric` over the JSON numbers as received and leave the database as decimal
 * strings: money is never added up in floating point.
 */
import type { AppContext } from '../../../context.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { Cdr } from '../../../model/cdr.js';
import type { SignedDataVerification } from '../../../metering/index.js';
import { type ReceivedListFilter, type ReceivedPage, SqlParams, commonConditions, quoted, tokenOwnedBy } from '../shared/received-query.js';

export interface CdrFilter extends ReceivedListFilter {
  /** end_date_time >= endFrom (inclusive). */
  endFrom?: Date;
  /** end_date_time < endTo (exclusive, like OCPI's date_to). */
  endTo?: Date;
}

/** A received CDR as its eMSP's backend reads it: the CDR and the check of its signed meter data. */
export type ReceivedCdrView = Cdr & { signed_data_verification: SignedDataVerification | null };

interface Row {
  document: Cdr;
  signed_data_verification: SignedDataVerification | null;
}

const viewOf = (row: Row): ReceivedCdrView => ({ ...row.document, signed_data_verification: row.signed_data_verification });

export interface CdrTotals {
  count: number;
  total_energy: string;
  total_cost: Array<{ currency: string; count: number; excl_vat: string; incl_vat: string | null }>;
}

export class ReceivedCdrQueries {
  private readonly cdrs: string;

  constructor(private readonly app: AppContext) {
    this.cdrs = quoted(app.config.DATABASE_SCHEMA, 'received_cdr');
  }

  /** The matching CDRs by last_updated, their total, and the totals of the whole filtered set. */
  async list(filter: CdrFilter): Promise<ReceivedPage<ReceivedCdrView> & { totals: CdrTotals }> {
    const p = new SqlParams();
    const where = [tokenOwnedBy('c', p, filter.recipient), ...commonConditions('c', p, filter)];
    // Stored DateTimes are normalised (YYYY-MM-DDTHH:mm:ss.sssZ), so text order is time order.
    if (filter.endFrom) where.push(`c.document->>'end_date_time' >= ${p.add(filter.endFrom.toISOString())}`);
    if (filter.endTo) where.push(`c.document->>'end_date_time' < ${p.add(filter.endTo.toISOString())}`);
    const from = `${this.cdrs} c WHERE ${where.join(' AND ')}`;
    const filterValues = [...p.values];
    const page = `SELECT c.document, c.signed_data_verification FROM ${from} ORDER BY c.last_updated, c.party_key, c.cdr_key OFFSET ${p.add(filter.offset)} LIMIT ${p.add(filter.limit)}`;
    // incl_vat is optional in OCPI: a currency's sum is only given when every CDR carries it.
    const perCurrency = `SELECT c.document->>'currency' AS currency, count(*)::int AS count,
        sum((c.document->'total_cost'->'excl_vat')::numeric)::text AS excl_vat,
        CASE WHEN bool_and(coalesce(jsonb_typeof(c.document->'total_cost'->'incl_vat') = 'number', false))
             THEN sum(CASE WHEN jsonb_typeof(c.document->'total_cost'->'incl_vat') = 'number' THEN (c.document->'total_cost'->'incl_vat')::numeric END)::text END AS incl_vat
      FROM ${from} GROUP BY 1 ORDER BY 1`;
    const [overall, currencies, rows] = await Promise.all([
      this.app.db.$queryRawUnsafe<Array<{ count: number; total_energy: string | null }>>(
        `SELECT count(*)::int AS count, sum((c.document->'total_energy')::numeric)::text AS total_energy FROM ${from}`,
        ...filterValues,
      ),
      this.app.db.$queryRawUnsafe<CdrTotals['total_cost']>(perCurrency, ...filterValues),
      this.app.db.$queryRawUnsafe<Row[]>(page, ...p.values),
    ]);
    const count = overall[0]?.count ?? 0;
    return {
      total: count,
      items: rows.map(viewOf),
      totals: { count, total_energy: overall[0]?.total_energy ?? '0', total_cost: currencies },
    };
  }

  /** One CDR by its owner and the CPO's id, when it was charged to a token of the recipient. */
  async get(recipient: PartyRef, countryCode: string, partyId: string, cdrId: string): Promise<ReceivedCdrView | null> {
    const p = new SqlParams();
    const rows = await this.app.db.$queryRawUnsafe<Row[]>(
      `SELECT c.document, c.signed_data_verification FROM ${this.cdrs} c WHERE ${tokenOwnedBy('c', p, recipient)} AND c.party_key = ${p.add(partyKey(countryCode, partyId))} AND c.cdr_key = ${p.add(ciKey(cdrId))}`,
      ...p.values,
    );
    return rows[0] ? viewOf(rows[0]) : null;
  }
}

/** The queries of one platform instance. */
declare module '../../../context.js' {
  interface Services {
    receivedCdrQueries: ReceivedCdrQueries;
  }
}
