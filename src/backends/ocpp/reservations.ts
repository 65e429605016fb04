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

/** Ended well before its expiry: the charge point (or its operator) cancelled it, not the clock. */
const EXPIRY_SLACK_MS = 30_000;

/**
 * A reservation the charge point ended by itself. The row goes, so that a later
 * CANCEL_RESERVATION answers UNKNOWN_RESERVATION without a call, and one ended before its expiry
 * reaches the eMSP as a late CANCELED_RESERVATION result of its RESERVE_NOW (the eMSP knows the
 * expiry itself). The delete is the claim: a repeated report does nothing.
 */
async function closeReservation(app: AppContext, cp: ChargePointRecord, row: { reservationId: bigint; commandId: string; expiryDate: Date }, why: string): Promise<boolean> {
  const { count } = await app.db.ocppReservation.deleteMany({ where: { reservationId: row.reservationId, partyKey: cp.partyKey, chargePointKey: cp.idKey } });
  if (!count) return false;
  const early = row.expiryDate.getTime() - Date.now() > EXPIRY_SLACK_MS;
  app.log.info({ charge_point: cp.chargePointId, reservation_id: Number(row.reservationId), why, reported: early }, 'OCPP reservation ended by the charge point');
  if (!early) return true;
  await app.services.cpoBackendPort
    .answerCommand(cp.party, row.commandId, { result: 'CANCELED_RESERVATION', message: [{ language: 'en', text: `The charge point ended the reservation (${why})` }] })
    // The eMSP may have cancelled it meanwhile (its RESERVE_NOW result is no longer ACCEPTED).
    .catch((e: Error) => app.log.info({ charge_point: cp.chargePointId, reservation_id: Number(row.reservationId), err: e.message }, 'reservation end not reported'));
  return true;
}

/**
 * OCPP 1.6: connector n went from Reserved to Available without a transaction using the
 * reservation (a start deletes it first): the charge point dropped the reservations it held
 * there. Only rows saved before the status was received: a ReserveNow accepted after it is not
 * what the status speaks of.
 */
export async function reservationLeft(app: AppContext, cp: ChargePointRecord, n: number, received: Date): Promise<void> {
  const rows = await app.db.ocppReservation.findMany({ where: { partyKey: cp.partyKey, chargePointKey: cp.idKey, ocppConnector: n, updatedAt: { lte: received } } });
  for (const row of rows) await closeReservation(app, cp, row, 'its connector became Available');
}

/**
 * OCPP 2.0.1 ReservationStatusUpdate Expired or Removed; the reservation's row, if it was this
 * charge point's (null otherwise), once it is closed.
 */
export async function reservationEnded(app: AppContext, cp: ChargePointRecord, reservationId: number, status: string) {
  const row = await app.db.ocppReservation.findFirst({ where: { reservationId: BigInt(reservationId), partyKey: cp.partyKey, chargePointKey: cp.idKey } });
  if (!row) return null;
  // Expired is the clock's doing whatever the timing says; Removed is the station's.
  const closed = await closeReservation(app, cp, status === 'Expired' ? { ...row, expiryDate: new Date(0) } : row, `ReservationStatusUpdate ${status}`);
  return closed ? row : null;
}

/** Reservations past their expiry: the charge point has dropped them itself. */
export async function purgeExpiredReservations(app: AppContext, now = new Date()): Promise<number> {
  const { count } = await app.db.ocppReservation.deleteMany({ where: { expiryDate: { lt: now } } });
  return count;
}
