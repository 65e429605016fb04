/**
 * OCPP 2.0.1: what a charging station calls (boot, heartbeat, status per EVSE and connector,
 * authorize with typed id tokens, TransactionEvent Started/Updated/Ended, meter values with
 * signed readings) on top of the version-neutral transactions.ts; the calls we make for OCPI
 * commands and charging profiles are v201-commands.ts's. Payloads arrive schema-checked by
 * ocpp-rpc's strict mode; the tables are mapping.ts's.
 */
import { createRPCError } from 'ocpp-rpc';
import { markConnection, noteSeen } from './charge-points.js';
import type { ChargePointLink, OcppVersion } from './link.js';
import { AUTHORIZATION_201, type ConnectorMap, STATUS_201, TOKEN_TYPE_201, allEvsesOf, evseConnectorOf, meterStateOf201 } from './mapping.js';
import { consumeReservation, reservationEnded } from './reservations.js';
import { statusQueueOf } from './status-queue.js';
import {
  type MeterSample,
  type TransactionRow,
  activeOnConnector,
  applySamples,
  applyState,
  findTransaction,
  locationOf,
  startTransaction,
  stopTransaction,
} from './transactions.js';
import { command201 } from './v201-commands.js';

interface SampledValue201 {
  value: number;
  context?: string;
  measurand?: string;
  phase?: string;
  signedMeterValue?: { signedMeterData: string; signingMethod: string; encodingMethod: string; publicKey: string };
  unitOfMeasure?: { unit?: string; multiplier?: number };
}
interface MeterValue201 {
  timestamp: string;
  sampledValue: SampledValue201[];
}
interface IdToken201 {
  idToken: string;
  type: string;
}
interface TransactionEvent201 {
  eventType: 'Started' | 'Updated' | 'Ended';
  timestamp: string;
  triggerReason: string;
  seqNo: number;
  offline?: boolean;
  reservationId?: number;
  transactionInfo: { transactionId: string; chargingState?: string; stoppedReason?: string; remoteStartId?: number };
  evse?: { id: number; connectorId?: number };
  idToken?: IdToken201;
  meterValue?: MeterValue201[];
}

const now = () => new Date().toISOString();

/**
 * 2.0.1 signs readings as `signedMeterData`, Base64 of what the meter produced; some stations
 * send the OCMF text itself. Either way the OCMF text is what the CDR carries.
 */
export function signedTextOf(data: string): string {
  if (data.startsWith('OCMF|')) return data;
  const decoded = Buffer.from(data, 'base64').toString('utf8');
  return decoded.startsWith('OCMF|') ? decoded : data;
}

/** Each MeterValue as one sample: the total import register, total active power, signed readings with the meter's key. */
export function samplesOf201(values: MeterValue201[] | undefined): MeterSample[] {
  return (values ?? []).map((mv) => {
    const sample: MeterSample = { at: new Date(mv.timestamp) };
    for (const sv of mv.sampledValue) {
      if (sv.signedMeterValue) {
        const { signedMeterData, publicKey } = sv.signedMeterValue;
        sample.signed = [...(sample.signed ?? []), { value: signedTextOf(signedMeterData), context: sv.context, ...(publicKey ? { publicKey } : {}) }];
      }
      // Per-phase values would add up to the total we read from the phase-less value.
      if (sv.phase || !Number.isFinite(sv.value)) continue;
      const measurand = sv.measurand ?? 'Energy.Active.Import.Register';
      const unit = sv.unitOfMeasure?.unit ?? (measurand.startsWith('Power') ? 'W' : 'Wh');
      const scaled = sv.value * 10 ** (sv.unitOfMeasure?.multiplier ?? 0);
      if (measurand === 'Energy.Active.Import.Register') sample.energyWh = unit === 'kWh' ? scaled * 1000 : scaled;
      else if (measurand === 'Power.Active.Import') sample.powerW = unit === 'kW' ? scaled * 1000 : scaled;
    }
    return sample;
  });
}

function attach(link: ChargePointLink): void {
  const { app, cp, rpc } = link;
  let seenAt = 0;
  const seen = () => {
    if (Date.now() - seenAt < 60_000) return;
    seenAt = Date.now();
    noteSeen(app, cp);
  };
  // Events of one transaction run one at a time, in the order they arrived; exact repeats (same
  // seqNo, re-sent after a lost answer) are answered without running again.
  const queues = new Map<string, Promise<unknown>>();
  const handled = new Map<string, Map<number, Record<string, unknown>>>();
  const serial = <T>(key: string, run: () => Promise<T>): Promise<T> => {
    const next = (queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(run);
    queues.set(key, next);
    void next.finally(() => queues.get(key) === next && queues.delete(key)).catch(() => undefined);
    return next;
  };

  rpc.handle('BootNotification', async ({ params }) => {
    const { chargingStation: s } = params as { chargingStation: { vendorName: string; model: string; serialNumber?: string; firmwareVersion?: string } };
    await markConnection(app, cp, { boot: { vendor: s.vendorName, model: s.model, serial: s.serialNumber, firmware: s.firmwareVersion } });
    seenAt = Date.now();
    return { status: 'Accepted', currentTime: now(), interval: app.config.OCPP_HEARTBEAT_INTERVAL_SECONDS };
  });

  rpc.handle('Heartbeat', async () => {
    seen();
    return { currentTime: now() };
  });

  rpc.handle('StatusNotification', async ({ params }) => {
    const p = params as { evseId: number; connectorId: number; connectorStatus: string; timestamp: string };
    seen();
    const status = STATUS_201[p.connectorStatus];
    if (!status) return {};
    // EVSE 0 is the station: only its going out of service concerns every EVSE.
    const outOfService = status === 'INOPERATIVE' || status === 'OUTOFORDER';
    const location = p.evseId === 0 && outOfService ? await locationOf(app, cp) : null;
    const numbers = p.evseId === 0 ? (location ? allEvsesOf(location, cp.connectors as ConnectorMap | null).map((r) => r.n) : []) : [p.evseId];
    // A station marks the other connectors of an EVSE in use Unavailable: that is not the EVSE's state.
    if (p.evseId > 0 && status === 'INOPERATIVE' && (await activeOnConnector(app, cp, p.evseId))) return {};
    // Answered once queued (status-queue.ts): the write does not hold up the station.
    for (const n of numbers) {
      if (!statusQueueOf(app).offer({ cp, n, status })) throw createRPCError('InternalError', 'Too many status changes waiting: send it again later');
    }
    return {};
  });

  rpc.handle('Authorize', async ({ params }) => {
    const { idToken } = params as { idToken: IdToken201 };
    const type = TOKEN_TYPE_201[idToken.type];
    if (!type) return { idTokenInfo: { status: 'Invalid' } };
    const verdict = await app.services.cpoBackendPort.authorizeToken(cp.party, { uid: idToken.idToken, type, location: { location_id: cp.locationId } });
    // 2.0.1 tells an unknown token from a refused one.
    const status = verdict.allowed === 'NOT_ALLOWED' && !verdict.token ? 'Unknown' : (AUTHORIZATION_201[verdict.allowed] ?? 'Invalid');
    return { idTokenInfo: { status } };
  });

  rpc.handle('TransactionEvent', async ({ params }) => {
    const p = params as TransactionEvent201;
    const key = p.transactionInfo.transactionId;
    return serial(key, async () => {
      const repeat = handled.get(key)?.get(p.seqNo);
      if (repeat) return repeat;
      const answer = await transactionEvent(link, p);
      const byTx = handled.get(key) ?? new Map<number, Record<string, unknown>>();
      byTx.set(p.seqNo, answer);
      handled.set(key, byTx);
      if (p.eventType === 'Ended') setTimeout(() => handled.delete(key), 10 * 60_000).unref();
      return answer;
    });
  });

  rpc.handle('MeterValues', async ({ params }) => {
    const p = params as { evseId: number; meterValue: MeterValue201[] };
    seen();
    const tx = await activeOnConnector(app, cp, p.evseId);
    if (tx) await serial(tx.transactionId ?? tx.id, () => applySamples(app, cp, tx, samplesOf201(p.meterValue)));
    return {};
  });

  rpc.handle('ReservationStatusUpdate', async ({ params }) => {
    // Expired or Removed: the station no longer holds it, a start cannot use it any more, and
    // the EVSE it held is free again (unless something else has happened there since).
    const { reservationId, reservationUpdateStatus } = params as { reservationId: number; reservationUpdateStatus: string };
    const row = await reservationEnded(app, cp, reservationId, reservationUpdateStatus);
    if (row?.evseUid && row.ocppConnector > 0) statusQueueOf(app).offer({ cp, n: row.ocppConnector, status: 'AVAILABLE', onlyFrom: 'RESERVED' });
    return {};
  });

  rpc.handle('DataTransfer', async () => ({ status: 'UnknownVendorId' }));
  for (const ack of ['NotifyEvent', 'SecurityEventNotification', 'FirmwareStatusNotification', 'LogStatusNotification', 'NotifyReport']) rpc.handle(ack, async () => ({}));
}

/** How the station is told about the token of an event: only when the event carries one. */
function tokenInfo(p: TransactionEvent201, status: string): Record<string, unknown> {
  return p.idToken ? { idTokenInfo: { status } } : {};
}

/**
 * One TransactionEvent. The first event that names a token (or answers our remote start) opens
 * the transaction and its session; a station may start one on plug-in and authorize it later,
 * and events before that carry nothing to bill. Updated events meter it, Ended closes it and
 * prices the CDR. Events a station queued while offline arrive late with `offline: true`: the
 * session keeps their timestamps and is billed like any other.
 */
async function transactionEvent(link: ChargePointLink, p: TransactionEvent201): Promise<Record<string, unknown>> {
  const { app, cp } = link;
  const at = new Date(p.timestamp);
  const samples = samplesOf201(p.meterValue);
  const transactionId = p.transactionInfo.transactionId;
  let row: TransactionRow | null = await findTransaction(app, cp, transactionId);
  // The stored seqNo makes a repeat recognisable on any connection: re-sent after a lost answer
  // (or older than one applied), it is answered and not applied again.
  if (row?.seqNo != null) {
    if (p.seqNo <= row.seqNo) return tokenInfo(p, row.status === 'REFUSED' ? 'Invalid' : 'Accepted');
    if (p.seqNo > row.seqNo + 1) {
      app.log.warn(
        { charge_point: cp.chargePointId, transaction_id: transactionId, expected_seq_no: row.seqNo + 1, seq_no: p.seqNo },
        'OCPP TransactionEvent seqNo gap: events of this transaction are missing',
      );
    }
  }
  let allowed = 'ALLOWED';
  if (!row) {
    const remoteStartId = p.transactionInfo.remoteStartId;
    const pending =
      remoteStartId === undefined
        ? null
        : await app.db.ocppTransaction.findFirst({ where: { partyKey: cp.partyKey, chargePointKey: cp.idKey, status: 'PENDING', txNumber: remoteStartId } });
    const idTag = p.idToken?.idToken ?? pending?.idTag;
    const tokenType = p.idToken ? TOKEN_TYPE_201[p.idToken.type] : 'RFID';
    if (!idTag || (!pending && !tokenType)) return tokenInfo(p, 'Invalid');
    const n = p.evse?.id ?? pending?.ocppConnector ?? 0;
    const location = await locationOf(app, cp);
    const ref = location ? evseConnectorOf(location, cp.connectors as ConnectorMap | null, n, p.evse?.connectorId) : null;
    if (p.reservationId !== undefined && !pending) await consumeReservation(app, cp, p.reservationId, { ocppConnector: n, idTag });
    // The register at the start: the first reading the starting event carries, else the first that comes.
    const meterStartWh = p.eventType === 'Started' ? (samples.find((s) => s.energyWh !== undefined)?.energyWh ?? null) : null;
    const outcome = await startTransaction(app, cp, {
      ocppConnector: n,
      idTag,
      meterStartWh,
      at,
      transactionId,
      ...(pending ? { remoteStartId: pending.txNumber } : {}),
      tokenType: tokenType ?? 'RFID',
      ref,
      offline: p.offline === true,
    });
    row = outcome.row;
    allowed = outcome.allowed;
  } else if (row.status === 'REFUSED') {
    allowed = 'NOT_ALLOWED';
  }
  if (row.status === 'ACTIVE') {
    const state = meterStateOf201(p.transactionInfo.chargingState);
    if (state) await applyState(app, row, state, at);
    const current = (await findTransaction(app, cp, transactionId)) ?? row;
    if (p.eventType === 'Ended') await stopTransaction(app, cp, current, { at, samples });
    else if (samples.length) await applySamples(app, cp, current, samples);
  }
  await app.db.ocppTransaction.updateMany({ where: { id: row.id, OR: [{ seqNo: null }, { seqNo: { lt: p.seqNo } }] }, data: { seqNo: p.seqNo } });
  return tokenInfo(p, AUTHORIZATION_201[allowed] ?? 'Invalid');
}

export const ocpp201: OcppVersion = { protocol: 'ocpp2.0.1', attach, command: command201 };
