/**
 * Read-only queries of the sessions CPO peers sent us, for the backend of the eMSP party whose
 * token the session runs on (`cdr_token` names it: that is who the CPO sends a session to), and
 * for the backend of an SCSP party it was delegated to (`scsp_session` names it).
 */
import type { AppContext } from '../../../context.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { Session } from '../../../model/session.js';
import { type ReceivedListFilter, type ReceivedPage, SqlParams, commonConditions, keyOf, quoted, tokenOwnedBy } from '../shared/received-query.js';

export interface SessionFilter extends ReceivedListFilter {
  status?: string;
}

export class ReceivedSessionQueries {
  private readonly sessions: string;
  private readonly delegated: string;

  constructor(private readonly app: AppContext) {
    this.sessions = quoted(app.config.DATABASE_SCHEMA, 'received_session');
    this.delegated = quoted(app.config.DATABASE_SCHEMA, 'scsp_session');
  }

  /** Condition: the session runs on a token of `recipient`, or was delegated to it as an SCSP. */
  private receivedBy(p: SqlParams, recipient: PartyRef): string {
    const delegated = `EXISTS (SELECT 1 FROM ${this.delegated} d WHERE d.recipient_key = ${p.add(keyOf(recipient))} AND d.party_key = s.party_key AND d.session_key = s.session_key)`;
    return `(${tokenOwnedBy('s', p, recipient)} OR ${delegated})`;
  }

  /** The matching sessions by last_updated, and their total. */
  async list(filter: SessionFilter): Promise<ReceivedPage<Session>> {
    const p = new SqlParams();
    const where = [this.receivedBy(p, filter.recipient), ...commonConditions('s', p, filter)];
    if (filter.status) where.push(`s.document->>'status' = ${p.add(filter.status)}`);
    const from = `${this.sessions} s WHERE ${where.join(' AND ')}`;
    const countValues = [...p.values];
    const page = `SELECT s.document FROM ${from} ORDER BY s.last_updated, s.party_key, s.session_key OFFSET ${p.add(filter.offset)} LIMIT ${p.add(filter.limit)}`;
    const [counted, rows] = await Promise.all([
      this.app.db.$queryRawUnsafe<Array<{ total: number }>>(`SELECT count(*)::int AS total FROM ${from}`, ...countValues),
      this.app.db.$queryRawUnsafe<Array<{ document: Session }>>(page, ...p.values),
    ]);
    return { total: counted[0]?.total ?? 0, items: rows.map((r) => r.document) };
  }

  /** One session, when it runs on a token of the recipient or was delegated to it. */
  async get(recipient: PartyRef, countryCode: string, partyId: string, sessionId: string): Promise<Session | null> {
    const p = new SqlParams();
    const rows = await this.app.db.$queryRawUnsafe<Array<{ document: Session }>>(
      `SELECT s.document FROM ${this.sessions} s WHERE ${this.receivedBy(p, recipient)} AND s.party_key = ${p.add(partyKey(countryCode, partyId))} AND s.session_key = ${p.add(ciKey(sessionId))}`,
      ...p.values,
    );
    return rows[0]?.document ?? null;
  }
}

/** The queries of one platform instance. */
declare module '../../../context.js' {
  interface Services {
    receivedSessionQueries: ReceivedSessionQueries;
  }
}
