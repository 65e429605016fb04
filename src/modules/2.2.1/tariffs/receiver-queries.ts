/** Read-only queries of the tariffs CPO peers sent to one of our eMSP parties, for its backend. */
import type { AppContext } from '../../../context.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { ReceivedTariff as Tariff } from '../../../model/tariff.js';
import { type ReceivedListFilter, type ReceivedPage, SqlParams, commonConditions, keyOf, quoted } from '../shared/received-query.js';
import { recipientTable } from '../shared/received-recipients.js';

export class ReceivedTariffQueries {
  private readonly tariffs: string;
  private readonly recipients: string;

  constructor(private readonly app: AppContext) {
    this.tariffs = quoted(app.config.DATABASE_SCHEMA, 'received_tariff');
    this.recipients = recipientTable(app.config.DATABASE_SCHEMA);
  }

  /** The matching tariffs by last_updated, and their total. */
  async list(filter: ReceivedListFilter): Promise<ReceivedPage<Tariff>> {
    const p = new SqlParams();
    const where = [this.visibleTo(p, filter.recipient), ...commonConditions('t', p, filter)];
    const from = `${this.tariffs} t WHERE ${where.join(' AND ')}`;
    const countValues = [...p.values];
    const page = `SELECT t.document FROM ${from} ORDER BY t.last_updated, t.party_key, t.tariff_key OFFSET ${p.add(filter.offset)} LIMIT ${p.add(filter.limit)}`;
    const [counted, rows] = await Promise.all([
      this.app.db.$queryRawUnsafe<Array<{ total: number }>>(`SELECT count(*)::int AS total FROM ${from}`, ...countValues),
      this.app.db.$queryRawUnsafe<Array<{ document: Tariff }>>(page, ...p.values),
    ]);
    return { total: counted[0]?.total ?? 0, items: rows.map((r) => r.document) };
  }

  /** One tariff, when it was sent to the recipient. */
  async get(recipient: PartyRef, countryCode: string, partyId: string, tariffId: string): Promise<Tariff | null> {
    const p = new SqlParams();
    const rows = await this.app.db.$queryRawUnsafe<Array<{ document: Tariff }>>(
      `SELECT t.document FROM ${this.tariffs} t WHERE ${this.visibleTo(p, recipient)} AND t.party_key = ${p.add(partyKey(countryCode, partyId))} AND t.tariff_key = ${p.add(ciKey(tariffId))}`,
      ...p.values,
    );
    return rows[0]?.document ?? null;
  }

  private visibleTo(p: SqlParams, recipient: PartyRef): string {
    return `EXISTS (SELECT 1 FROM ${this.recipients} r WHERE r.recipient_key = ${p.add(keyOf(recipient))} AND r.module = 'tariffs' AND r.party_key = t.party_key AND r.object_key = t.tariff_key)`;
  }
}

/** The queries of one platform instance. */
declare module '../../../context.js' {
  interface Services {
    receivedTariffQueries: ReceivedTariffQueries;
  }
}
