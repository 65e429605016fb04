/**
 * Storage of the tokens our eMSP parties issue: one JSONB Token document per (party, upper-cased
 * uid, type) (uid alone is not unique, P2), with `valid` and `last_updated` as indexed columns
 * for the lists, and the platform's own authorization rules next to it.
 */
import { hotQuery } from '../../../db/hot-statements.js';
import type { Db, Prisma } from '../../../db/prisma.js';
import type { PageRequest } from '../../../ocpi/pagination.js';
import type { Token } from '../../../model/token.js';
import type { AllowedLocation } from './sender-schemas.js';
import type { TokenKey } from './store.js';

type Tx = Prisma.TransactionClient | Db;

export interface OwnTokenRecord {
  token: Token;
  expiresAt: Date | null;
  allowedLocations: AllowedLocation[] | null;
}

interface Row {
  document: Token;
  expires_at: Date | null;
  allowed_locations: AllowedLocation[] | null;
}

const COLUMNS = 'document, expires_at, allowed_locations';
const recordOf = (r: Row): OwnTokenRecord => ({ token: r.document, expiresAt: r.expires_at, allowedLocations: r.allowed_locations });
const record = (r: Row | undefined): OwnTokenRecord | null => (r ? recordOf(r) : null);

export interface TokenListFilter {
  valid?: boolean;
  updatedSince?: Date;
  offset: number;
  limit: number;
}

export class OwnTokenStore {
  private readonly table: string;
  private readonly getSql: string;

  constructor(
    private readonly db: Db,
    schema: string,
  ) {
    this.table = `"${schema.replace(/"/g, '""')}"."own_token"`;
    this.getSql = `SELECT ${COLUMNS} FROM ${this.table} WHERE party_key = $1 AND uid_key = $2 AND type = $3`;
  }

  async get(key: TokenKey, tx?: Tx): Promise<OwnTokenRecord | null> {
    const args = [key.partyKey, key.uidKey, key.type];
    // Outside a transaction this is the real-time authorization lookup: a prepared statement.
    const rows = tx ? await tx.$queryRawUnsafe<Row[]>(this.getSql, ...args) : await hotQuery<Row>(this.db, this.getSql, args);
    return record(rows[0]);
  }

  /** Reads and locks a token for a read-modify-write in this transaction. */
  async lock(tx: Tx, key: TokenKey): Promise<OwnTokenRecord | null> {
    const rows = await tx.$queryRawUnsafe<Row[]>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE party_key = $1 AND uid_key = $2 AND type = $3 FOR UPDATE`,
      key.partyKey,
      key.uidKey,
      key.type,
    );
    return record(rows[0]);
  }

  /** Creates or replaces; `created` tells which. Callers hold the row lock (or insert anew). */
  async save(tx: Tx, key: TokenKey, rec: OwnTokenRecord): Promise<{ created: boolean }> {
    const rows = await tx.$queryRawUnsafe<Array<{ created: boolean }>>(
      `INSERT INTO ${this.table} AS t (party_key, uid_key, type, valid, last_updated, document, expires_at, allowed_locations)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8::jsonb)
       ON CONFLICT (party_key, uid_key, type) DO UPDATE SET valid = EXCLUDED.valid, last_updated = EXCLUDED.last_updated, document = EXCLUDED.document,
         expires_at = EXCLUDED.expires_at, allowed_locations = EXCLUDED.allowed_locations
       RETURNING (xmax = 0) AS created`,
      key.partyKey,
      key.uidKey,
      key.type,
      rec.token.valid,
      new Date(rec.token.last_updated),
      JSON.stringify(rec.token),
      rec.expiresAt,
      rec.allowedLocations === null ? null : JSON.stringify(rec.allowedLocations),
    );
    return rows[0];
  }

  /**
   * A SENDER page (transport §7): the party's tokens in (last_updated, uid, type) order. Keys
   * come from the index first; only the page's documents are read, as stored JSON text.
   */
  async page(partyKey: string, page: PageRequest): Promise<{ documents: string[]; total: number }> {
    const args: unknown[] = [partyKey];
    let where = 'party_key = $1';
    if (page.dateFrom) where += ` AND last_updated >= $${args.push(page.dateFrom)}`;
    if (page.dateTo) where += ` AND last_updated < $${args.push(page.dateTo)}`;
    const [rows, count] = await Promise.all([
      this.db.$queryRawUnsafe<Array<{ doc: string }>>(
        `WITH keys AS (SELECT party_key, uid_key, type, last_updated FROM ${this.table} WHERE ${where} ORDER BY last_updated, uid_key, type OFFSET $${args.length + 1} LIMIT $${args.length + 2})
         SELECT d.document::text AS doc FROM keys k JOIN ${this.table} d USING (party_key, uid_key, type) ORDER BY k.last_updated, k.uid_key, k.type`,
        ...args,
        page.offset,
        page.limit,
      ),
      this.db.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM ${this.table} WHERE ${where}`, ...args),
    ]);
    return { documents: rows.map((r) => r.doc), total: Number(count[0].n) };
  }

  /** The backend API's list: filtered by validity and change date, oldest change first. */
  async list(partyKey: string, filter: TokenListFilter): Promise<{ records: OwnTokenRecord[]; total: number }> {
    const args: unknown[] = [partyKey];
    let where = 'party_key = $1';
    if (filter.valid !== undefined) where += ` AND valid = $${args.push(filter.valid)}`;
    if (filter.updatedSince) where += ` AND last_updated >= $${args.push(filter.updatedSince)}`;
    const [rows, count] = await Promise.all([
      this.db.$queryRawUnsafe<Row[]>(
        `SELECT ${COLUMNS} FROM ${this.table} WHERE ${where} ORDER BY last_updated, uid_key, type OFFSET $${args.length + 1} LIMIT $${args.length + 2}`,
        ...args,
        filter.offset,
        filter.limit,
      ),
      this.db.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM ${this.table} WHERE ${where}`, ...args),
    ]);
    return { records: rows.map(recordOf), total: Number(count[0].n) };
  }
}
