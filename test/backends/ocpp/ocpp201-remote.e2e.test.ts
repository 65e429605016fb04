/**
 * A remotely started session over OCPP 2.0.1 between two platform instances: the CPO platform's
 * party has the `ocpp` backend and a 2.0.1 charging station (ocpp-rpc's client over a real
 * WebSocket) for one location; the eMSP platform registers with it. START_SESSION becomes
 * RequestStartTransaction, the station's TransactionEvents (matched by remoteStartId) open,
 * meter and (after STOP_SESSION -> RequestStopTransaction) end the session, and the eMSP
 * receives it and a priced CDR with the meter's signed values and key. RESERVE_NOW,
 * CANCEL_RESERVATION and UNLOCK_CONNECTOR become their 2.0.1 calls.
 */
import { CPO, EMSP, businessDetails, driverToken, locations, tariffs } from '../../../src/demo/fixture.js';
import { generateMeterKey, signTransaction } from '../../../src/metering/index.js';
import { Cdr } from '../../../src/model/cdr.js';
import { price } from '../../../src/tariffs/index.js';
import { FAST_DELIVERY } from '../../helpers/delivery.js';
import { eventually } from '../../helpers/eventually.js';
import { type TestPlatform, startTestPlatform } from '../../helpers/platform.js';
import { type ChargePointClient, chargePointUrl, connectChargePoint } from './charge-point.js';

jest.setTimeout(90_000);

let cpo: TestPlatform;
let emsp: TestPlatform;
let cp: ChargePointClient;
const cpoPath = `/parties/${CPO.country_code}/${CPO.party_id}`;
const emspPath = `/parties/${EMSP.country_code}/${EMSP.party_id}`;
const location = locations()[0];
const evse = location.evses[1];
const token = driverToken();
const PASSWORD = 'station-password-2001';
const startedAt = new Date(Date.now() - 3600_000);
const TX = 'CS-TX-0001';
const calls: Array<{ method: string; params: Record<string, unknown> }> = [];
let sessionId: string;
let seqNo = 0;
let unlockAnswer = 'Unlocked';

const meter = { serial: 'M-E2E', vendor: 'Acme', model: 'Meter', gateway: 'Acme GW', gatewayVersion: '1', ...generateMeterKey() };
const publicKey = Buffer.from(meter.publicKeyHex, 'hex').toString('base64');
let signed: ReturnType<typeof signTransaction>;

const register = (wh: number, context: string, ocmf?: string) => ({
  value: wh,
  context,
  measurand: 'Energy.Active.Import.Register',
  ...(ocmf ? { signedMeterValue: { signedMeterData: Buffer.from(ocmf).toString('base64'), signingMethod: 'ECDSA-secp256r1-SHA256', encodingMethod: 'OCMF', publicKey } } : {}),
});

/** The station's side of a remote start: it accepts, the driver plugs in, the transaction starts. */
function onRequestStart(params: Record<string, unknown>) {
  calls.push({ method: 'RequestStartTransaction', params });
  setTimeout(async () => {
    const evseId = params.evseId as number;
    await cp.call('StatusNotification', { timestamp: startedAt.toISOString(), evseId, connectorId: 1, connectorStatus: 'Occupied' });
    await cp.call('TransactionEvent', {
      eventType: 'Started',
      timestamp: startedAt.toISOString(),
      triggerReason: 'RemoteStart',
      seqNo: seqNo++,
      transactionInfo: { transactionId: TX, remoteStartId: params.remoteStartId, chargingState: 'Charging' },
      evse: { id: evseId, connectorId: 1 },
      idToken: params.idToken,
      meterValue: [{ timestamp: startedAt.toISOString(), sampledValue: [register(500_000, 'Transaction.Begin', signed.signed_values[0].signed_data)] }],
    });
  }, 20);
  return { status: 'Accepted' };
}

function onRequestStop(params: Record<string, unknown>) {
  calls.push({ method: 'RequestStopTransaction', params });
  const end = new Date(startedAt.getTime() + 3000_000);
  setTimeout(async () => {
    await cp.call('TransactionEvent', {
      eventType: 'Ended',
      timestamp: end.toISOString(),
      triggerReason: 'RemoteStop',
      seqNo: seqNo++,
      transactionInfo: { transactionId: TX, stoppedReason: 'Remote' },
      evse: { id: 2, connectorId: 1 },
      meterValue: [{ timestamp: end.toISOString(), sampledValue: [register(511_000, 'Transaction.End', signed.signed_values[1].signed_data)] }],
    });
    await cp.call('StatusNotification', { timestamp: end.toISOString(), evseId: 2, connectorId: 1, connectorStatus: 'Available' });
  }, 20);
  return { status: 'Accepted' };
}

const recorded = (method: string) => (params: Record<string, unknown>) => {
  calls.push({ method, params });
  return method === 'UnlockConnector' ? { status: unlockAnswer } : { status: 'Accepted' };
};

const commandResult = (id: string) =>
  eventually(async () => {
    const c = (await emsp.admin().get(`${emspPath}/commands/${id}`).expect(200)).body;
    expect(c.status).toBe('RESULT');
    return c.result;
  });

beforeAll(async () => {
  signed = signTransaction(meter, {
    pagination: 1,
    evseId: evse.evse_id,
    identification: { type: 'CENTRAL', data: token.uid },
    begin: { at: startedAt, kwh: 500 },
    end: { at: new Date(startedAt.getTime() + 3000_000), kwh: 511 },
    currentType: 'AC',
  });
  [cpo, emsp] = await Promise.all([startTestPlatform('ocpp201_e2e_cpo', { env: FAST_DELIVERY }), startTestPlatform('ocpp201_e2e_emsp', { env: FAST_DELIVERY })]);
  await cpo
    .admin()
    .post('/parties', { country_code: CPO.country_code, party_id: CPO.party_id, role: 'CPO', business_details: businessDetails(CPO.name) })
    .expect(201);
  await cpo.admin().put(`${cpoPath}/backend`, { adapter: 'ocpp' }).expect(200);
  for (const t of tariffs()) await cpo.admin().put(`${cpoPath}/tariffs/${t.id}`, t).expect(200);
  // The station has a lock and takes reservations: the EVSEs say so, or the platform answers NOT_SUPPORTED itself.
  for (const l of locations()) {
    const evses = l.evses.map((e) => ({ ...e, capabilities: [...e.capabilities, 'RESERVABLE', 'UNLOCK_CAPABLE'] }));
    await cpo
      .admin()
      .put(`${cpoPath}/locations/${l.id}`, { ...l, evses })
      .expect(200);
  }
  await cpo.admin().put(`${cpoPath}/charge-points/UCP-CEN-201`, { password: PASSWORD, location_id: location.id }).expect(201);
  await emsp
    .admin()
    .post('/parties', { country_code: EMSP.country_code, party_id: EMSP.party_id, role: 'EMSP', business_details: businessDetails(EMSP.name) })
    .expect(201);
  const invitation = await cpo.admin().post('/peers/invitations', { label: EMSP.name }).expect(201);
  await emsp.admin().post('/peers/connect', { versions_url: invitation.body.versions_url, token: invitation.body.token, label: CPO.name }).expect(201);
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/locations`).expect(200)).body.total).toBe(locations().length), 20_000);
  cp = await connectChargePoint(chargePointUrl(cpo.url, CPO.country_code, CPO.party_id), 'UCP-CEN-201', PASSWORD, ['ocpp2.0.1'], {
    RequestStartTransaction: onRequestStart,
    RequestStopTransaction: onRequestStop,
    ReserveNow: recorded('ReserveNow'),
    CancelReservation: recorded('CancelReservation'),
    UnlockConnector: recorded('UnlockConnector'),
  });
  await cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'Acme', model: 'Duo 22' } });
});

afterAll(async () => {
  await cp?.close().catch(() => undefined);
  await Promise.all([cpo?.stop(), emsp?.stop()]);
});

test('START_SESSION becomes RequestStartTransaction with a remoteStartId; the TransactionEvent that carries it opens the session at the eMSP', async () => {
  const sent = await emsp.admin().post(`${emspPath}/commands/START_SESSION`, { location_id: location.id, evse_uid: evse.uid, token }).expect(201);
  expect(sent.body.response).toMatchObject({ result: 'ACCEPTED' });
  await eventually(() => expect(calls.map((c) => c.method)).toEqual(['RequestStartTransaction']));
  // The location's second EVSE is EVSE 2 of the station; an app user's token is a Central id.
  expect(calls[0].params).toEqual({ remoteStartId: expect.any(Number), idToken: { idToken: token.uid, type: 'Central' }, evseId: 2 });
  expect(await commandResult(sent.body.id)).toMatchObject({ result: 'ACCEPTED' });
  const session = await eventually(async () => {
    const list = (await emsp.admin().get(`${emspPath}/received/sessions?status=ACTIVE`).expect(200)).body;
    expect(list.items).toHaveLength(1);
    return list.items[0];
  }, 20_000);
  sessionId = session.id;
  expect(session).toMatchObject({
    location_id: location.id,
    evse_uid: evse.uid,
    connector_id: '1',
    auth_method: 'COMMAND',
    cdr_token: { uid: token.uid, contract_id: token.contract_id, type: token.type },
  });
  await eventually(async () =>
    expect((await emsp.admin().get(`${emspPath}/received/locations?status=CHARGING`).expect(200)).body.items.map((l: { id: string }) => l.id)).toEqual([location.id]),
  );
});

test('TransactionEvent Updated meter values update the session at the eMSP', async () => {
  const at = new Date(startedAt.getTime() + 1800_000).toISOString();
  await cp.call('TransactionEvent', {
    eventType: 'Updated',
    timestamp: at,
    triggerReason: 'MeterValuePeriodic',
    seqNo: seqNo++,
    transactionInfo: { transactionId: TX, chargingState: 'Charging' },
    meterValue: [{ timestamp: at, sampledValue: [register(505_500, 'Sample.Periodic')] }],
  });
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`).expect(200)).body.kwh).toBe(5.5));
});

test('STOP_SESSION becomes RequestStopTransaction; the Ended event gives the eMSP a priced CDR with the signed values and the meter key', async () => {
  const stop = await emsp.admin().post(`${emspPath}/commands/STOP_SESSION`, { session_id: sessionId }).expect(201);
  expect(stop.body.response).toMatchObject({ result: 'ACCEPTED' });
  await eventually(() => expect(calls.map((c) => c.method)).toEqual(['RequestStartTransaction', 'RequestStopTransaction']));
  expect(calls[1].params).toEqual({ transactionId: TX });
  expect(await commandResult(stop.body.id)).toMatchObject({ result: 'ACCEPTED' });
  const cdr = await eventually(async () => {
    const list = (await emsp.admin().get(`${emspPath}/received/cdrs`).expect(200)).body;
    expect(list.items).toHaveLength(1);
    return list.items[0];
  }, 20_000);
  expect(Cdr.safeParse(cdr).success).toBe(true);
  expect(cdr).toMatchObject({ session_id: sessionId, total_energy: 11, currency: 'EUR', cdr_token: { uid: token.uid }, tariffs: [{ id: 'AC-STANDARD' }] });
  expect(cdr.signed_data).toMatchObject({ encoding_method: 'OCMF', public_key: publicKey, signed_values: [{ nature: 'Start' }, { nature: 'End' }] });
  expect(cdr.total_cost.excl_vat).toBeCloseTo(0.35 + 11 * 0.39, 2);
  const repriced = price(cdr.tariffs, cdr.charging_periods, { timeZone: location.time_zone, sessionStart: cdr.start_date_time, sessionEnd: cdr.end_date_time });
  expect(repriced.total_cost).toEqual(cdr.total_cost);
});

test('RESERVE_NOW becomes ReserveNow with our reservation id, CANCEL_RESERVATION CancelReservation of the same id', async () => {
  calls.length = 0;
  const expiry = new Date(Date.now() + 900_000).toISOString();
  const reserve = await emsp
    .admin()
    .post(`${emspPath}/commands/RESERVE_NOW`, { location_id: location.id, evse_uid: evse.uid, token, expiry_date: expiry, reservation_id: 'EMSP-RES-1' })
    .expect(201);
  expect(reserve.body.response).toMatchObject({ result: 'ACCEPTED' });
  expect(await commandResult(reserve.body.id)).toMatchObject({ result: 'ACCEPTED' });
  expect(calls).toEqual([{ method: 'ReserveNow', params: { id: expect.any(Number), expiryDateTime: expiry, idToken: { idToken: token.uid, type: 'Central' }, evseId: 2 } }]);
  const reservationId = calls[0].params.id;
  const cancel = await emsp.admin().post(`${emspPath}/commands/CANCEL_RESERVATION`, { reservation_id: 'EMSP-RES-1' }).expect(201);
  expect(cancel.body.response).toMatchObject({ result: 'ACCEPTED' });
  expect(await commandResult(cancel.body.id)).toMatchObject({ result: 'ACCEPTED' });
  expect(calls[1]).toEqual({ method: 'CancelReservation', params: { reservationId } });
});

test("UNLOCK_CONNECTOR becomes UnlockConnector on the EVSE's connector; the station's answer is the result", async () => {
  calls.length = 0;
  const unlock = await emsp.admin().post(`${emspPath}/commands/UNLOCK_CONNECTOR`, { location_id: location.id, evse_uid: evse.uid, connector_id: '1' }).expect(201);
  expect(unlock.body.response).toMatchObject({ result: 'ACCEPTED' });
  expect(await commandResult(unlock.body.id)).toMatchObject({ result: 'ACCEPTED' });
  expect(calls).toEqual([{ method: 'UnlockConnector', params: { evseId: 2, connectorId: 1 } }]);
  unlockAnswer = 'UnlockFailed';
  const failed = await emsp.admin().post(`${emspPath}/commands/UNLOCK_CONNECTOR`, { location_id: location.id, evse_uid: evse.uid, connector_id: '1' }).expect(201);
  expect(await commandResult(failed.body.id)).toMatchObject({ result: 'FAILED', message: [{ text: expect.stringContaining('UnlockFailed') }] });
});
