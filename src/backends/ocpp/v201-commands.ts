/**
 * OCPI commands and charging profile requests as OCPP 2.0.1 calls: RequestStart/StopTransaction,
 * ReserveNow, CancelReservation, UnlockConnector, and SetChargingProfile / ClearChargingProfile /
 * GetCompositeSchedule through profiles.ts. Each station answer becomes the OCPI result.
 */
import type { CdrToken } from '../../model/cdr.js';
import type { CommandResult } from '../../model/command.js';
import type { ForwardedCommand } from '../adapter.js';
import type { ChargePointLink, CommandTarget } from './link.js';
import { type ConnectorMap, ID_TOKEN_TYPE_201, connectorNumberOf } from './mapping.js';
import { type CompositeSchedule, type ProfileCalls, runProfileRequest } from './profiles.js';
import { dropReservation, ocppReservationId, saveReservation } from './reservations.js';
import { locationOf, recordRemoteStart } from './transactions.js';

type Result = CommandResult['result'];

const RESERVE_RESULTS: Record<string, Result> = {
  Accepted: 'ACCEPTED',
  Occupied: 'EVSE_OCCUPIED',
  Faulted: 'EVSE_INOPERATIVE',
  Unavailable: 'EVSE_INOPERATIVE',
  Rejected: 'REJECTED',
};

/** A station that cannot unlock says why: a transaction still holds the cable, or no such connector. */
const UNLOCK_RESULTS: Record<string, Result> = {
  Unlocked: 'ACCEPTED',
  UnlockFailed: 'FAILED',
  OngoingAuthorizedTransaction: 'REJECTED',
  UnknownConnector: 'REJECTED',
};

const idTokenOf = (token: Pick<CdrToken, 'uid' | 'type'>) => ({ idToken: token.uid, type: ID_TOKEN_TYPE_201[token.type] ?? 'Central' });

/** Smart charging in 2.0.1 words: the TxProfile on EVSE n, one schedule whose id is the profile's. */
const profileCalls201 = (rpc: ChargePointLink['rpc']): ProfileCalls => ({
  set: async (target, tx, profileId, schedule) => {
    const { kind, ...chargingSchedule } = schedule;
    const chargingProfile = {
      id: profileId,
      stackLevel: 0,
      chargingProfilePurpose: 'TxProfile',
      chargingProfileKind: kind,
      chargingSchedule: [{ id: profileId, ...chargingSchedule }],
      transactionId: tx.transactionId,
    };
    return ((await rpc.call('SetChargingProfile', { evseId: target.n, chargingProfile })) as { status: string }).status;
  },
  clear: async (_target, profileId) => ((await rpc.call('ClearChargingProfile', { chargingProfileId: profileId })) as { status: string }).status,
  composite: async (target, duration, unit) => {
    const conf = (await rpc.call('GetCompositeSchedule', { evseId: target.n, duration, ...(unit ? { chargingRateUnit: unit } : {}) })) as {
      status: string;
      schedule?: CompositeSchedule & { evseId: number };
    };
    if (conf.status !== 'Accepted' || !conf.schedule) return null;
    const { evseId: _evse, ...schedule } = conf.schedule;
    return schedule;
  },
});

export async function command201(link: ChargePointLink, cmd: ForwardedCommand, target: CommandTarget | null): Promise<void> {
  const { app, cp, rpc } = link;
  const answer = (result: Result, text?: string) =>
    app.services.cpoBackendPort.answerCommand(cmd.party, cmd.id, { result, ...(text ? { message: [{ language: 'en', text }] } : {}) });
  const call = async (method: string, params: object): Promise<{ status: string } | null> => {
    try {
      return (await rpc.call(method, params)) as { status: string };
    } catch (e) {
      await answer('FAILED', `The charge point did not carry out the call: ${(e as Error).message}`);
      return null;
    }
  };
  const said = (status: string) => `The charge point answered ${status}`;
  switch (cmd.command) {
    case 'START_SESSION': {
      if (!target) return void (await answer('REJECTED', 'No OCPP connector for this EVSE'));
      const req = cmd.request as { location_id: string; token: CdrToken; authorization_reference?: string | null };
      // Recorded first: the station may send its TransactionEvent before its answer reaches us.
      // The row's number is the remoteStartId the event will carry.
      const pending = await recordRemoteStart(app, cp, {
        ocppConnector: target.n,
        idTag: req.token.uid,
        ref: target,
        locationId: req.location_id,
        token: { country_code: req.token.country_code, party_id: req.token.party_id, uid: req.token.uid, type: req.token.type, contract_id: req.token.contract_id },
        authorizationReference: req.authorization_reference,
        commandId: cmd.id,
      });
      const conf = await call('RequestStartTransaction', { remoteStartId: pending.txNumber, idToken: idTokenOf(req.token), evseId: target.n });
      if (conf?.status !== 'Accepted') await app.db.ocppTransaction.deleteMany({ where: { id: pending.id, status: 'PENDING' } });
      if (!conf) return;
      return void (await answer(conf.status === 'Accepted' ? 'ACCEPTED' : 'REJECTED', conf.status === 'Accepted' ? undefined : said(conf.status)));
    }
    case 'STOP_SESSION': {
      const tx = await app.db.ocppTransaction.findFirst({
        where: { partyKey: cp.partyKey, chargePointKey: cp.idKey, status: 'ACTIVE', sessionId: { equals: String(cmd.request.session_id), mode: 'insensitive' } },
      });
      if (!tx?.transactionId) return void (await answer('REJECTED', 'This session is not running on the charge point'));
      const conf = await call('RequestStopTransaction', { transactionId: tx.transactionId });
      if (!conf) return;
      return void (await answer(conf.status === 'Accepted' ? 'ACCEPTED' : 'REJECTED', conf.status === 'Accepted' ? undefined : said(conf.status)));
    }
    case 'RESERVE_NOW': {
      const req = cmd.request as {
        location_id: string;
        evse_uid?: string | null;
        connector_id?: string | null;
        token: CdrToken;
        expiry_date: string;
        authorization_reference?: string | null;
      };
      const id = ocppReservationId(cmd.request.reservation_id);
      if (id === null) return void (await answer('REJECTED', 'The reservation id does not fit OCPP'));
      if (!target) return void (await answer('REJECTED', 'No OCPP connector for this EVSE'));
      // Without an EVSE the station picks one when the driver arrives.
      const conf = await call('ReserveNow', { id, expiryDateTime: req.expiry_date, idToken: idTokenOf(req.token), ...(req.evse_uid ? { evseId: target.n } : {}) });
      if (!conf) return;
      if (conf.status === 'Accepted') {
        await saveReservation(app, cp, {
          reservationId: BigInt(id),
          ocppConnector: target.n,
          locationId: req.location_id,
          evseUid: req.evse_uid ?? null,
          connectorId: req.connector_id ?? null,
          idTag: req.token.uid,
          token: { country_code: req.token.country_code, party_id: req.token.party_id, uid: req.token.uid, type: req.token.type, contract_id: req.token.contract_id },
          authorizationReference: req.authorization_reference,
          commandId: cmd.id,
          expiryDate: new Date(req.expiry_date),
        });
      }
      const result = RESERVE_RESULTS[conf.status] ?? 'REJECTED';
      return void (await answer(result, result === 'ACCEPTED' ? undefined : said(conf.status)));
    }
    case 'CANCEL_RESERVATION': {
      const id = ocppReservationId(cmd.request.reservation_id);
      if (id === null) return void (await answer('UNKNOWN_RESERVATION', 'The reservation id does not fit OCPP'));
      const conf = await call('CancelReservation', { reservationId: id });
      if (!conf) return;
      // The station rejects a cancel only for a reservation it does not hold.
      if (conf.status === 'Accepted') await dropReservation(app, BigInt(id));
      return void (await answer(conf.status === 'Accepted' ? 'ACCEPTED' : 'UNKNOWN_RESERVATION', conf.status === 'Accepted' ? undefined : said(conf.status)));
    }
    case 'UNLOCK_CONNECTOR': {
      if (!target) return void (await answer('REJECTED', 'No OCPP connector for this EVSE'));
      const location = await locationOf(app, cp);
      const connectorId = location ? connectorNumberOf(location, cp.connectors as ConnectorMap | null, target.n, String(cmd.request.connector_id ?? target.connectorId)) : 1;
      const conf = await call('UnlockConnector', { evseId: target.n, connectorId });
      if (!conf) return;
      const result = UNLOCK_RESULTS[conf.status] ?? 'FAILED';
      return void (await answer(result, result === 'ACCEPTED' ? undefined : said(conf.status)));
    }
    case 'SET_CHARGING_PROFILE':
    case 'CLEAR_PROFILE':
    case 'GET_ACTIVE_CHARGING_PROFILE':
      return runProfileRequest(link, cmd, target, profileCalls201(rpc));
    default:
      return void (await answer('NOT_SUPPORTED', `${cmd.command} is not carried over OCPP 2.0.1`));
  }
}
