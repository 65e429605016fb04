/**
 * Two API processes of one deployment (one database schema, one Redis prefix): the charge
 * point's socket is held by the second, the eMSP's commands arrive at the first. Refusals see
 * the other process's socket, commands reach the charge point through Redis and are answered
 * as usual, removing the charge point closes its socket where it is held, and a holder that
 * is gone (stopped, or its lease lost) is seen as such.
 */
import { ocppEndpointOf } from '../../../src/backends/ocpp/index.js';
import { aBusinessDetails } from '../../helpers/builders.js';
import { eventually } from '../../helpers/eventually.js';
import { anEvse, aLocation } from '../../helpers/locations.js';
import { TEST_DATABASE_URL, type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../../helpers/registered-peer.js';
import { aTariff } from '../../helpers/tariffs.js';
import { type ChargePointClient, chargePointUrl, connectChargePoint } from './charge-point.js';

jest.setTimeout(90_000);

let first: TestPlatform;
let second: TestPlatform;
let emsp: RegisteredPeer;
let cp: ChargePointClient;
const PASSWORD = 'scale-out-password-01';
const cpo = '/parties/NL/CPO';
const CAPABLE = ['REMOTE_START_STOP_CAPABLE', 'RFID_READER', 'RESERVABLE', 'UNLOCK_CAPABLE'];
const key = { partyKey: 'NLCPO', idKey: 'CP-X' };
const calls: Array<{ action: string; params: Record<string, unknown> }> = [];
const token = { country_code: 'DE', party_id: 'EMS', uid: 'APP-USER-7', type: 'APP_USER', contract_id: 'DE-EMS-C7' };
let n = 0;

/** An OCPI command from the eMSP to the first process; the CommandResult once answered (by whichever process). */
async function send(command: string, body: Record<string, unknown>) {
  const responseUrl = `${emsp.fake.url}/results/${++n}`;
  const res = await request(first.url)
    .post(`/ocpi/cpo/2.2.1/commands/${command}`)
    .set({ Authorization: tokenHeader(emsp.tokenC), 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': 'EMS', 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CPO' })
    .send({ response_url: responseUrl, ...body })
    .expect(200);
  const result = () =>
    eventually(async () => {
      const record = await first.ctx.db.cpoCommand.findFirst({ where: { responseUrl } });
      expect(record?.result).toEqual(expect.any(String));
      return record?.result;
    });
  return { response: res.body.data as { result: string; message?: Array<{ text: string }> }, result };
}

const row = () => first.ctx.db.ocppChargePoint.findUniqueOrThrow({ where: { partyKey_idKey: key } });

async function gauge(p: TestPlatform): Promise<number> {
  const text = (await request(p.url).get('/metrics').expect(200)).text;
  const line = text.split('\n').find((l) => l.startsWith('ocpp_connected_charge_points{'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

async function connectToSecond(): Promise<ChargePointClient> {
  return connectChargePoint(chargePointUrl(second.url, 'NL', 'CPO'), 'CP-X', PASSWORD, ['ocpp1.6'], {
    RemoteStartTransaction: (params) => (calls.push({ action: 'RemoteStartTransaction', params }), { status: 'Accepted' }),
    RemoteStopTransaction: (params) => (calls.push({ action: 'RemoteStopTransaction', params }), { status: 'Accepted' }),
    UnlockConnector: (params) => (calls.push({ action: 'UnlockConnector', params }), { status: 'Unlocked' }),
  });
}

beforeAll(async () => {
  first = await startTestPlatform('ocpp_scale_a', { env: { LOG_LEVEL: 'warn', METRICS_CACHE_MS: '0' } });
  second = await startTestPlatform('ocpp_scale_b', {
    // One deployment: the same database schema, Redis prefix and secrets.
    env: {
      LOG_LEVEL: 'warn',
      METRICS_CACHE_MS: '0',
      DATABASE_URL: `${TEST_DATABASE_URL}?schema=${first.schema}`,
      REDIS_PREFIX: first.ctx.config.REDIS_PREFIX,
      TOKEN_ENCRYPTION_KEY: first.ctx.config.TOKEN_ENCRYPTION_KEY,
    },
  });
  await first.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  await first.admin().put(`${cpo}/tariffs/T1`, aTariff('T1')).expect(200);
  const evses = [anEvse('EVSE1', { capabilities: CAPABLE }), anEvse('EVSE2', { capabilities: CAPABLE })];
  await first.admin().put(`${cpo}/locations/LOC1`, aLocation('LOC1', { evses })).expect(200);
  await first.admin().put(`${cpo}/backend`, { adapter: 'ocpp' }).expect(200);
  await first.admin().put(`${cpo}/charge-points/CP-X`, { password: PASSWORD, location_id: 'LOC1' }).expect(201);
  emsp = await aRegisteredPeer(first);
  emsp.fake.on('POST', '/results/*', (_req, res) => void res.json({ status_code: 1000, timestamp: new Date().toISOString() }));
  cp = await connectToSecond();
  await cp.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Duo' });
});

afterAll(async () => {
  await cp?.close().catch(() => undefined);
  await emsp?.fake.close();
  await second?.stop();
  await first?.stop();
});

test('the charge point is held by the second process, and both know it', async () => {
  // The connection is written beside the BootNotification, not before its answer.
  await eventually(async () => expect((await row()).holder).toBe(ocppEndpointOf(second.ctx)?.processId));
  expect(ocppEndpointOf(first.ctx)?.processId).not.toBe(ocppEndpointOf(second.ctx)?.processId);
  expect((await first.admin().get(`${cpo}/charge-points/CP-X`).expect(200)).body.connected).toBe(true);
  expect([await gauge(first), await gauge(second)]).toEqual([0, 1]);
});

test('START_SESSION and STOP_SESSION received by the first process reach the charge point through the second', async () => {
  const start = await send('START_SESSION', { token, location_id: 'LOC1', evse_uid: 'EVSE2' });
  // Not refused: the socket is open, in the other process.
  expect(start.response.result).toBe('ACCEPTED');
  expect(await start.result()).toBe('ACCEPTED');
  expect(calls.at(-1)).toEqual({ action: 'RemoteStartTransaction', params: { connectorId: 2, idTag: 'APP-USER-7' } });
  const started = await cp.call<{ transactionId: number; idTagInfo: { status: string } }>('StartTransaction', {
    connectorId: 2,
    idTag: 'APP-USER-7',
    meterStart: 0,
    timestamp: new Date().toISOString(),
  });
  expect(started.idTagInfo.status).toBe('Accepted');
  const [session] = (await first.admin().get(`${cpo}/sessions?status=ACTIVE`).expect(200)).body.items;
  expect(session).toMatchObject({ auth_method: 'COMMAND', evse_uid: 'EVSE2' });
  const stop = await send('STOP_SESSION', { session_id: session.id });
  expect(await stop.result()).toBe('ACCEPTED');
  expect(calls.at(-1)).toEqual({ action: 'RemoteStopTransaction', params: { transactionId: started.transactionId } });
  await cp.call('StopTransaction', { transactionId: started.transactionId, meterStop: 1000, timestamp: new Date().toISOString() });
});

test('UNLOCK_CONNECTOR is routed the same way', async () => {
  const unlock = await send('UNLOCK_CONNECTOR', { location_id: 'LOC1', evse_uid: 'EVSE1', connector_id: '1' });
  expect(await unlock.result()).toBe('ACCEPTED');
  expect(calls.at(-1)).toEqual({ action: 'UnlockConnector', params: { connectorId: 1 } });
});

test('a process whose lease lapsed is written off by the others, and claims its charge points back when it renews', async () => {
  const holder = ocppEndpointOf(second.ctx)?.processId as string;
  // The second process may renew between the delete and the sweep: then the lapse did not happen yet, try again.
  let writtenOff = false;
  for (let attempt = 0; attempt < 5 && !writtenOff; attempt++) {
    await second.ctx.redis.del(`${second.ctx.config.REDIS_PREFIX}:ocpp:process:${holder}`);
    await ocppEndpointOf(first.ctx)?.sweep();
    writtenOff = (await row()).connectedSince === null;
  }
  expect(writtenOff).toBe(true);
  // The second process renews its lease on its timer and finds the row written off: it is its own again.
  await eventually(async () => expect(await row()).toMatchObject({ holder, connectedSince: expect.any(Date), offlineDueAt: null }), 20_000, 200);
  const unlock = await send('UNLOCK_CONNECTOR', { location_id: 'LOC1', evse_uid: 'EVSE1', connector_id: '1' });
  expect(await unlock.result()).toBe('ACCEPTED');
});

test('a holder that died without closing is not connected: commands are refused at once', async () => {
  await first.ctx.db.ocppChargePoint.update({ where: { partyKey_idKey: key }, data: { holder: 'gone-host:1:00000000' } });
  const refused = await send('UNLOCK_CONNECTOR', { location_id: 'LOC1', evse_uid: 'EVSE1', connector_id: '1' });
  expect(refused.response).toMatchObject({ result: 'REJECTED', message: [{ text: 'Charge point CP-X is not connected' }] });
  await first.ctx.db.ocppChargePoint.update({ where: { partyKey_idKey: key }, data: { holder: ocppEndpointOf(second.ctx)?.processId } });
});

test('removing the charge point through the first process closes its socket in the second', async () => {
  const closed = new Promise((resolve) => cp.client.once('close', resolve));
  await first.admin().delete(`${cpo}/charge-points/CP-X`).expect(204);
  await closed;
  await eventually(async () => expect(await gauge(second)).toBe(0));
});

test('once no process holds it, commands for it are refused at once', async () => {
  await first.admin().put(`${cpo}/charge-points/CP-X`, { password: PASSWORD, location_id: 'LOC1' }).expect(201);
  cp = await connectToSecond();
  await cp.call('Heartbeat', {});
  await second.stop();
  await eventually(async () => expect((await row()).connectedSince).toBeNull());
  const refused = await send('START_SESSION', { token, location_id: 'LOC1', evse_uid: 'EVSE1' });
  expect(refused.response).toMatchObject({ result: 'REJECTED', message: [{ text: 'Charge point CP-X is not connected' }] });
});
