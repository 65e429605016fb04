/**
 * Commands received by our CPO parties (08-commands). The CommandResponse only says whether we
 * can forward the command; the party's backend answers later and the CommandResult goes to the
 * eMSP's response_url through the outbox, retried only until the command's timeout. A command
 * the backend never answers gets a TIMEOUT result from the worker's sweep. Reservation ids are
 * mapped per requesting eMSP (reservation-store.ts): the backend addresses a reservation by our
 * id, never by an eMSP's own.
 */
import type { z } from 'zod';
import type { Prisma } from '../../../db/prisma.js';
import crypto from 'node:crypto';
import type { AppContext } from '../../../context.js';
import { backendRefusal, forwardToBackend } from '../../../backends/adapter.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { invalidParameters } from '../../../ocpi/errors.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { ciEquals } from '../../../model/primitives.js';
import { DomainError } from '../../../platform/domain-error.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { CpoReservationStore } from './reservation-store.js';
import type { CancelReservation, CommandResult, CommandType, ReserveNow, StartSession, StopSession, UnlockConnector } from '../../../model/command.js';

/**
 * Every field the rules below read, from whichever command body this is: each body is validated
 * by its own schema (CommandBodies) first, and has only its command's fields.
 */
export type CommandRequest = Partial<
  z.infer<typeof StartSession> & z.infer<typeof StopSession> & z.infer<typeof ReserveNow> & z.infer<typeof CancelReservation> & z.infer<typeof UnlockConnector>
> & { response_url: string };
type Req = CommandRequest;
export interface CommandCaller {
  peerId: string;
  /** The eMSP party that sent the command (OCPI-from-*). */
  requester: PartyRef;
  /** Our CPO party it is addressed to (OCPI-to-*). */
  party: PartyRef;
}

export interface CommandAnswer {
  statusCode: number;
  data: { result: 'ACCEPTED' | 'REJECTED' | 'NOT_SUPPORTED' | 'UNKNOWN_SESSION'; timeout: number; message?: Array<{ language: string; text: string }> };
}

export async function receiveCommand(app: AppContext, caller: CommandCaller, command: CommandType, request: Req): Promise<CommandAnswer> {
  const timeout = app.config.COMMAND_TIMEOUT_SECONDS;
  const answer = (result: CommandAnswer['data']['result'], text?: string, statusCode: number = OcpiStatus.SUCCESS): CommandAnswer => ({
    statusCode,
    data: { result, timeout, ...(text ? { message: [{ language: 'en', text }] } : {}) },
  });
  try {
    app.urlPolicy.check(request.response_url);
  } catch (e) {
    throw invalidParameters(`response_url: ${(e as Error).message}`);
  }
  const owner = [partyKey(caller.party.countryCode, caller.party.partyId)];
  const locations = app.services.ownLocations;
  const reservations = new CpoReservationStore(app.config.DATABASE_SCHEMA);

  if (request.token && !(ciEquals(request.token.country_code, caller.requester.countryCode) && ciEquals(request.token.party_id, caller.requester.partyId))) {
    return answer('REJECTED', 'token: an eMSP may only use its own tokens');
  }
  const locationId = request.location_id;
  if ((command === 'START_SESSION' || command === 'RESERVE_NOW' || command === 'UNLOCK_CONNECTOR') && locationId) {
    // (Their schemas require location_id: the check above is for the type, never a rule.)
    const location = await locations.find(owner, locationId, { kind: 'location' });
    // 2003 with REJECTED: the spec's own example for an unknown location (08-commands D5).
    if (!location) return answer('REJECTED', `Unknown location ${request.location_id}`, OcpiStatus.UNKNOWN_LOCATION);
    if (request.evse_uid) {
      const evse = (await locations.find(owner, locationId, { kind: 'evse', evseUid: request.evse_uid })) as { capabilities?: string[]; status: string } | null;
      if (!evse) return answer('REJECTED', `Unknown EVSE ${request.evse_uid}`);
      const needs = { START_SESSION: 'REMOTE_START_STOP_CAPABLE', RESERVE_NOW: 'RESERVABLE', UNLOCK_CONNECTOR: 'UNLOCK_CAPABLE' }[command];
      if (!(evse.capabilities ?? []).includes(needs)) return answer('NOT_SUPPORTED', `EVSE ${request.evse_uid} is not ${needs}`);
      if (command === 'START_SESSION' && (evse.capabilities ?? []).includes('START_SESSION_CONNECTOR_REQUIRED') && !request.connector_id) {
        return answer('REJECTED', `connector_id is required for EVSE ${request.evse_uid}`);
      }
      if (request.connector_id && !(await locations.find(owner, locationId, { kind: 'connector', evseUid: request.evse_uid, connectorId: request.connector_id }))) {
        return answer('REJECTED', `Unknown connector ${request.connector_id}`);
      }
    }
  }
  if (command === 'STOP_SESSION') {
    const session = request.session_id ? await app.services.ownSessions.get(caller.party, request.session_id) : null;
    // Another eMSP's session gets the very answer of an unknown one: session ids are not revealed.
    const own = session && ciEquals(session.cdr_token.country_code, caller.requester.countryCode) && ciEquals(session.cdr_token.party_id, caller.requester.partyId);
    if (!own) return answer('UNKNOWN_SESSION', `Unknown session ${request.session_id}`);
  }
  // Reservation ids are the requesting eMSP's own (08-commands §6.2): another eMSP's id is unknown here.
  const scope = request.reservation_id
    ? { partyKey: owner[0], requesterKey: partyKey(caller.requester.countryCode, caller.requester.partyId), reservationId: String(request.reservation_id) }
    : null;
  const toCancel = command === 'CANCEL_RESERVATION' && scope ? await reservations.find(app.db, scope) : null;
  if (command === 'CANCEL_RESERVATION' && !toCancel) return answer('REJECTED', `Unknown reservation ${request.reservation_id}`);
  const party = await app.parties.find(caller.party.countryCode, caller.party.partyId);
  const backend = party ? await app.parties.backendOf(caller.party.countryCode, caller.party.partyId) : null;
  if (!backend) return answer('NOT_SUPPORTED', 'This operator has no backend connected for remote commands');
  const refusal = await backendRefusal(app, backend, caller.party, command, request as unknown as Record<string, unknown>);
  if (refusal) return answer('REJECTED', refusal);

  const { record, reservation } = await app.db.$transaction(async (tx) => {
    // Only a forwarded RESERVE_NOW makes (or replaces) a reservation; refused ones leave no trace.
    // RESERVE_NOW and CANCEL_RESERVATION always carry a reservation_id (their schemas require it).
    const reservation =
      command === 'RESERVE_NOW' && scope && request.location_id && request.expiry_date
        ? await reservations.reserve(tx, scope, request.location_id, new Date(request.expiry_date))
        : toCancel
          ? { id: toCancel }
          : null;
    const record = await tx.cpoCommand.create({
      data: {
        id: crypto.randomUUID(),
        partyKey: owner[0],
        peerId: caller.peerId,
        requesterCountry: caller.requester.countryCode,
        requesterParty: caller.requester.partyId,
        command,
        request: request as Prisma.InputJsonValue,
        responseUrl: request.response_url,
        status: 'FORWARDED',
        deadlineAt: new Date(Date.now() + timeout * 1000),
      },
    });
    return { record, reservation };
  });
  // The backend sees our id in place of the eMSP's, so it cannot mix up two eMSPs' reservations.
  const forwarded = reservation ? { ...request, reservation_id: reservation.id } : request;
  const reservationInfo = reservation ? { ...reservation, emspReservationId: String(request.reservation_id) } : undefined;
  // After the answer: the eMSP must not wait for the charge point.
  setImmediate(() => {
    forwardToBackend(app, backend, {
      id: record.id,
      party: caller.party,
      requester: caller.requester,
      reservation: reservationInfo,
      command,
      request: forwarded,
      deadlineAt: record.deadlineAt,
    }).catch((e: Error) => {
      app.log.warn({ command_id: record.id, err: e.message }, 'backend refused or missed a command');
      void answerCommand(app, caller.party, record.id, { result: 'FAILED', message: [{ language: 'en', text: 'The operator backend could not be reached' }] }).catch(
        () => undefined,
      );
    });
  });
  return answer('ACCEPTED');
}

/** The backend's (or the sweep's) answer: stored, and queued for the eMSP's response_url. */
export async function answerCommand(app: AppContext, party: PartyRef, commandId: string, result: CommandResult) {
  const key = partyKey(party.countryCode, party.partyId);
  return app.db.$transaction(async (tx) => {
    const record = await tx.cpoCommand.findFirst({ where: { id: commandId, partyKey: key } });
    if (!record) throw new DomainError('not_found', `Unknown command ${commandId}`);
    // A reservation may be cancelled by the CPO long after it was accepted (08-commands §6.2).
    const lateCancel = record.command === 'RESERVE_NOW' && result.result === 'CANCELED_RESERVATION' && record.result === 'ACCEPTED';
    if (record.status !== 'FORWARDED' && !lateCancel) throw new DomainError('conflict', `Command ${commandId} was already answered (${record.result})`);
    const updated = await tx.cpoCommand.update({
      where: { id: commandId },
      data: { status: result.result === 'TIMEOUT' ? 'TIMEOUT' : 'ANSWERED', result: result.result, message: result.message ?? undefined, answeredAt: new Date() },
    });
    const now = Date.now();
    await app.outbox.enqueue(tx, [
      {
        peerId: record.peerId,
        objectKey: `commands:${record.id}:${result.result}`,
        kind: 'CALLBACK',
        module: 'commands',
        method: 'POST',
        target: { url: record.responseUrl },
        body: { result: result.result, ...(result.message?.length ? { message: result.message } : {}) },
        fullVersion: true,
        from: party,
        to: { countryCode: record.requesterCountry, partyId: record.requesterParty },
        // Worth delivering only while the eMSP still waits: the command's own timeout (a
        // TIMEOUT or late cancellation gets one more timeout's worth).
        deadlineAt: lateCancel || result.result === 'TIMEOUT' ? new Date(now + app.config.COMMAND_TIMEOUT_SECONDS * 1000) : record.deadlineAt,
      },
    ]);
    return updated;
  });
}

/** Commands whose backend did not answer in time get a TIMEOUT result. */
export async function expireCommands(app: AppContext): Promise<number> {
  const overdue = await app.db.cpoCommand.findMany({ where: { status: 'FORWARDED', deadlineAt: { lt: new Date() } }, take: 500 });
  let n = 0;
  for (const c of overdue) {
    const [countryCode, partyId] = [c.partyKey.slice(0, 2), c.partyKey.slice(2)];
    await answerCommand(app, { countryCode, partyId }, c.id, { result: 'TIMEOUT', message: [{ language: 'en', text: 'The charge point did not answer in time' }] })
      .then(() => n++)
      .catch(() => undefined);
  }
  return n;
}
