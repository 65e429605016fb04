/**
 * Smart charging over OCPP, whatever the version: an OCPI ChargingProfile becomes the TxProfile
 * schedule of the session's transaction, a charge point's composite schedule becomes the OCPI
 * ActiveChargingProfile, and the three OCPI requests (set, clear, get) run here on top of the
 * version's calls (v16.ts, v201.ts supply them). After a set or clear that the charge point took,
 * its new composite schedule is reported to the senders as the session's ActiveChargingProfile.
 */
import type { ActiveChargingProfile, ChargingProfile, ChargingProfileAnswer } from '../../model/charging-profile.js';
import { formatDateTime } from '../../model/primitives.js';
import type { ForwardedCommand } from '../adapter.js';
import type { ChargePointLink, CommandTarget } from './link.js';
import { type TransactionRow, locationOf } from './transactions.js';

export type RateUnit = 'W' | 'A';

/** An OCPP ChargingSchedule in the words both versions share (2.0.1 adds an id, set by the caller). */
export interface OcppSchedule {
  /** Absolute: from startSchedule; Relative: from the start of charging (OCPI's profile without start_date_time). */
  kind: 'Absolute' | 'Relative';
  startSchedule?: string;
  duration?: number;
  chargingRateUnit: RateUnit;
  minChargingRate?: number;
  chargingSchedulePeriod: Array<{ startPeriod: number; limit: number }>;
}

/** What GetCompositeSchedule answered, in the words both versions share. */
export interface CompositeSchedule {
  scheduleStart: string;
  duration?: number;
  chargingRateUnit: RateUnit;
  minChargingRate?: number;
  chargingSchedulePeriod: Array<{ startPeriod: number; limit: number }>;
}

/** The version's calls, each returning the OCPP status it got (a CALLERROR or no answer throws). */
export interface ProfileCalls {
  set(target: CommandTarget, tx: TransactionRow, profileId: number, schedule: OcppSchedule): Promise<string>;
  clear(target: CommandTarget, profileId: number): Promise<string>;
  /** Null: the charge point rejected the request or has no schedule. */
  composite(target: CommandTarget, durationSeconds: number, unit?: RateUnit): Promise<CompositeSchedule | null>;
}

/** How far ahead the ActiveChargingProfile reported after a change looks (09 §2.3 suggests 5 to 60 minutes). */
export const REPORT_HORIZON_SECONDS = 3600;

const oneDecimal = (n: number) => Math.round(n * 10) / 10;

/**
 * OCPI ChargingProfile -> OCPP schedule; null when it has no period (OCPP needs at least one, and
 * a profile without limits steers nothing). Limits keep their one decimal, which both versions take.
 */
export function scheduleOf(profile: ChargingProfile): OcppSchedule | null {
  const periods = profile.charging_profile_period ?? [];
  if (!periods.length) return null;
  return {
    kind: profile.start_date_time ? 'Absolute' : 'Relative',
    ...(profile.start_date_time ? { startSchedule: formatDateTime(new Date(profile.start_date_time)) } : {}),
    ...(profile.duration === null || profile.duration === undefined ? {} : { duration: profile.duration }),
    chargingRateUnit: profile.charging_rate_unit,
    ...(profile.min_charging_rate === null || profile.min_charging_rate === undefined ? {} : { minChargingRate: profile.min_charging_rate }),
    chargingSchedulePeriod: [...periods].sort((a, b) => a.start_period - b.start_period).map((p) => ({ startPeriod: p.start_period, limit: p.limit })),
  };
}

/** A composite schedule as OCPI's ActiveChargingProfile: offsets count from its start, which is also "calculated at". */
export function activeProfileOf(schedule: CompositeSchedule): ActiveChargingProfile {
  const start = formatDateTime(new Date(schedule.scheduleStart));
  return {
    start_date_time: start,
    charging_profile: {
      start_date_time: start,
      ...(schedule.duration === undefined ? {} : { duration: schedule.duration }),
      charging_rate_unit: schedule.chargingRateUnit,
      ...(schedule.minChargingRate === undefined ? {} : { min_charging_rate: oneDecimal(schedule.minChargingRate) }),
      charging_profile_period: schedule.chargingSchedulePeriod.map((p) => ({ start_period: p.startPeriod, limit: oneDecimal(p.limit) })),
    },
  };
}

/**
 * No schedule left after a clear: the EVSE's maximum (09 §2.3), the connector's max_electric_power
 * in W; null when the location does not say it.
 */
async function maximumOf(link: ChargePointLink, target: CommandTarget): Promise<ActiveChargingProfile | null> {
  const location = (await locationOf(link.app, link.cp)) as { evses?: Array<{ uid: string; connectors: Array<{ id: string; max_electric_power?: number | null }> }> } | null;
  const watts = location?.evses?.find((e) => e.uid === target.evseUid)?.connectors.find((c) => c.id === target.connectorId)?.max_electric_power;
  if (!watts) return null;
  const now = formatDateTime(new Date());
  return { start_date_time: now, charging_profile: { start_date_time: now, charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: watts }] } };
}

/** The session's running transaction on this charge point (a profile steers a transaction). */
function activeTransaction(link: ChargePointLink, sessionId: unknown): Promise<TransactionRow | null> {
  return link.app.db.ocppTransaction.findFirst({
    where: { partyKey: link.cp.partyKey, chargePointKey: link.cp.idKey, status: 'ACTIVE', sessionId: { equals: String(sessionId), mode: 'insensitive' } },
    orderBy: { createdAt: 'desc' },
  });
}

/** After a set or clear the charge point took: its new schedule goes to the senders as the session's ActiveChargingProfile. */
async function reportSchedule(link: ChargePointLink, cmd: ForwardedCommand, target: CommandTarget, calls: ProfileCalls, unit: RateUnit | undefined, cleared: boolean) {
  const { app } = link;
  try {
    const schedule = await calls.composite(target, REPORT_HORIZON_SECONDS, unit).catch(() => null);
    const profile = schedule ? activeProfileOf(schedule) : cleared ? await maximumOf(link, target) : null;
    if (!profile) return;
    await app.services.cpoBackendPort.reportActiveProfile(cmd.party, String(cmd.request.session_id), profile);
  } catch (e) {
    app.log.warn({ charge_point: link.cp.chargePointId, session_id: cmd.request.session_id, err: (e as Error).message }, 'OCPP schedule not reported as ActiveChargingProfile');
  }
}

/**
 * SET_CHARGING_PROFILE, CLEAR_PROFILE, GET_ACTIVE_CHARGING_PROFILE on the charge point. The
 * transaction's TxProfile has one id (the transaction's number), so a new set replaces the last
 * and a clear removes exactly it.
 */
export async function runProfileRequest(link: ChargePointLink, cmd: ForwardedCommand, target: CommandTarget | null, calls: ProfileCalls): Promise<void> {
  const { app, cp } = link;
  const answer = (a: ChargingProfileAnswer) => app.services.cpoBackendPort.answerProfileRequest(cmd.party, cmd.id, a);
  const refused = (e: Error) => {
    app.log.info({ charge_point: cp.chargePointId, request_id: cmd.id, err: e.message }, 'OCPP charging profile call failed');
    return answer({ result: 'REJECTED' });
  };
  if (!target) return void (await answer({ result: 'UNKNOWN' }));
  switch (cmd.command) {
    case 'SET_CHARGING_PROFILE': {
      const tx = await activeTransaction(link, cmd.request.session_id);
      const profile = cmd.request.charging_profile as ChargingProfile;
      const schedule = scheduleOf(profile);
      if (!tx?.transactionId || !schedule) return void (await answer({ result: 'REJECTED' }));
      let status: string;
      try {
        status = await calls.set(target, tx, tx.txNumber, schedule);
      } catch (e) {
        return void (await refused(e as Error));
      }
      await answer({ result: status === 'Accepted' ? 'ACCEPTED' : 'REJECTED' });
      if (status === 'Accepted') await reportSchedule(link, cmd, target, calls, schedule.chargingRateUnit, false);
      return;
    }
    case 'CLEAR_PROFILE': {
      const tx = await activeTransaction(link, cmd.request.session_id);
      if (!tx) return void (await answer({ result: 'UNKNOWN' }));
      let status: string;
      try {
        status = await calls.clear(target, tx.txNumber);
      } catch (e) {
        return void (await refused(e as Error));
      }
      await answer({ result: status === 'Accepted' ? 'ACCEPTED' : 'UNKNOWN' });
      if (status === 'Accepted') await reportSchedule(link, cmd, target, calls, undefined, true);
      return;
    }
    case 'GET_ACTIVE_CHARGING_PROFILE': {
      const duration = Number(cmd.request.duration) > 0 ? Math.floor(Number(cmd.request.duration)) : REPORT_HORIZON_SECONDS;
      let schedule: CompositeSchedule | null;
      try {
        schedule = await calls.composite(target, duration);
      } catch (e) {
        return void (await refused(e as Error));
      }
      return void (await answer(schedule ? { result: 'ACCEPTED', profile: activeProfileOf(schedule) } : { result: 'REJECTED' }));
    }
  }
}
