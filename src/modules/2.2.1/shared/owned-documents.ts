/**
 * Storage of OCPI objects our CPO parties own and only the token's eMSP may read (sessions,
 * CDRs): one JSONB document per object, keyed by owner party + upper-cased id, served as stored
 * JSON text so a page goes out without mapping.
 */
import type { Db, Prisma } from '../../../db/prisma.js';
import type { PageRequest } from '../../../ocpi/pagination.js';
import type { Cdr } from '../../../model/cdr.js';
import { SqlParams } from './received-query.js';
import { type DocumentTimeRange, type OwnedListFilter, type OwnedPage, ownedConditions, ownedPage, timeRangeConditions } from './owned-query.js';
import { type CdrTotals, cdrTotals } from './cdr-totals.js';

type Tx = Prisma.TransactionClient | Db;

/** A backend list of the owner's documents: by the token's eMSP, top-level text fields, DateTime ranges. */
export interface OwnedDocumentFilter extends OwnedListFilter {
  tokenPartyKey?: string;
  /** Top-level fields of the document that must have this text value (e.g. status). */
  fields?: Record<string, string>;
  ranges?: DocumentTimeRange[];
}

export interface OwnedDocument<T> {
  document: T;
  tokenPartyKey: string;
}

export class OwnedDocumentStore<T extends { last_updated: string }> {
  private readonly table: string;

  constructor(
    private readonly db: Db,
    schema: string,
    table: 'own_session' | 'own_cdr',
  ) {
    this.table = `"${schema.replace(/"/g, '""')}"."${table}"`;
  }

  static key(partyKey: string, id: string): string {
    return `${partyKey}/${id.toUpperCase()}`;
  }

  async lock(tx: Tx, key: string): Promise<T | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ document: T }>>(`SELECT document FROM ${this.table} WHERE doc_key = $1 FOR UPDATE`, key);
    return rows[0]?.document ?? null;
  }

  /** Inserts only: returns false when the key exists (immutable objects). */
  async insert(tx: Tx, key: string, partyKey: string, tokenPartyKey: string, document: T): Promise<boolean> {
    const n = await tx.$executeRawUnsafe(
      `INSERT INTO ${this.table} (doc_key, party_key, token_party_key, last_updated, document) VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT (doc_key) DO NOTHING`,
      key,
      partyKey,
      tokenPartyKey,
      new Date(document.last_updated),
      JSON.stringify(document),
    );
    return n === 1;
  }

  async save(tx: Tx, key: string, partyKey: string, tokenPartyKey: string, document: T): Promise<void> {
    await tx.$executeRawUnsafe(
      `INSERT INTO ${this.table} (doc_key, party_key, token_party_key, last_updated, document) VALUES ($1, $2, $3, $4, $5::jsonb)
       ON CONFLICT (doc_key) DO UPDATE SET token_party_key = EXCLUDED.token_party_key, last_updated = EXCLUDED.last_updated, document = EXCLUDED.document`,
      key,
      partyKey,
      tokenPartyKey,
      new Date(document.last_updated),
      JSON.stringify(document),
    );
  }

  async get(key: string): Promise<OwnedDocument<T> | null> {
    const rows = await this.db.$queryRawUnsafe<Array<{ document: T; token_party_key: string }>>(`SELECT document, token_party_key FROM ${this.table} WHERE doc_key = $1`, key);
    return rows[0] ? { document: rows[0].document, tokenPartyKey: rows[0].token_party_key } : null;
  }

  /**
   * A page of the owner's documents whose token belongs to one of `tokenPartyKeys`. Keys come
   * from the index first; only the page's documents are read (see OwnLocationStore.page).
   */
  async page(partyKey: string, tokenPartyKeys: string[], page: PageRequest): Promise<{ documents: string[]; total: number }> {
    const args: unknown[] = [partyKey, tokenPartyKeys];
    let where = 'party_key = $1 AND token_party_key = ANY($2::text[])';
    if (page.dateFrom) where += ` AND last_updated >= $${args.push(page.dateFrom)}`;
    if (page.dateTo) where += ` AND last_updated < $${args.push(page.dateTo)}`;
    const [rows, count] = await Promise.all([
      this.db.$queryRawUnsafe<Array<{ doc: string }>>(
        `WITH keys AS (SELECT doc_key, last_updated FROM ${this.table} WHERE ${where} ORDER BY last_updated, doc_key OFFSET $${args.length + 1} LIMIT $${args.length + 2})
         SELECT d.document::text AS doc FROM keys k JOIN ${this.table} d USING (doc_key) ORDER BY k.last_updated, k.doc_key`,
        ...args,
        page.offset,
        page.limit,
      ),
      this.db.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM ${this.table} WHERE ${where}`, ...args),
    ]);
    return { documents: rows.map((r) => r.doc), total: Number(count[0].n) };
  }

  /** The owner's documents for its own backend, filtered, in (last_updated, id) order. */
  list(filter: OwnedDocumentFilter): Promise<OwnedPage<T>> {
    const p = new SqlParams();
    return ownedPage<T>(this.db, this.table, 'doc_key', this.conditions(p, filter), p, filter);
  }

  /** Count, energy and cost per currency of the CDRs the filter selects (all pages). */
  totals(this: OwnedDocumentStore<Cdr>, filter: OwnedDocumentFilter): Promise<CdrTotals> {
    const p = new SqlParams();
    const where = this.conditions(p, filter);
    return cdrTotals(this.db, `${this.table} d WHERE ${where.join(' AND ')}`, 'd', p.values);
  }

  private conditions(p: SqlParams, filter: OwnedDocumentFilter): string[] {
    const where = ownedConditions(p, filter);
    if (filter.tokenPartyKey) where.push(`d.token_party_key = ${p.add(filter.tokenPartyKey)}`);
    for (const [field, value] of Object.entries(filter.fields ?? {})) where.push(`d.document->>${p.add(field)}::text = ${p.add(value)}`);
    return [...where, ...timeRangeConditions(p, filter.ranges ?? [])];
  }
}
