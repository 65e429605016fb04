/**
 * Reservations on OCPP charge points, whatever the version. The id is the platform's
 * (cpo_reservation.id, an integer as OCPP wants; the commands module maps each eMSP's own id to
 * it), so two eMSPs' reservations never collide on a charge point. A reservation the charge
 * point accepted is kept until it is cancelled, used or expired: a transaction that names it
 * runs as the eMSP's reservation (its token, COMMAND-authorized), the way a remote start does.
 */
import type { AppContext } from '../../context.js';
import type { CdrToken } from '../../model/cdr.js';
import { ciEquals } from '../../model/primitives.js';
import type { ChargePointRecord } from './charge-points.js';
import { recordRemoteStart, resolveConnector } from './transactions.js';

export interface ReservationInput {
  reservationId: bigint;
  ocppConnector: number;
  locationId: string;
  evseUid?: string | null;
  connectorId?: string | null;
  idTag: string;
  token: CdrToken;
  authorizationReference?: string | null;
  commandId: string;
  expiryDate: Date;
}

/** The OCPP reservationId of a platform reservation id; null when it does not fit OCPP's integer. */
export function ocppReservationId(value: unknown): number | null {
  const n = typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? Number(value) : typeof value === 'number' ? value : Number.NaN;
  return Number.isInteger(n) && n >= 0 && n <= 2 ** 31 - 1 ? n : null;
}

/** Cancels a reservation on a charge point, wherever its socket is held (index.ts registers it). */
export type ReservationCanceller = (partyKeyValue: string, idKey: string, reservationId: number) => Promise<void>;
const cancellers = new WeakMap<AppContext, ReservationCanceller>();

export function registerReservationCanceller(app: AppContext, cancel: ReservationCanceller): void {
  cancellers.set(app, cancel);
}

/**
 * Accepted by the charge point: a new reservation, or the replacement of the one with this id.
 * A replacement on the same charge point replaces its reservation there (OCPP's rule for a known
 * id); one that moved to another charge point is cancelled on the first (CancelReservation, the
 * same call in 1.6 and 2.0.1), so that the driver's old EVSE is free again.
 */
export async function saveReservation(app: AppContext, cp: ChargePointRecord, r: ReservationInput): Promise<void> {
  const before = await app.db.ocppReservation.findUnique({ where: { reservationId: r.reservationId } });
  const data = {
    partyKey: cp.partyKey,
    chargePointKey: cp.idKey,
    ocppConnector: r.ocppConnector,
    locationId: r.locationId,
    evseUid: r.evseUid ?? null,
    connectorId: r.connectorId ?? null,
    idTag: r.idTag,
    cdrToken: r.token,
    authorizationReference: r.authorizationReference ?? null,
    commandId: r.commandId,
    expiryDate: r.expiryDate,
  };
  await app.db.ocppReservation.upsert({ where: { reservationId: r.reservationId }, create: { reservationId: r.reservationId, ...data }, update: data });
  if (before && (before.partyKey !== cp.partyKey || before.chargePointKey !== cp.idKey)) {
    const id = Number(r.reservationId);
    void cancellers
      .get(app)?.(before.partyKey, before.chargePointKey, id)
      .catch((e: Error) => app.log.warn({ charge_point: before.chargePointKey, reservation_id: id, err: e.message }, 'moved reservation not cancelled on its first charge point'));
  }
}

export function findReservation(app: AppContext, partyKeyValue: string, reservationId: bigint) {
  return app.db.ocppReservation.findFirst({ where: { reservationId, partyKey: partyKeyValue } });
}

export async function dropReservation(app: AppContext, reservationId: bigint): Promise<void> {
  await app.db.ocppReservation.deleteMany({ where: { reservationId } });
}

/**
 * A transaction names a reservation (StartTransaction.reservationId): the reservation is used
 * up. Started with its token, the transaction becomes the eMSP's (recorded like a remote start,
 * which startTransaction then picks up); another card on a reserved connector is authorized as
 * usual.
 */
export async function consumeReservation(app: AppContext, cp: ChargePointRecord, reservationId: number, start: { ocppConnector: number; idTag: string }): Promise<void> {
  const row = await app.db.ocppReservation.findFirst({ where: { reservationId: BigInt(reservationId), partyKey: cp.partyKey, chargePointKey: cp.idKey } });
  if (!row) return;
  // Claimed by one delete: a StartTransaction re-sent after a lost answer finds nothing to use twice.
  const { count } = await app.db.ocppReservation.deleteMany({ where: { reservationId: row.reservationId } });
  if (!count || !ciEquals(row.idTag, start.idTag)) return;
  const ref = await resolveConnector(app, cp, start.ocppConnector);
  if (!ref) return;
  await recordRemoteStart(app, cp, {
    ocppConnector: start.ocppConnector,
    idTag: start.idTag,
    ref,
    locationId: row.locationId,
    token: row.cdrToken as unknown as CdrToken,
    authorizationReference: row.authorizationReference,
    commandId: row.commandId,
  });
}

/** Reservations past their expiry: the charge point has dropped them itself. */
export async function purgeExpiredReservations(app: AppContext, now = new Date()): Promise<number> {
  const { count } = await app.db.ocppReservation.deleteMany({ where: { expiryDate: { lt: now } } });
  return count;
}
