/**
 * OCPP 1.6 calls for RESERVE_NOW, CANCEL_RESERVATION and UNLOCK_CONNECTOR (v16.ts dispatches
 * here), and their answers as OCPI CommandResults (the table in docs/ocpp.md).
 */
import type { CdrToken } from '../../model/cdr.js';
import type { CommandResult } from '../../model/command.js';
import type { ForwardedCommand } from '../adapter.js';
import type { ChargePointLink, CommandTarget } from './link.js';
import { dropReservation, findReservation, ocppReservationId, saveReservation } from './reservations.js';

type Result = CommandResult['result'];

/** ReserveNow.conf status -> CommandResult: Occupied and Faulted/Unavailable have OCPI words of their own. */
export const RESERVE_RESULT_16: Record<string, Result> = {
  Accepted: 'ACCEPTED',
  Occupied: 'EVSE_OCCUPIED',
  Faulted: 'EVSE_INOPERATIVE',
  Unavailable: 'EVSE_INOPERATIVE',
  Rejected: 'REJECTED',
};

/** CancelReservation.conf: Rejected means the charge point has no reservation with that id. */
export const CANCEL_RESULT_16: Record<string, Result> = { Accepted: 'ACCEPTED', Rejected: 'UNKNOWN_RESERVATION' };

/** UnlockConnector.conf. */
export const UNLOCK_RESULT_16: Record<string, Result> = { Unlocked: 'ACCEPTED', UnlockFailed: 'FAILED', NotSupported: 'NOT_SUPPORTED' };

const message = (text: string) => [{ language: 'en', text }];

/**
 * The call, its answer's status mapped; a CALLERROR or no answer is FAILED. `record` runs before
 * the answer goes out, so that what the eMSP may do next (cancel the reservation) finds it.
 */
async function callAndAnswer(
  link: ChargePointLink,
  cmd: ForwardedCommand,
  action: string,
  params: object,
  table: Record<string, Result>,
  record?: (status: string) => Promise<void>,
): Promise<string | null> {
  const port = link.app.services.cpoBackendPort;
  let status: string;
  try {
    status = ((await link.rpc.call(action, params)) as { status: string }).status;
  } catch (e) {
    await port.answerCommand(cmd.party, cmd.id, { result: 'FAILED', message: message(`The charge point did not carry out ${action}: ${(e as Error).message}`) });
    return null;
  }
  const result = table[status] ?? 'FAILED';
  await record?.(status);
  await port.answerCommand(cmd.party, cmd.id, { result, ...(result === 'ACCEPTED' ? {} : { message: message(`The charge point answered ${action} with ${status}`) }) });
  return status;
}

export async function reserveNow16(link: ChargePointLink, cmd: ForwardedCommand, target: CommandTarget | null): Promise<void> {
  const { app, cp } = link;
  const req = cmd.request as { location_id: string; evse_uid?: string; expiry_date: string; token: CdrToken; authorization_reference?: string | null; reservation_id: unknown };
  const reservationId = ocppReservationId(cmd.reservation?.id ?? req.reservation_id);
  const fail = (result: Result, text: string) => app.services.cpoBackendPort.answerCommand(cmd.party, cmd.id, { result, message: message(text) });
  if (reservationId === null) return void (await fail('REJECTED', 'The reservation id does not fit an OCPP reservationId'));
  // No EVSE named: connector 0, any connector of the charge point (OCPP's own "reserve the station").
  const connectorId = req.evse_uid ? target?.n : 0;
  if (connectorId === undefined) return void (await fail('REJECTED', 'No OCPP connector for this EVSE'));
  const idTag = req.token.uid.slice(0, 20);
  const params = { connectorId, expiryDate: new Date(req.expiry_date).toISOString(), idTag, reservationId };
  await callAndAnswer(link, cmd, 'ReserveNow', params, RESERVE_RESULT_16, async (status) => {
    if (status !== 'Accepted') return;
    await saveReservation(app, cp, {
      reservationId: BigInt(reservationId),
      ocppConnector: connectorId,
      locationId: req.location_id,
      evseUid: connectorId ? target?.evseUid : null,
      connectorId: connectorId ? target?.connectorId : null,
      idTag,
      token: { country_code: req.token.country_code, party_id: req.token.party_id, uid: req.token.uid, type: req.token.type, contract_id: req.token.contract_id },
      authorizationReference: req.authorization_reference,
      commandId: cmd.id,
      expiryDate: new Date(req.expiry_date),
    });
  });
}

export async function cancelReservation16(link: ChargePointLink, cmd: ForwardedCommand): Promise<void> {
  const reservationId = ocppReservationId(cmd.reservation?.id ?? cmd.request.reservation_id);
  const known = reservationId === null ? null : await findReservation(link.app, link.cp.partyKey, BigInt(reservationId));
  if (reservationId === null || !known) {
    return void (await link.app.services.cpoBackendPort.answerCommand(cmd.party, cmd.id, {
      result: 'UNKNOWN_RESERVATION',
      message: message('No charge point holds this reservation (used, expired or never accepted)'),
    }));
  }
  // Cancelled, or the charge point no longer has it: either way it is gone.
  await callAndAnswer(link, cmd, 'CancelReservation', { reservationId }, CANCEL_RESULT_16, () => dropReservation(link.app, BigInt(reservationId)));
}

export async function unlockConnector16(link: ChargePointLink, cmd: ForwardedCommand, target: CommandTarget | null): Promise<void> {
  if (!target) {
    return void (await link.app.services.cpoBackendPort.answerCommand(cmd.party, cmd.id, { result: 'REJECTED', message: message('No OCPP connector for this EVSE') }));
  }
  await callAndAnswer(link, cmd, 'UnlockConnector', { connectorId: target.n }, UNLOCK_RESULT_16);
}
