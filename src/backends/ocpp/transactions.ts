/**
 * OCPP transactions as OCPI sessions, whatever the OCPP version: a start opens the session for
 * the token (a remote start's token, or one the platform's real-time authorization allowed),
 * meter samples update its kWh and charging periods and build the meter timeline, and the end
 * completes it and has the tariff engine price the CDR (with the signed meter values). The
 * state lives in ocpp_transaction, so a session survives a restart of the process.
 */
import crypto from 'node:crypto';
import type { AppContext } from '../../context.js';
import type { Prisma } from '../../db/prisma.js';
import type { CdrToken, SignedData, SignedValue } from '../../model/cdr.js';
import { formatDateTime } from '../../model/primitives.js';
import { parseOcmf } from '../../metering/index.js';
import type { ChargePointRecord } from './charge-points.js';
import { type ConnectorMap, type EvseRef, type MappedLocation, evseOf } from './mapping.js';

/** What a charge point reports at one instant. */
export interface MeterSample {
  at: Date;
  /** Energy.Active.Import.Register, Wh. */
  energyWh?: number;
  powerW?: number;
  /** Signed readings (OCMF text) and why each was taken (Transaction.Begin/End, Sample.Periodic...); 2.0.1 adds the meter's key. */
  signed?: Array<{ value: string; context?: string; publicKey?: string }>;
}

interface TimelineEvent {
  at: string;
  state?: 'CHARGING' | 'PARKING';
  meter_kwh?: number;
  power_kw?: number;
}

export type TransactionRow = Prisma.OcppTransactionGetPayload<Record<string, never>>;

const roundKwh = (kwh: number) => Math.round(kwh * 1000) / 1000;

/** How long a remote start the charge point accepted waits for its StartTransaction. */
const PENDING_START_MS = 10 * 60_000;

export async function locationOf(app: AppContext, cp: ChargePointRecord): Promise<(MappedLocation & Record<string, unknown>) | null> {
  return (await app.services.ownLocations.find([cp.partyKey], cp.locationId, { kind: 'location' })) as (MappedLocation & Record<string, unknown>) | null;
}

export async function resolveConnector(app: AppContext, cp: ChargePointRecord, n: number): Promise<EvseRef | null> {
  const location = await locationOf(app, cp);
  return location ? evseOf(location, cp.connectors as ConnectorMap | null, n) : null;
}

/** The currency of the tariff the connector names, else of the party's first tariff. */
async function currencyOf(app: AppContext, cp: ChargePointRecord, ref: EvseRef): Promise<string> {
  const location = (await locationOf(app, cp)) as { evses?: Array<{ uid: string; connectors: Array<{ id: string; tariff_ids?: string[] }> }> } | null;
  const connector = location?.evses?.find((e) => e.uid === ref.evseUid)?.connectors.find((c) => c.id === ref.connectorId);
  const tariffs = await app.services.ownTariffs.store.all(cp.partyKey);
  const named = tariffs.find((t) => connector?.tariff_ids?.some((id) => id.toUpperCase() === t.id.toUpperCase()));
  return (named ?? tariffs[0])?.currency ?? 'EUR';
}

/**
 * A remote start the charge point accepted: its StartTransaction will carry this idTag (1.6), its
 * TransactionEvent the row's txNumber as remoteStartId (2.0.1).
 */
export async function recordRemoteStart(
  app: AppContext,
  cp: ChargePointRecord,
  start: { ocppConnector: number; idTag: string; ref: EvseRef; locationId: string; token: CdrToken; authorizationReference?: string | null; commandId: string },
): Promise<TransactionRow> {
  return app.db.ocppTransaction.create({
    data: {
      id: crypto.randomUUID(),
      partyKey: cp.partyKey,
      chargePointKey: cp.idKey,
      status: 'PENDING',
      ocppConnector: start.ocppConnector,
      idTag: start.idTag,
      locationId: start.locationId,
      evseUid: start.ref.evseUid,
      connectorId: start.ref.connectorId,
      cdrToken: start.token,
      authMethod: 'COMMAND',
      authorizationReference: start.authorizationReference ?? null,
      commandId: start.commandId,
    },
  });
}

export type StartOutcome = { row: TransactionRow; allowed: string };

/**
 * A transaction started. A remote start of ours it answers is COMMAND-authorized; any other
 * token goes through real-time authorization, and one not ALLOWED gets no session (REFUSED: the
 * charge point is told and should stop). A repeated start (same connector, tag and instant: a
 * message re-sent after a lost answer) returns the first.
 */
export async function startTransaction(
  app: AppContext,
  cp: ChargePointRecord,
  start: {
    ocppConnector: number;
    idTag: string;
    /** Null: not reported at the start (2.0.1); the first energy reading becomes it. */
    meterStartWh: number | null;
    at: Date;
    transactionId?: string;
    /** 2.0.1: the pending remote start is found by this id (its txNumber) rather than by idTag. */
    remoteStartId?: number;
    /** The OCPI token type to authorize as (default RFID). */
    tokenType?: string;
    /** 2.0.1 names connector and EVSE itself: where the session is, instead of number -> EVSE. */
    ref?: EvseRef | null;
    /**
     * The transaction already ran while the charge point was offline: a token the platform knows
     * is billed even when it would not be allowed now (the energy was delivered).
     */
    offline?: boolean;
  },
): Promise<StartOutcome> {
  const same = await app.db.ocppTransaction.findFirst({
    where: { partyKey: cp.partyKey, chargePointKey: cp.idKey, ocppConnector: start.ocppConnector, idTag: start.idTag, startedAt: start.at, status: { not: 'PENDING' } },
  });
  if (same) return { row: same, allowed: same.status === 'REFUSED' ? 'NOT_ALLOWED' : 'ALLOWED' };
  const ref = start.ref !== undefined ? start.ref : await resolveConnector(app, cp, start.ocppConnector);
  const pending = await app.db.ocppTransaction.findFirst({
    where: {
      partyKey: cp.partyKey,
      chargePointKey: cp.idKey,
      status: 'PENDING',
      ...(start.remoteStartId !== undefined ? { txNumber: start.remoteStartId } : { idTag: { equals: start.idTag, mode: 'insensitive' as const } }),
      // A remote start the driver never followed up is not what a much later start of the same card means.
      createdAt: { gte: new Date(Date.now() - PENDING_START_MS) },
    },
    orderBy: { createdAt: 'desc' },
  });
  const begun = {
    meterStartWh: start.meterStartWh,
    startedAt: start.at,
    ocppConnector: start.ocppConnector,
    ...(ref ? { evseUid: ref.evseUid, connectorId: ref.connectorId } : {}),
  };
  let row: TransactionRow;
  let allowed = 'ALLOWED';
  if (pending) {
    row = await app.db.ocppTransaction.update({ where: { id: pending.id }, data: { ...begun, status: 'ACTIVE' } });
  } else {
    const verdict = await app.services.cpoBackendPort.authorizeToken(cp.party, {
      uid: start.idTag,
      type: start.tokenType ?? 'RFID',
      location: { location_id: cp.locationId, ...(ref ? { evse_uids: [ref.evseUid] } : {}) },
    });
    allowed = verdict.allowed;
    // Offline, the verdict still goes back to the charge point (its cache learns), but the session is billed.
    const token = verdict.allowed === 'ALLOWED' || start.offline ? verdict.token : undefined;
    row = await app.db.ocppTransaction.create({
      data: {
        id: crypto.randomUUID(),
        partyKey: cp.partyKey,
        chargePointKey: cp.idKey,
        status: token ? 'ACTIVE' : 'REFUSED',
        idTag: start.idTag,
        locationId: cp.locationId,
        evseUid: ref?.evseUid ?? '',
        connectorId: ref?.connectorId ?? '',
        ...begun,
        ...(token
          ? {
              cdrToken: { country_code: token.country_code, party_id: token.party_id, uid: token.uid, type: token.type, contract_id: token.contract_id },
              authMethod: verdict.source === 'PEER' ? 'AUTH_REQUEST' : 'WHITELIST',
              authorizationReference: verdict.authorization_reference ?? null,
            }
          : {}),
      },
    });
    if (!token && allowed === 'ALLOWED') allowed = 'NOT_ALLOWED';
  }
  row = await app.db.ocppTransaction.update({ where: { id: row.id }, data: { transactionId: start.transactionId ?? String(row.txNumber) } });
  if (row.status === 'ACTIVE') {
    if (!ref) {
      app.log.warn({ charge_point: cp.chargePointId, connector: start.ocppConnector }, 'OCPP transaction on a connector that maps to no EVSE: no session');
      row = await app.db.ocppTransaction.update({ where: { id: row.id }, data: { status: 'REFUSED' } });
      return { row, allowed: 'NOT_ALLOWED' };
    }
    row = await openSession(app, cp, row, ref, start.at);
  }
  return { row, allowed };
}

async function openSession(app: AppContext, cp: ChargePointRecord, row: TransactionRow, ref: EvseRef, at: Date): Promise<TransactionRow> {
  const sessionId = crypto.randomUUID();
  const startedAt = formatDateTime(at);
  await app.services.ownSessions.put(cp.party, sessionId, {
    country_code: cp.party.countryCode,
    party_id: cp.party.partyId,
    id: sessionId,
    start_date_time: startedAt,
    kwh: 0,
    cdr_token: row.cdrToken as CdrToken,
    auth_method: (row.authMethod ?? 'WHITELIST') as 'WHITELIST',
    authorization_reference: row.authorizationReference,
    location_id: row.locationId,
    evse_uid: ref.evseUid,
    connector_id: ref.connectorId,
    currency: await currencyOf(app, cp, ref),
    status: 'ACTIVE',
    last_updated: formatDateTime(new Date()),
  });
  const timeline: TimelineEvent[] = [{ at: startedAt, state: 'CHARGING', meter_kwh: 0 }];
  return app.db.ocppTransaction.update({ where: { id: row.id }, data: { sessionId, timeline: timeline as unknown as Prisma.InputJsonValue } });
}

export function findTransaction(app: AppContext, cp: ChargePointRecord, transactionId: string): Promise<TransactionRow | null> {
  return app.db.ocppTransaction.findUnique({ where: { partyKey_chargePointKey_transactionId: { partyKey: cp.partyKey, chargePointKey: cp.idKey, transactionId } } });
}

export function activeOnConnector(app: AppContext, cp: ChargePointRecord, ocppConnector: number): Promise<TransactionRow | null> {
  return app.db.ocppTransaction.findFirst({ where: { partyKey: cp.partyKey, chargePointKey: cp.idKey, ocppConnector, status: 'ACTIVE' }, orderBy: { startedAt: 'desc' } });
}

/** As stored: the OCPI SignedValue, and the meter's public key when the charge point sent one (2.0.1). */
type StoredSignedValue = SignedValue & { public_key?: string };

function signedValueOf(s: { value: string; context?: string; publicKey?: string }): StoredSignedValue | null {
  if (s.value.length > 5000) return null;
  const nature = s.context === 'Transaction.Begin' ? 'Start' : s.context === 'Transaction.End' ? 'End' : 'Intermediate';
  let plain = s.value;
  try {
    plain = parseOcmf(s.value).payloadText;
  } catch {
    // Not OCMF: the value is carried as the charge point sent it, in both fields.
  }
  return { nature, plain_data: plain, signed_data: s.value, ...(s.publicKey ? { public_key: s.publicKey } : {}) };
}

/**
 * Meter samples of an active transaction: the session's kWh (energy since the start) and one
 * charging period per interval between samples, and the timeline the CDR will be priced from.
 */
export async function applySamples(app: AppContext, cp: ChargePointRecord, row: TransactionRow, samples: MeterSample[]): Promise<TransactionRow> {
  if (row.status !== 'ACTIVE' || !row.sessionId) return row;
  // A start that named no register (2.0.1 may not): the first reading is where the session began.
  const meterStartWh = row.meterStartWh ?? [...samples].sort((a, b) => a.at.getTime() - b.at.getTime()).find((s) => s.energyWh !== undefined)?.energyWh;
  const timeline = [...((row.timeline as unknown as TimelineEvent[]) ?? [])];
  const signed = [...((row.signedValues as unknown as SignedValue[]) ?? [])];
  const periods: Array<{ start_date_time: string; dimensions: Array<{ type: string; volume: number }> }> = [];
  let kwh: number | undefined;
  for (const s of [...samples].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    for (const reading of s.signed ?? []) {
      const value = signedValueOf(reading);
      if (value) signed.push(value);
    }
    if (s.energyWh === undefined && s.powerW === undefined) continue;
    const last = [...timeline].reverse().find((e) => e.meter_kwh !== undefined);
    const at = formatDateTime(s.at);
    // A sample older than what we have (re-sent after a reconnect) changes nothing.
    if (last && Date.parse(at) < Date.parse(last.at)) continue;
    const event: TimelineEvent = { at };
    if (s.energyWh !== undefined && meterStartWh !== undefined) event.meter_kwh = Math.max(0, roundKwh((s.energyWh - meterStartWh) / 1000));
    if (s.powerW !== undefined) event.power_kw = s.powerW / 1000;
    timeline.push(event);
    if (event.meter_kwh !== undefined) {
      if (last?.meter_kwh !== undefined && Date.parse(at) > Date.parse(last.at)) {
        // Energy of the interval since the last reading; power samples go to the timeline only.
        periods.push({ start_date_time: last.at, dimensions: [{ type: 'ENERGY', volume: roundKwh(Math.max(0, event.meter_kwh - last.meter_kwh)) }] });
      }
      kwh = event.meter_kwh;
    }
  }
  if (kwh !== undefined || periods.length) {
    await app.services.ownSessions.patch(cp.party, row.sessionId, { ...(kwh === undefined ? {} : { kwh }), ...(periods.length ? { charging_periods: periods } : {}) });
  }
  return app.db.ocppTransaction.update({
    where: { id: row.id },
    data: {
      ...(meterStartWh === undefined ? {} : { meterStartWh }),
      timeline: timeline as unknown as Prisma.InputJsonValue,
      signedValues: signed as unknown as Prisma.InputJsonValue,
    },
  });
}

/** A connector status during the transaction: charging or parking time for the tariff engine. */
export async function applyState(app: AppContext, row: TransactionRow, state: 'CHARGING' | 'PARKING', at: Date): Promise<void> {
  const timeline = [...((row.timeline as unknown as TimelineEvent[]) ?? [])];
  const current = [...timeline].reverse().find((e) => e.state)?.state;
  if (current === state || (timeline.length && Date.parse(formatDateTime(at)) < Date.parse(timeline[timeline.length - 1].at))) return;
  timeline.push({ at: formatDateTime(at), state });
  await app.db.ocppTransaction.update({ where: { id: row.id }, data: { timeline: timeline as unknown as Prisma.InputJsonValue } });
}

/**
 * The transaction ended: the last samples, the final register, then the session completes and
 * the CDR is priced from the timeline. A repeated stop (re-sent after a lost answer) does
 * nothing. When no CDR can be built (no tariff, say), the session still completes.
 */
export async function stopTransaction(
  app: AppContext,
  cp: ChargePointRecord,
  row: TransactionRow,
  stop: { meterStopWh?: number; at: Date; samples: MeterSample[] },
): Promise<TransactionRow> {
  if (row.status !== 'ACTIVE') return row;
  let current = await applySamples(app, cp, row, [...stop.samples, ...(stop.meterStopWh === undefined ? [] : [{ at: stop.at, energyWh: stop.meterStopWh }])]);
  current = await app.db.ocppTransaction.update({ where: { id: current.id }, data: { status: 'ENDED', endedAt: stop.at } });
  if (!current.sessionId) return current;
  const events = (current.timeline as unknown as TimelineEvent[]) ?? [];
  const start = events[0]?.at ?? formatDateTime(current.startedAt ?? stop.at);
  const end = formatDateTime(stop.at < new Date(start) ? new Date(start) : stop.at);
  const stored = (current.signedValues as unknown as StoredSignedValue[]) ?? [];
  const signedValues = stored.map(({ public_key: _key, ...value }) => value);
  // One meter signs a transaction's readings: its key (2.0.1 sends it with each) is the CDR's.
  const publicKey = stored.find((v) => v.public_key && v.public_key.length <= 512)?.public_key;
  const signedData: SignedData | undefined = signedValues.length
    ? {
        encoding_method: signedValues.every((v) => v.plain_data !== v.signed_data) ? 'OCMF' : 'OCPP-SignedData',
        ...(publicKey ? { public_key: publicKey } : {}),
        signed_values: signedValues as SignedData['signed_values'],
      }
    : undefined;
  try {
    await app.services.cpoBackendPort.closeSessionWithCdr(cp.party, current.sessionId, {
      timeline: { start, end, events: events.filter((e) => e.at <= end) },
      endDateTime: end,
      ...(signedData ? { signedData } : {}),
    });
  } catch (e) {
    app.log.warn({ charge_point: cp.chargePointId, session_id: current.sessionId, err: (e as Error).message }, 'OCPP transaction ended without a CDR');
    await app.services.ownSessions.patch(cp.party, current.sessionId, { status: 'COMPLETED', end_date_time: end }).catch(() => undefined);
  }
  return current;
}
