/**
 * A remotely started session over OCPP 1.6J between two platform instances: the CPO platform's
 * party has the `ocpp` backend and an OCPP charge point (ocpp-rpc's client over a real
 * WebSocket) for one location; the eMSP platform registers with it. START_SESSION from the eMSP
 * becomes RemoteStartTransaction, the charge point starts, meters and (after STOP_SESSION ->
 * RemoteStopTransaction) stops, and the eMSP receives the session, its status changes and a
 * priced CDR with the meter's signed values.
 */
import { CPO, EMSP, businessDetails, driverToken, locations, tariffs } from '../../../src/demo/fixture.js';
import { Cdr } from '../../../src/model/cdr.js';
import { price } from '../../../src/tariffs/index.js';
import { FAST_DELIVERY } from '../../helpers/delivery.js';
import { eventually } from '../../helpers/eventually.js';
import { type TestPlatform, startTestPlatform } from '../../helpers/platform.js';
import { type ChargePointClient, chargePointUrl, connectChargePoint, ocmfRecord } from './charge-point.js';

jest.setTimeout(90_000);

let cpo: TestPlatform;
let emsp: TestPlatform;
let cp: ChargePointClient;
const cpoPath = `/parties/${CPO.country_code}/${CPO.party_id}`;
const emspPath = `/parties/${EMSP.country_code}/${EMSP.party_id}`;
const location = locations()[0];
const evse = location.evses[1];
const token = driverToken();
const PASSWORD = 'charge-point-password-01';
const METER_START = 500_000;
const startedAt = new Date(Date.now() - 3600_000);
let transactionId: number | undefined;
const remoteCalls: Array<{ method: string; params: Record<string, unknown> }> = [];
let sessionId: string;

const received = (p: TestPlatform, method: string, prefix: string) => p.received.filter((r) => r.method === method && r.path.startsWith(prefix));

/** The charge point's side of a remote start: it accepts, then the driver plugs in and it starts. */
async function onRemoteStart(params: Record<string, unknown>) {
  remoteCalls.push({ method: 'RemoteStartTransaction', params });
  setTimeout(async () => {
    const connectorId = params.connectorId as number;
    await cp.call('StatusNotification', { connectorId, errorCode: 'NoError', status: 'Preparing' });
    const started = await cp.call<{ transactionId: number; idTagInfo: { status: string } }>('StartTransaction', {
      connectorId,
      idTag: params.idTag,
      meterStart: METER_START,
      timestamp: startedAt.toISOString(),
    });
    transactionId = started.transactionId;
    await cp.call('StatusNotification', { connectorId, errorCode: 'NoError', status: 'Charging' });
  }, 20);
  return { status: 'Accepted' };
}

async function onRemoteStop(params: Record<string, unknown>) {
  remoteCalls.push({ method: 'RemoteStopTransaction', params });
  const end = new Date();
  setTimeout(async () => {
    await cp.call('StopTransaction', {
      transactionId: params.transactionId,
      meterStop: METER_START + 11_000,
      timestamp: end.toISOString(),
      reason: 'Remote',
      transactionData: [
        { timestamp: startedAt.toISOString(), sampledValue: [{ value: ocmfRecord('B', 500, startedAt), format: 'SignedData', context: 'Transaction.Begin' }] },
        { timestamp: end.toISOString(), sampledValue: [{ value: ocmfRecord('E', 511, end), format: 'SignedData', context: 'Transaction.End' }] },
      ],
    });
    await cp.call('StatusNotification', { connectorId: 2, errorCode: 'NoError', status: 'Available' });
  }, 20);
  return { status: 'Accepted' };
}

beforeAll(async () => {
  [cpo, emsp] = await Promise.all([startTestPlatform('ocpp_e2e_cpo', { env: FAST_DELIVERY }), startTestPlatform('ocpp_e2e_emsp', { env: FAST_DELIVERY })]);
  await cpo
    .admin()
    .post('/parties', { country_code: CPO.country_code, party_id: CPO.party_id, role: 'CPO', business_details: businessDetails(CPO.name) })
    .expect(201);
  await cpo.admin().put(`${cpoPath}/backend`, { adapter: 'ocpp' }).expect(200);
  for (const t of tariffs()) await cpo.admin().put(`${cpoPath}/tariffs/${t.id}`, t).expect(200);
  for (const l of locations()) await cpo.admin().put(`${cpoPath}/locations/${l.id}`, l).expect(200);
  await cpo.admin().put(`${cpoPath}/charge-points/UCP-CEN`, { password: PASSWORD, location_id: location.id }).expect(201);
  await emsp
    .admin()
    .post('/parties', { country_code: EMSP.country_code, party_id: EMSP.party_id, role: 'EMSP', business_details: businessDetails(EMSP.name) })
    .expect(201);
  const invitation = await cpo.admin().post('/peers/invitations', { label: EMSP.name }).expect(201);
  await emsp.admin().post('/peers/connect', { versions_url: invitation.body.versions_url, token: invitation.body.token, label: CPO.name }).expect(201);
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/locations`).expect(200)).body.total).toBe(locations().length), 20_000);
  cp = await connectChargePoint(chargePointUrl(cpo.url, CPO.country_code, CPO.party_id), 'UCP-CEN', PASSWORD, ['ocpp1.6'], {
    RemoteStartTransaction: onRemoteStart,
    RemoteStopTransaction: onRemoteStop,
  });
  await cp.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Duo 22' });
});

afterAll(async () => {
  await cp?.close().catch(() => undefined);
  await Promise.all([cpo?.stop(), emsp?.stop()]);
});

test("a charge point's status change reaches the eMSP", async () => {
  await cp.call('StatusNotification', { connectorId: 1, errorCode: 'HighTemperature', status: 'Faulted' });
  await eventually(async () => {
    const stored = (await emsp.admin().get(`${emspPath}/received/locations?status=OUTOFORDER`).expect(200)).body;
    expect(stored.items.map((l: { id: string }) => l.id)).toEqual([location.id]);
  });
  await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/locations?status=OUTOFORDER`).expect(200)).body.total).toBe(0));
});

test('START_SESSION for an EVSE of an offline charge point is REJECTED at once', async () => {
  await cpo.admin().put(`${cpoPath}/charge-points/UCP-MAL`, { password: PASSWORD, location_id: 'UTR-MALIEBAAN' }).expect(201);
  const sent = await emsp.admin().post(`${emspPath}/commands/START_SESSION`, { location_id: 'UTR-MALIEBAAN', evse_uid: 'UCP-MAL-01', token }).expect(201);
  expect(sent.body.response).toMatchObject({ result: 'REJECTED', message: [{ text: expect.stringContaining('not connected') }] });
});

test('START_SESSION becomes RemoteStartTransaction on the EVSE asked for; the CommandResult and the session reach the eMSP', async () => {
  const sent = await emsp.admin().post(`${emspPath}/commands/START_SESSION`, { location_id: location.id, evse_uid: evse.uid, token }).expect(201);
  expect(sent.body.response).toMatchObject({ result: 'ACCEPTED' });
  await eventually(() => expect(remoteCalls.map((c) => c.method)).toEqual(['RemoteStartTransaction']));
  // The location's second EVSE is connector 2 of the charge point.
  expect(remoteCalls[0].params).toEqual({ connectorId: 2, idTag: token.uid });
  await eventually(async () =>
    expect((await emsp.admin().get(`${emspPath}/commands/${sent.body.id}`).expect(200)).body).toMatchObject({ status: 'RESULT', result: { result: 'ACCEPTED' } }),
  );
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
  expect(transactionId).toEqual(expect.any(Number));
  await eventually(async () =>
    expect((await emsp.admin().get(`${emspPath}/received/locations?status=CHARGING`).expect(200)).body.items.map((l: { id: string }) => l.id)).toEqual([location.id]),
  );
});

test('MeterValues update the session at the eMSP', async () => {
  await cp.call('MeterValues', {
    connectorId: 2,
    transactionId,
    meterValue: [{ timestamp: new Date(startedAt.getTime() + 1800_000).toISOString(), sampledValue: [{ value: String(METER_START + 5500) }] }],
  });
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`).expect(200)).body.kwh).toBe(5.5));
  const [patch] = received(emsp, 'PATCH', `/ocpi/emsp/2.2.1/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`);
  expect(patch.body).toMatchObject({ kwh: 5.5, charging_periods: [{ dimensions: [{ type: 'ENERGY', volume: 5.5 }] }] });
});

test('STOP_SESSION becomes RemoteStopTransaction; the charge point stops and the eMSP gets the priced CDR with signed data', async () => {
  const stop = await emsp.admin().post(`${emspPath}/commands/STOP_SESSION`, { session_id: sessionId }).expect(201);
  expect(stop.body.response).toMatchObject({ result: 'ACCEPTED' });
  await eventually(() => expect(remoteCalls.map((c) => c.method)).toEqual(['RemoteStartTransaction', 'RemoteStopTransaction']));
  expect(remoteCalls[1].params).toEqual({ transactionId });
  await eventually(async () =>
    expect((await emsp.admin().get(`${emspPath}/commands/${stop.body.id}`).expect(200)).body).toMatchObject({ status: 'RESULT', result: { result: 'ACCEPTED' } }),
  );
  const cdr = await eventually(async () => {
    const list = (await emsp.admin().get(`${emspPath}/received/cdrs`).expect(200)).body;
    expect(list.items).toHaveLength(1);
    return list.items[0];
  }, 20_000);
  expect(Cdr.safeParse(cdr).success).toBe(true);
  expect(cdr).toMatchObject({ session_id: sessionId, total_energy: 11, currency: 'EUR', cdr_token: { uid: token.uid }, tariffs: [{ id: 'AC-STANDARD' }] });
  expect(cdr.signed_data).toMatchObject({ encoding_method: 'OCMF', signed_values: [{ nature: 'Start' }, { nature: 'End' }] });
  // 0.35 start + 11 kWh at 0.39, excl. VAT; and the eMSP re-prices it to the same money.
  expect(cdr.total_cost.excl_vat).toBeCloseTo(0.35 + 11 * 0.39, 2);
  const repriced = price(cdr.tariffs, cdr.charging_periods, { timeZone: location.time_zone, sessionStart: cdr.start_date_time, sessionEnd: cdr.end_date_time });
  expect(repriced.total_cost).toEqual(cdr.total_cost);
  await eventually(async () =>
    expect((await emsp.admin().get(`${emspPath}/received/sessions/${CPO.country_code}/${CPO.party_id}/${sessionId}`).expect(200)).body.status).toBe('COMPLETED'),
  );
});
