/**
 * Storage of the CDRs CPO peers posted to our eMSP parties (06-cdrs §2.2): one JSONB document per
 * CDR, found by our own uuid (the `Location` URL we hand out) or by the owner's party key and the
 * upper-cased CDR id. CDRs are immutable: an insert never overwrites (pitfall P2).
 */
import { randomUUID } from 'node:crypto';
import type { Db, Prisma } from '../../../db/prisma.js';
import { ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { Cdr } from '../../../model/cdr.js';
import type { SignedDataVerification } from '../../../metering/index.js';

export interface StoredCdr {
  id: string;
  partyKey: string;
  peerId: string;
  document: Cdr;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class ReceivedCdrStore {
  private readonly table: string;

  constructor(
    private readonly db: Db,
    schema: string,
  ) {
    this.table = `"${schema.replace(/"/g, '""')}"."received_cdr"`;
  }

  /** The CDR stored under our uuid, or null (also for anything that is not a uuid). */
  async findById(id: string): Promise<StoredCdr | null> {
    if (!UUID.test(id)) return null;
    const rows = await this.db.$queryRawUnsafe<Array<{ id: string; party_key: string; peer_id: string; document: Cdr }>>(
      `SELECT id::text AS id, party_key, peer_id::text AS peer_id, document FROM ${this.table} WHERE id = $1::uuid`,
      id,
    );
    const row = rows[0];
    return row ? { id: row.id, partyKey: row.party_key, peerId: row.peer_id, document: row.document } : null;
  }

  /**
   * Stores a new CDR unless one with the same owner and id exists; either way answers the uuid
   * of the stored row and whether this call created it. The first version always wins, with the
   * check of its signed data (null: it carries none).
   */
  async insertOnce(peerId: string, cdr: Cdr, verification: SignedDataVerification | null, tx: Prisma.TransactionClient | Db = this.db): Promise<{ id: string; created: boolean }> {
    const owner = partyKey(cdr.country_code, cdr.party_id);
    const cdrKey = ciKey(cdr.id);
    const inserted = await tx.$queryRawUnsafe<Array<{ id: string }>>(
      `INSERT INTO ${this.table} (id, party_key, cdr_key, peer_id, last_updated, document, signed_data_verification)
       VALUES ($1::uuid, $2, $3, $4::uuid, $5, $6::jsonb, $7::jsonb)
       ON CONFLICT (party_key, cdr_key) DO NOTHING
       RETURNING id::text AS id`,
      randomUUID(),
      owner,
      cdrKey,
      peerId,
      new Date(cdr.last_updated),
      JSON.stringify(cdr),
      verification === null ? null : JSON.stringify(verification),
    );
    if (inserted[0]) return { id: inserted[0].id, created: true };
    const existing = await tx.$queryRawUnsafe<Array<{ id: string }>>(`SELECT id::text AS id FROM ${this.table} WHERE party_key = $1 AND cdr_key = $2`, owner, cdrKey);
    return { id: existing[0].id, created: false };
  }
}
