/**
 * OCPP 1.6J (Core profile, phase 1): what a charge point calls (boot, heartbeat, status,
 * authorize, transactions, meter values) and the calls we make for OCPI commands (remote start
 * and stop). Payloads arrive schema-checked by ocpp-rpc's strict mode; the tables are mapping.ts's.
 */
import { createRPCError } from 'ocpp-rpc';
import type { CdrToken } from '../../model/cdr.js';
import type { CommandResult } from '../../model/command.js';
import type { ForwardedCommand } from '../adapter.js';
import { markConnection, noteSeen } from './charge-points.js';
import type { ChargePointLink, CommandTarget, OcppVersion } from './link.js';
import { AUTHORIZATION_16, type ConnectorMap, STATUS_16, allEvsesOf, meterStateOf16 } from './mapping.js';
import { type CompositeSchedule, type ProfileCalls, runProfileRequest } from './profiles.js';
import { consumeReservation, reservationLeft } from './reservations.js';
import { statusQueueOf } from './status-queue.js';
import { cancelReservation16, reserveNow16, unlockConnector16 } from './v16-reservations.js';
import {
  type MeterSample,
  activeOnConnector,
  applySamples,
  applyState,
  findTransaction,
  locationOf,
  recordRemoteStart,
  startTransaction,
  stopTransaction,
} from './transactions.js';

interface SampledValue16 {
  value: string;
  context?: string;
  format?: 'Raw' | 'SignedData';
  measurand?: string;
  phase?: string;
  unit?: string;
}
interface MeterValue16 {
  timestamp: string;
  sampledValue: SampledValue16[];
}

const now = () => new Date().toISOString();

/** Timeline states a connection may have waiting before its next status waits for them. */
const MAX_STATES_BEHIND = 8;
/** Tries of a timeline state before it is logged as not applied. */
const STATE_ATTEMPTS = 3;

/** Each MeterValue as one sample: the total import register, total active power, and signed readings. */
export function samplesOf16(values: MeterValue16[] | undefined): MeterSample[] {
  return (values ?? []).map((mv) => {
    const sample: MeterSample = { at: new Date(mv.timestamp) };
    for (const sv of mv.sampledValue) {
      if (sv.format === 'SignedData') {
        sample.signed = [...(sample.signed ?? []), { value: sv.value, context: sv.context }];
        continue;
      }
      // Per-phase values would add up to the total we read from the phase-less value.
      if (sv.phase) continue;
      const measurand = sv.measurand ?? 'Energy.Active.Import.Register';
      const number = Number(sv.value);
      if (!Number.isFinite(number)) continue;
      if (measurand === 'Energy.Active.Import.Register') sample.energyWh = sv.unit === 'kWh' ? number * 1000 : number;
      else if (measurand === 'Power.Active.Import') sample.powerW = sv.unit === 'kW' ? number * 1000 : number;
    }
    return sample;
  });
}

/** 1.6 idTag is CiString20: a longer OCPI uid is cut (the pending remote start remembers the whole token). */
const idTagOf = (uid: string) => uid.slice(0, 20);

function attach(link: ChargePointLink): void {
  const { app, cp, rpc } = link;
  // Last seen is for operators: one write a minute is enough, not one per message.
  let seenAt = 0;
  const seen = () => {
    if (Date.now() - seenAt < 60_000) return;
    seenAt = Date.now();
    noteSeen(app, cp);
  };

  // Connectors with an ACTIVE transaction, read once and again after each start or stop: a
  // charge point's transactions change only through its own messages, so most statuses need no
  // database read before their answer.
  let activeConnectors: Promise<Set<number>> | null = null;
  const activeOn = async (n: number) => {
    activeConnectors ??= app.db.ocppTransaction
      .findMany({ where: { partyKey: cp.partyKey, chargePointKey: cp.idKey, status: 'ACTIVE' }, select: { ocppConnector: true } })
      .then((rows) => new Set(rows.map((r) => r.ocppConnector)));
    const known = activeConnectors;
    const active = await known.catch((e: Error) => {
      if (activeConnectors === known) activeConnectors = null;
      throw e;
    });
    return active.has(n) ? activeOnConnector(app, cp, n) : null;
  };

  // Timeline states of a status, applied after its answer but in order with this connection's
  // transaction messages (each of those waits for them first), so a StopTransaction prices the
  // states the charge point reported before it. Past MAX_STATES_BEHIND a status waits too.
  let states: Promise<void> = Promise.resolve();
  let statesBehind = 0;
  const afterStates = () => states;
  const queueState = (n: number, state: 'CHARGING' | 'PARKING', at: Date) => {
    statesBehind++;
    states = states
      .then(async () => {
        // The answer has gone: a busy database is tried again here (the charge point will not).
        for (let attempt = 1; ; attempt++) {
          try {
            const tx = await activeOn(n);
            if (tx) await applyState(app, tx, state, at);
            return;
          } catch (e) {
            if (attempt >= STATE_ATTEMPTS) throw e;
            await new Promise((r) => setTimeout(r, 500 * attempt));
          }
        }
      })
      .catch((e: Error) => app.log.warn({ charge_point: cp.chargePointId, connector: n, state, err: e.message }, 'OCPP timeline state not applied'))
      .finally(() => {
        statesBehind--;
      });
    return statesBehind > MAX_STATES_BEHIND ? states : Promise.resolve();
  };

  rpc.handle('BootNotification', async ({ params }) => {
    const p = params as Record<string, string | undefined>;
    const boot = {
      vendor: p.chargePointVendor,
      model: p.chargePointModel,
      serial: p.chargePointSerialNumber ?? p.chargeBoxSerialNumber,
      firmware: p.firmwareVersion,
    };
    await markConnection(app, cp, { boot });
    seenAt = Date.now();
    return { status: 'Accepted', currentTime: now(), interval: app.config.OCPP_HEARTBEAT_INTERVAL_SECONDS };
  });

  rpc.handle('Heartbeat', async () => {
    seen();
    return { currentTime: now() };
  });

  rpc.handle('StatusNotification', async ({ params }) => {
    const p = params as { connectorId: number; status: string; timestamp?: string };
    const received = new Date();
    seen();
    const at = p.timestamp ? new Date(p.timestamp) : received;
    const status = STATUS_16[p.status];
    if (!status) return {};
    // Connector 0 is the charge point itself: only its going out of service concerns every EVSE.
    const outOfService = p.status === 'Unavailable' || p.status === 'Faulted';
    const location = p.connectorId === 0 && outOfService ? await locationOf(app, cp) : null;
    const numbers = p.connectorId === 0 ? (location ? allEvsesOf(location, cp.connectors as ConnectorMap | null).map((r) => r.n) : []) : [p.connectorId];
    // Answered once queued (status-queue.ts): the write does not hold up the charge point.
    for (const n of numbers) {
      const after = status === 'AVAILABLE' ? (before: string | undefined) => (before === 'RESERVED' ? reservationLeft(app, cp, n, received) : Promise.resolve()) : undefined;
      if (!statusQueueOf(app).offer({ cp, n, status, ...(after ? { after } : {}) })) throw createRPCError('InternalError', 'Too many status changes waiting: send it again later');
    }
    const state = meterStateOf16(p.status);
    if (state && p.connectorId > 0) await queueState(p.connectorId, state, at);
    return {};
  });

  rpc.handle('Authorize', async ({ params }) => {
    const { idTag } = params as { idTag: string };
    const verdict = await app.services.cpoBackendPort.authorizeToken(cp.party, { uid: idTag, type: 'RFID', location: { location_id: cp.locationId } });
    return { idTagInfo: { status: AUTHORIZATION_16[verdict.allowed] ?? 'Invalid' } };
  });

  rpc.handle('StartTransaction', async ({ params }) => {
    const p = params as { connectorId: number; idTag: string; meterStart: number; timestamp: string; reservationId?: number };
    await afterStates();
    if (p.reservationId !== undefined) await consumeReservation(app, cp, p.reservationId, { ocppConnector: p.connectorId, idTag: p.idTag });
    activeConnectors = null;
    const { row, allowed } = await startTransaction(app, cp, { ocppConnector: p.connectorId, idTag: p.idTag, meterStartWh: p.meterStart, at: new Date(p.timestamp) });
    activeConnectors = null;
    return { transactionId: row.txNumber, idTagInfo: { status: AUTHORIZATION_16[allowed] ?? 'Invalid' } };
  });

  rpc.handle('MeterValues', async ({ params }) => {
    const p = params as { connectorId: number; transactionId?: number; meterValue: MeterValue16[] };
    seen();
    await afterStates();
    const tx = p.transactionId !== undefined ? await findTransaction(app, cp, String(p.transactionId)) : await activeOnConnector(app, cp, p.connectorId);
    if (tx) await applySamples(app, cp, tx, samplesOf16(p.meterValue));
    return {};
  });

  rpc.handle('StopTransaction', async ({ params }) => {
    const p = params as { transactionId: number; idTag?: string; meterStop: number; timestamp: string; transactionData?: MeterValue16[] };
    await afterStates();
    const tx = await findTransaction(app, cp, String(p.transactionId));
    // An unknown transaction is still acknowledged: refusing would make the charge point resend it forever.
    if (tx) await stopTransaction(app, cp, tx, { meterStopWh: p.meterStop, at: new Date(p.timestamp), samples: samplesOf16(p.transactionData) });
    activeConnectors = null;
    return p.idTag ? { idTagInfo: { status: 'Accepted' } } : {};
  });

  rpc.handle('DataTransfer', async () => ({ status: 'UnknownVendorId' }));
  rpc.handle('DiagnosticsStatusNotification', async () => ({}));
  rpc.handle('FirmwareStatusNotification', async () => ({}));
}

const message = (text: string) => [{ language: 'en', text }];

/** Smart charging in 1.6 words: the TxProfile on connector n, its id the transaction's number. */
const profileCalls16 = (rpc: ChargePointLink['rpc']): ProfileCalls => ({
  set: async (target, tx, profileId, schedule) => {
    const { kind, ...chargingSchedule } = schedule;
    const csChargingProfiles = {
      chargingProfileId: profileId,
      transactionId: Number(tx.transactionId),
      stackLevel: 0,
      chargingProfilePurpose: 'TxProfile',
      chargingProfileKind: kind,
      chargingSchedule,
    };
    return ((await rpc.call('SetChargingProfile', { connectorId: target.n, csChargingProfiles })) as { status: string }).status;
  },
  clear: async (target, profileId) => ((await rpc.call('ClearChargingProfile', { id: profileId, connectorId: target.n })) as { status: string }).status,
  composite: async (target, duration, unit) => {
    const conf = (await rpc.call('GetCompositeSchedule', { connectorId: target.n, duration, ...(unit ? { chargingRateUnit: unit } : {}) })) as {
      status: string;
      scheduleStart?: string;
      chargingSchedule?: Omit<CompositeSchedule, 'scheduleStart'> & { startSchedule?: string };
    };
    if (conf.status !== 'Accepted' || !conf.chargingSchedule) return null;
    const { startSchedule, ...schedule } = conf.chargingSchedule;
    return { ...schedule, scheduleStart: conf.scheduleStart ?? startSchedule ?? new Date().toISOString() };
  },
});

async function command(link: ChargePointLink, cmd: ForwardedCommand, target: CommandTarget | null): Promise<void> {
  const { app, cp, rpc } = link;
  const port = app.services.cpoBackendPort;
  const answer = (result: CommandResult['result'], text?: string) => port.answerCommand(cmd.party, cmd.id, { result, ...(text ? { message: message(text) } : {}) });
  const failed = (e: Error) => answer('FAILED', `The charge point did not carry out the call: ${e.message}`);
  switch (cmd.command) {
    case 'START_SESSION': {
      if (!target) return void (await answer('REJECTED', 'No OCPP connector for this EVSE'));
      const req = cmd.request as { location_id: string; token: CdrToken; authorization_reference?: string | null };
      const idTag = idTagOf(req.token.uid);
      // Recorded first: the charge point may send StartTransaction before its answer reaches us.
      await recordRemoteStart(app, cp, {
        ocppConnector: target.n,
        idTag,
        ref: target,
        locationId: req.location_id,
        token: { country_code: req.token.country_code, party_id: req.token.party_id, uid: req.token.uid, type: req.token.type, contract_id: req.token.contract_id },
        authorizationReference: req.authorization_reference,
        commandId: cmd.id,
      });
      let status: string;
      try {
        status = ((await rpc.call('RemoteStartTransaction', { connectorId: target.n, idTag })) as { status: string }).status;
      } catch (e) {
        await app.db.ocppTransaction.deleteMany({ where: { commandId: cmd.id, status: 'PENDING' } });
        return void (await failed(e as Error));
      }
      if (status !== 'Accepted') await app.db.ocppTransaction.deleteMany({ where: { commandId: cmd.id, status: 'PENDING' } });
      return void (await answer(status === 'Accepted' ? 'ACCEPTED' : 'REJECTED', status === 'Accepted' ? undefined : `The charge point answered ${status}`));
    }
    case 'STOP_SESSION': {
      const tx = await app.db.ocppTransaction.findFirst({
        where: { partyKey: cp.partyKey, chargePointKey: cp.idKey, status: 'ACTIVE', sessionId: { equals: String(cmd.request.session_id), mode: 'insensitive' } },
      });
      if (!tx?.transactionId) return void (await answer('REJECTED', 'This session is not running on the charge point'));
      let status: string;
      try {
        status = ((await rpc.call('RemoteStopTransaction', { transactionId: Number(tx.transactionId) })) as { status: string }).status;
      } catch (e) {
        return void (await failed(e as Error));
      }
      return void (await answer(status === 'Accepted' ? 'ACCEPTED' : 'REJECTED', status === 'Accepted' ? undefined : `The charge point answered ${status}`));
    }
    case 'SET_CHARGING_PROFILE':
    case 'CLEAR_PROFILE':
    case 'GET_ACTIVE_CHARGING_PROFILE':
      return runProfileRequest(link, cmd, target, profileCalls16(rpc));
    case 'RESERVE_NOW':
      return reserveNow16(link, cmd, target);
    case 'CANCEL_RESERVATION':
      return cancelReservation16(link, cmd);
    case 'UNLOCK_CONNECTOR':
      return unlockConnector16(link, cmd, target);
    default:
      return void (await answer('NOT_SUPPORTED', `${cmd.command} is not carried over OCPP 1.6 yet`));
  }
}

export const ocpp16: OcppVersion = { protocol: 'ocpp1.6', attach, command };
