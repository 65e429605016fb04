/**
 * Storage of the reservations our CPO parties forwarded: an eMSP's reservation_id is unique only
 * for that eMSP, so each (our CPO party, requesting eMSP party, reservation_id) gets a
 * platform-wide id of its own, the one the backend uses toward the charge point (08-commands
 * §6.2: the CPO maps the eMSP's id so that one eMSP cannot touch another's reservation).
 */
import type { Db, Prisma } from '../../../db/prisma.js';
import { ciKey } from '../../../model/primitives.js';

type Tx = Prisma.TransactionClient | Db;

/** Whose reservation: our CPO party, the eMSP party that asks, and the eMSP's reservation_id. */
export interface ReservationScope {
  partyKey: string;
  requesterKey: string;
  reservationId: string;
}

export class CpoReservationStore {
  private readonly table: string;

  constructor(schema: string) {
    this.table = `"${schema.replace(/"/g, '""')}"."cpo_reservation"`;
  }

  /**
   * RESERVE_NOW: a new reservation of this eMSP, or (same reservation_id again) the replacement
   * of its own earlier one, in one statement so that two concurrent requests agree on the id.
   */
  async reserve(tx: Tx, scope: ReservationScope, locationId: string, expiryDate: Date): Promise<{ id: string; replaces: boolean }> {
    const rows = await tx.$queryRawUnsafe<Array<{ id: string; created: boolean }>>(
      `INSERT INTO ${this.table} AS r (party_key, requester_key, reservation_key, reservation_id, location_id, expiry_date) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (party_key, requester_key, reservation_key) DO UPDATE SET reservation_id = EXCLUDED.reservation_id, location_id = EXCLUDED.location_id, expiry_date = EXCLUDED.expiry_date, updated_at = now()
       RETURNING r.id::text AS id, (xmax = 0) AS created`,
      scope.partyKey,
      scope.requesterKey,
      ciKey(scope.reservationId),
      scope.reservationId,
      locationId,
      expiryDate,
    );
    return { id: rows[0].id, replaces: !rows[0].created };
  }

  /** The platform-wide id of this eMSP's reservation, or null: another eMSP's id is unknown here. */
  async find(tx: Tx, scope: ReservationScope): Promise<string | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ id: string }>>(
      `SELECT id::text AS id FROM ${this.table} WHERE party_key = $1 AND requester_key = $2 AND reservation_key = $3`,
      scope.partyKey,
      scope.requesterKey,
      ciKey(scope.reservationId),
    );
    return rows[0]?.id ?? null;
  }
}
