/**
 * Read-only queries of the CDRs CPO peers posted us, for the backend of the eMSP party whose
 * token was charged (`cdr_token` names it), with totals over the whole filtered set
 * (shared/cdr-totals.ts).
 */
import type { AppContext } from '../../../context.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { Cdr } from '../../../model/cdr.js';
import type { SignedDataVerification } from '../../../metering/index.js';
import { type CdrTotals, cdrTotals } from '../shared/cdr-totals.js';
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
    const [totals, rows] = await Promise.all([cdrTotals(this.app.db, from, 'c', filterValues), this.app.db.$queryRawUnsafe<Row[]>(page, ...p.values)]);
    return { total: totals.count, items: rows.map(viewOf), totals };
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
