/**
 * Smart charging over OCPP, 1.6J and 2.0.1, between two platform instances. The eMSP sets,
 * reads and clears the charging profile of a session that runs on an OCPP charge point of the
 * CPO platform: the request becomes SetChargingProfile (the transaction's TxProfile) /
 * GetCompositeSchedule / ClearChargingProfile, the charge point's answer becomes the result, and
 * after a set or clear its composite schedule reaches the eMSP as the session's
 * ActiveChargingProfile.
 */
import { CPO, EMSP, businessDetails, driverToken, locations, tariffs } from '../../../src/demo/fixture.js';
import { eventually } from '../../helpers/eventually.js';
import { type TestPlatform, startTestPlatform } from '../../helpers/platform.js';
import { SMART_ENV, resultOf } from '../../helpers/scsp.js';
import { type ChargePointClient, chargePointUrl, connectChargePoint } from './charge-point.js';

jest.setTimeout(90_000);

let cpo: TestPlatform;
let emsp: TestPlatform;
const cpoPath = `/parties/${CPO.country_code}/${CPO.party_id}`;
const emspPath = `/parties/${EMSP.country_code}/${EMSP.party_id}`;
const token = driverToken();
const PASSWORD = 'smart-charging-password-1';
const SCHEDULE_START = '2026-12-05T10:00:00.000Z';

type Params = Record<string, unknown>;
type Schedule = { chargingRateUnit: string; minChargingRate?: number; chargingSchedulePeriod: Array<{ startPeriod: number; limit: number }> };

/** A charge point that keeps the TxProfile it was given and composes its schedule from it. */
interface Station {
  version: 'ocpp1.6' | 'ocpp2.0.1';
  id: string;
  location: ReturnType<typeof locations>[number];
  client?: ChargePointClient;
  calls: Array<{ method: string; params: Params }>;
  profile: Schedule | null;
  answerSet: string;
  sessionId?: string;
  /** The EVSE's maximum, reported once no profile is left. */
  maxWatts: number;
}

const stations: Station[] = [
  { version: 'ocpp1.6', id: 'UCP-CEN-SC', location: locations()[0], calls: [], profile: null, answerSet: 'Accepted', maxWatts: 22000 },
  { version: 'ocpp2.0.1', id: 'UCP-A12-SC', location: locations()[2], calls: [], profile: null, answerSet: 'Accepted', maxWatts: 300000 },
];

function handlers(s: Station) {
  const record = (method: string, params: Params) => s.calls.push({ method, params });
  const composite = (params: Params) => {
    record('GetCompositeSchedule', params);
    if (!s.profile) return { status: 'Rejected' };
    const { chargingRateUnit, chargingSchedulePeriod, minChargingRate } = s.profile;
    // A 2.0.1 composite schedule has no minimum rate.
    const schedule = {
      duration: params.duration,
      chargingRateUnit,
      chargingSchedulePeriod,
      ...(minChargingRate === undefined || s.version !== 'ocpp1.6' ? {} : { minChargingRate }),
    };
    return s.version === 'ocpp1.6'
      ? { status: 'Accepted', connectorId: params.connectorId, scheduleStart: SCHEDULE_START, chargingSchedule: schedule }
      : { status: 'Accepted', schedule: { evseId: params.evseId, scheduleStart: SCHEDULE_START, ...schedule } };
  };
  const set = (params: Params) => {
    record('SetChargingProfile', params);
    if (s.answerSet === 'Accepted') {
      const p = (s.version === 'ocpp1.6' ? params.csChargingProfiles : params.chargingProfile) as { chargingSchedule: Schedule | Schedule[] };
      s.profile = Array.isArray(p.chargingSchedule) ? p.chargingSchedule[0] : p.chargingSchedule;
    }
    return { status: s.answerSet };
  };
  const clear = (params: Params) => {
    record('ClearChargingProfile', params);
    const had = s.profile !== null;
    s.profile = null;
    return { status: had ? 'Accepted' : 'Unknown' };
  };
  const started = new Date(Date.now() - 600_000).toISOString();
  const start16 = (params: Params) => {
    setTimeout(() => void s.client?.call('StartTransaction', { connectorId: params.connectorId, idTag: params.idTag, meterStart: 0, timestamp: started }), 20);
    return { status: 'Accepted' };
  };
  const start201 = (params: Params) => {
    setTimeout(
      () =>
        void s.client?.call('TransactionEvent', {
          eventType: 'Started',
          timestamp: started,
          triggerReason: 'RemoteStart',
          seqNo: 0,
          transactionInfo: { transactionId: `${s.id}-TX`, remoteStartId: params.remoteStartId, chargingState: 'Charging' },
          evse: { id: params.evseId, connectorId: 1 },
          idToken: params.idToken,
          meterValue: [{ timestamp: started, sampledValue: [{ value: 0 }] }],
        }),
      20,
    );
    return { status: 'Accepted' };
  };
  return {
    SetChargingProfile: set,
    ClearChargingProfile: clear,
    GetCompositeSchedule: composite,
    ...(s.version === 'ocpp1.6' ? { RemoteStartTransaction: start16 } : { RequestStartTransaction: start201 }),
  };
}

const activeAtEmsp = (sessionId: string) => emsp.admin().get(`${emspPath}/sessions/${sessionId}/charging-profile/active`);

beforeAll(async () => {
  [cpo, emsp] = await Promise.all([startTestPlatform('ocpp_smart_cpo', { env: SMART_ENV }), startTestPlatform('ocpp_smart_emsp', { env: SMART_ENV })]);
  await cpo
    .admin()
    .post('/parties', { country_code: CPO.country_code, party_id: CPO.party_id, role: 'CPO', business_details: businessDetails(CPO.name) })
    .expect(201);
  await cpo.admin().put(`${cpoPath}/backend`, { adapter: 'ocpp' }).expect(200);
  for (const t of tariffs()) await cpo.admin().put(`${cpoPath}/tariffs/${t.id}`, t).expect(200);
  for (const l of locations()) await cpo.admin().put(`${cpoPath}/locations/${l.id}`, l).expect(200);
  await emsp
    .admin()
    .post('/parties', { country_code: EMSP.country_code, party_id: EMSP.party_id, role: 'EMSP', business_details: businessDetails(EMSP.name) })
    .expect(201);
  const invitation = await cpo.admin().post('/peers/invitations', { label: EMSP.name }).expect(201);
  await emsp.admin().post('/peers/connect', { versions_url: invitation.body.versions_url, token: invitation.body.token, label: CPO.name }).expect(201);
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/locations`).expect(200)).body.total).toBe(locations().length), 20_000);
  for (const s of stations) {
    await cpo.admin().put(`${cpoPath}/charge-points/${s.id}`, { password: PASSWORD, location_id: s.location.id }).expect(201);
    s.client = await connectChargePoint(chargePointUrl(cpo.url, CPO.country_code, CPO.party_id), s.id, PASSWORD, [s.version], handlers(s));
    const sent = await emsp.admin().post(`${emspPath}/commands/START_SESSION`, { location_id: s.location.id, evse_uid: s.location.evses[0].uid, token }).expect(201);
    expect(sent.body.response).toMatchObject({ result: 'ACCEPTED' });
    s.sessionId = await eventually(async () => {
      const list = (await emsp.admin().get(`${emspPath}/received/sessions?status=ACTIVE`).expect(200)).body.items as Array<{ id: string; location_id: string }>;
      const session = list.find((x) => x.location_id === s.location.id);
      expect(session).toBeDefined();
      return session?.id as string;
    }, 20_000);
  }
});

afterAll(async () => {
  for (const s of stations) await s.client?.close().catch(() => undefined);
  await Promise.all([cpo?.stop(), emsp?.stop()]);
});

describe.each(stations.map((s) => [s.version, s] as const))('%s', (version, s) => {
  let profileId: number;
  const is16 = version === 'ocpp1.6';

  test('a profile set by the eMSP reaches the charge point as SetChargingProfile, its answer is the result, and its composite schedule the ActiveChargingProfile the eMSP receives', async () => {
    const sessionId = s.sessionId as string;
    const charging_profile = {
      charging_rate_unit: 'A',
      min_charging_rate: 6.1,
      charging_profile_period: [
        { start_period: 0, limit: 16.5 },
        { start_period: 1800, limit: 10 },
      ],
    };
    const sent = await emsp.admin().put(`${emspPath}/sessions/${sessionId}/charging-profile`, { charging_profile }).expect(201);
    expect(sent.body).toMatchObject({ status: 'ACCEPTED', response: { result: 'ACCEPTED' } });
    expect((await resultOf(emsp, EMSP, sessionId, sent.body.id)).result).toEqual({ result: 'ACCEPTED' });
    const set = s.calls.find((c) => c.method === 'SetChargingProfile');
    const schedule = {
      chargingRateUnit: 'A',
      minChargingRate: 6.1,
      chargingSchedulePeriod: [
        { startPeriod: 0, limit: 16.5 },
        { startPeriod: 1800, limit: 10 },
      ],
    };
    const tx = await cpo.ctx.db.ocppTransaction.findFirst({ where: { sessionId } });
    if (is16) {
      expect(set?.params).toEqual({
        connectorId: 1,
        csChargingProfiles: {
          chargingProfileId: expect.any(Number),
          transactionId: Number(tx?.transactionId),
          stackLevel: 0,
          chargingProfilePurpose: 'TxProfile',
          chargingProfileKind: 'Relative',
          chargingSchedule: schedule,
        },
      });
      profileId = (set?.params.csChargingProfiles as { chargingProfileId: number }).chargingProfileId;
    } else {
      expect(set?.params).toEqual({
        evseId: 1,
        chargingProfile: {
          id: expect.any(Number),
          stackLevel: 0,
          chargingProfilePurpose: 'TxProfile',
          chargingProfileKind: 'Relative',
          chargingSchedule: [{ id: expect.any(Number), ...schedule }],
          transactionId: `${s.id}-TX`,
        },
      });
      profileId = (set?.params.chargingProfile as { id: number }).id;
    }
    // The new schedule is asked for and reported to the eMSP that set the profile.
    const active = await eventually(async () => (await activeAtEmsp(sessionId).expect(200)).body, 15_000);
    expect(active).toMatchObject({
      source: 'PUT',
      active_charging_profile: {
        start_date_time: SCHEDULE_START,
        charging_profile: {
          start_date_time: SCHEDULE_START,
          duration: 3600,
          charging_rate_unit: 'A',
          ...(is16 ? { min_charging_rate: 6.1 } : {}),
          charging_profile_period: charging_profile.charging_profile_period,
        },
      },
    });
    expect(s.calls.find((c) => c.method === 'GetCompositeSchedule')?.params).toEqual(
      is16 ? { connectorId: 1, duration: 3600, chargingRateUnit: 'A' } : { evseId: 1, duration: 3600, chargingRateUnit: 'A' },
    );
  });

  test('a profile the charge point rejects is REJECTED', async () => {
    s.answerSet = 'Rejected';
    const sessionId = s.sessionId as string;
    const sent = await emsp
      .admin()
      .put(`${emspPath}/sessions/${sessionId}/charging-profile`, { charging_profile: { charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: 3000 }] } })
      .expect(201);
    expect((await resultOf(emsp, EMSP, sessionId, sent.body.id)).result).toEqual({ result: 'REJECTED' });
    s.answerSet = 'Accepted';
  });

  test('GET becomes GetCompositeSchedule for the asked duration; the eMSP gets it as the ActiveChargingProfileResult', async () => {
    const sessionId = s.sessionId as string;
    const sent = await emsp.admin().get(`${emspPath}/sessions/${sessionId}/charging-profile?duration=900`).expect(201);
    const { result } = await resultOf(emsp, EMSP, sessionId, sent.body.id);
    expect(result).toEqual({
      result: 'ACCEPTED',
      profile: {
        start_date_time: SCHEDULE_START,
        charging_profile: expect.objectContaining({
          duration: 900,
          charging_rate_unit: 'A',
          charging_profile_period: [
            { start_period: 0, limit: 16.5 },
            { start_period: 1800, limit: 10 },
          ],
        }),
      },
    });
    expect(s.calls.filter((c) => c.method === 'GetCompositeSchedule').pop()?.params).toEqual(is16 ? { connectorId: 1, duration: 900 } : { evseId: 1, duration: 900 });
  });

  test('DELETE becomes ClearChargingProfile of the same profile; with none left the EVSE maximum is the ActiveChargingProfile', async () => {
    const sessionId = s.sessionId as string;
    const sent = await emsp.admin().delete(`${emspPath}/sessions/${sessionId}/charging-profile`).expect(201);
    expect((await resultOf(emsp, EMSP, sessionId, sent.body.id)).result).toEqual({ result: 'ACCEPTED' });
    expect(s.calls.find((c) => c.method === 'ClearChargingProfile')?.params).toEqual(is16 ? { id: profileId, connectorId: 1 } : { chargingProfileId: profileId });
    await eventually(async () => {
      const active = (await activeAtEmsp(sessionId).expect(200)).body;
      expect(active).toMatchObject({
        source: 'PUT',
        active_charging_profile: { charging_profile: { charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: s.maxWatts }] } },
      });
    }, 15_000);
    // Nothing left to clear: the charge point says Unknown, and so does the result.
    const again = await emsp.admin().delete(`${emspPath}/sessions/${sessionId}/charging-profile`).expect(201);
    expect((await resultOf(emsp, EMSP, sessionId, again.body.id)).result).toEqual({ result: 'UNKNOWN' });
  });
});
