/**
 * The `ocpp` backend adapter with one platform and OCPP 1.6J charge points over real
 * WebSockets: registration through the admin API, the handshake's refusals, boot and status
 * driving EVSE status, authorization through the platform's real-time authorization, a locally
 * started (RFID) session billed with its signed meter values, and malformed messages.
 */
import { aBusinessDetails } from '../../helpers/builders.js';
import { eventually } from '../../helpers/eventually.js';
import { aLocation } from '../../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../../helpers/registered-peer.js';
import { aTariff } from '../../helpers/tariffs.js';
import { type ChargePointClient, chargePointUrl, connectChargePoint, ocmfRecord, refusedWith } from './charge-point.js';
import { statusQueueOf } from '../../../src/backends/ocpp/status-queue.js';

jest.setTimeout(60_000);

let platform: TestPlatform;
let emsp: RegisteredPeer;
let endpoint: string;
const PASSWORD = 'correct-horse-battery-1';
const cpo = '/parties/NL/CPO';
const open: ChargePointClient[] = [];

async function connect(id = 'CP-1', password = PASSWORD): Promise<ChargePointClient> {
  const cp = await connectChargePoint(endpoint, id, password);
  open.push(cp);
  return cp;
}

// Statuses are answered once queued: the stored one is read after the queue has written it.
const evseStatus = async (uid: string) => {
  await statusQueueOf(platform.ctx).idle();
  return ((await platform.ctx.services.ownLocations.find(['NLCPO'], 'LOC1', { kind: 'evse', evseUid: uid })) as { status: string } | null)?.status;
};

function aToken(uid: string, overrides: Record<string, unknown> = {}) {
  return {
    country_code: 'DE',
    party_id: 'EMS',
    uid,
    type: 'RFID',
    contract_id: `DE-EMS-${uid}`,
    issuer: 'Test eMSP',
    valid: true,
    whitelist: 'ALWAYS',
    last_updated: new Date().toISOString(),
    ...overrides,
  };
}

beforeAll(async () => {
  platform = await startTestPlatform('ocpp16', { env: { LOG_LEVEL: 'warn' } });
  endpoint = chargePointUrl(platform.url, 'NL', 'CPO');
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'SIM', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  await platform.admin().put(`${cpo}/tariffs/T1`, aTariff('T1')).expect(200);
  await platform.admin().put(`${cpo}/locations/LOC1`, aLocation('LOC1')).expect(200);
  await platform.admin().put(`${cpo}/backend`, { adapter: 'ocpp' }).expect(200);
  await platform.admin().put('/parties/NL/SIM/backend', { adapter: 'simulator' }).expect(200);
  // The tokens' eMSP: ALWAYS tokens are decided from the cache, so nothing asks the fake peer.
  emsp = await aRegisteredPeer(platform);
  for (const token of [aToken('GOOD0001'), aToken('BLOCKED01', { valid: false }), aToken('OFFLINE01', { whitelist: 'ALLOWED' }), aToken('NEVER0001', { whitelist: 'NEVER' })]) {
    const res = await request(platform.url)
      .put(`/ocpi/cpo/2.2.1/tokens/DE/EMS/${token.uid}`)
      .set({ Authorization: tokenHeader(emsp.tokenC), 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CPO', 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': 'EMS' })
      .send(token)
      .expect(201);
    expect(`${res.body.status_code} ${res.body.status_message ?? ''}`).toMatch(/^1000/);
  }
});

afterAll(async () => {
  for (const cp of open) await cp.close().catch(() => undefined);
  await emsp?.fake.close();
  await platform?.stop();
});

describe('registration API', () => {
  test('the backend takes the ocpp adapter, but only for a CPO party', async () => {
    expect((await platform.admin().get(`${cpo}/backend`).expect(200)).body).toEqual({ adapter: 'ocpp' });
    await platform.admin().post('/parties', { country_code: 'NL', party_id: 'MSP', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
    const refused = await platform.admin().put('/parties/NL/MSP/backend', { adapter: 'ocpp' }).expect(400);
    expect(refused.body.error.message).toContain('body.adapter');
  });

  test('a charge point is registered with a password that is never shown, and listed', async () => {
    const created = await platform.admin().put(`${cpo}/charge-points/CP-1`, { password: PASSWORD, location_id: 'LOC1' }).expect(201);
    expect(created.body).toMatchObject({ charge_point_id: 'CP-1', location_id: 'LOC1', connectors: null, connected: false, protocol: null });
    expect(JSON.stringify(created.body)).not.toContain(PASSWORD);
    expect(created.body).not.toHaveProperty('password');
    // A change without a password keeps the one registered (checked by the connections below).
    await platform.admin().put(`${cpo}/charge-points/CP-1`, { location_id: 'LOC1' }).expect(200);
    const list = (await platform.admin().get(`${cpo}/charge-points`).expect(200)).body;
    expect(list.map((c: { charge_point_id: string }) => c.charge_point_id)).toEqual(['CP-1']);
    const stored = await platform.ctx.db.ocppChargePoint.findFirst({ where: { chargePointId: 'CP-1' } });
    expect(stored?.passwordHash).toMatch(/^scrypt\$/);
    expect(stored?.passwordHash).not.toContain(PASSWORD);
  });

  test('bad registrations are refused naming the field', async () => {
    const noPassword = await platform.admin().put(`${cpo}/charge-points/CP-NEW`, { location_id: 'LOC1' }).expect(400);
    expect(noPassword.body.error.message).toContain('body.password');
    const short = await platform.admin().put(`${cpo}/charge-points/CP-NEW`, { password: 'short', location_id: 'LOC1' }).expect(400);
    expect(short.body.error.message).toContain('body.password');
    const nowhere = await platform.admin().put(`${cpo}/charge-points/CP-NEW`, { password: PASSWORD, location_id: 'NOPE' }).expect(400);
    expect(nowhere.body.error.message).toContain('body.location_id');
    const mapped = await platform
      .admin()
      .put(`${cpo}/charge-points/CP-NEW`, { password: PASSWORD, location_id: 'LOC1', connectors: { '1': { evse_uid: 'EVSE9', connector_id: '1' } } })
      .expect(400);
    expect(mapped.body.error.message).toContain('body.connectors.1');
    await platform.admin().get(`${cpo}/charge-points/CP-NEW`).expect(404);
    await platform.admin().delete(`${cpo}/charge-points/CP-NEW`).expect(404);
  });
});

describe('handshake', () => {
  test('a wrong password, an unknown charge point, no password and a party without the ocpp adapter are refused', async () => {
    expect(await refusedWith(endpoint, 'CP-1', 'wrong-password-000000')).toBe(401);
    expect(await refusedWith(endpoint, 'CP-UNKNOWN', PASSWORD)).toBe(401);
    expect(await refusedWith(endpoint, 'CP-1', undefined)).toBe(401);
    await platform.admin().put('/parties/NL/SIM/charge-points/CP-S', { password: PASSWORD, location_id: 'LOC1' }).expect(400);
    expect(await refusedWith(chargePointUrl(platform.url, 'NL', 'SIM'), 'CP-1', PASSWORD)).toBe(404);
    expect(await refusedWith(chargePointUrl(platform.url, 'XX', 'YYY'), 'CP-1', PASSWORD)).toBe(404);
  });

  test('a charge point that offers no subprotocol we speak is refused', async () => {
    expect(await refusedWith(endpoint, 'CP-1', PASSWORD, ['ocpp9.9'])).toBe(400);
  });
});

describe('boot and status', () => {
  test('BootNotification is accepted with the heartbeat interval, and the charge point shows connected', async () => {
    const cp = await connect();
    expect(cp.client.protocol).toBe('ocpp1.6');
    const boot = await cp.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Wallbox 22', firmwareVersion: '1.2.3' });
    expect(boot).toMatchObject({ status: 'Accepted', interval: 300, currentTime: expect.any(String) });
    expect(await cp.call('Heartbeat', {})).toEqual({ currentTime: expect.any(String) });
    const view = (await platform.admin().get(`${cpo}/charge-points/CP-1`).expect(200)).body;
    expect(view).toMatchObject({ connected: true, protocol: 'ocpp1.6', boot: { vendor: 'Acme', model: 'Wallbox 22', firmware: '1.2.3' }, last_seen_at: expect.any(String) });
  });

  test('StatusNotification of connector n sets the n-th EVSE; connector 0 Unavailable sets all of them', async () => {
    const cp = open[0];
    const status = (connectorId: number, s: string) => cp.call('StatusNotification', { connectorId, errorCode: 'NoError', status: s });
    await status(2, 'Faulted');
    expect(await evseStatus('EVSE2')).toBe('OUTOFORDER');
    expect(await evseStatus('EVSE1')).toBe('AVAILABLE');
    await status(0, 'Unavailable');
    expect([await evseStatus('EVSE1'), await evseStatus('EVSE2')]).toEqual(['INOPERATIVE', 'INOPERATIVE']);
    await status(1, 'Available');
    await status(2, 'Available');
    expect([await evseStatus('EVSE1'), await evseStatus('EVSE2')]).toEqual(['AVAILABLE', 'AVAILABLE']);
  });

  test('an explicit mapping overrides the list order', async () => {
    await platform
      .admin()
      .put(`${cpo}/charge-points/CP-1`, { location_id: 'LOC1', connectors: { '1': { evse_uid: 'EVSE2', connector_id: '1' } } })
      .expect(200);
    open[0].client.close({ code: 1000 });
    open.length = 0;
    const cp = await connect();
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Reserved' });
    expect([await evseStatus('EVSE1'), await evseStatus('EVSE2')]).toEqual(['AVAILABLE', 'RESERVED']);
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
    await platform.admin().put(`${cpo}/charge-points/CP-1`, { location_id: 'LOC1', connectors: null }).expect(200);
    await cp.close();
    open.length = 0;
  });
});

describe('authorization', () => {
  test('Authorize answers from the platform: allowed, blocked, unknown', async () => {
    const cp = await connect();
    const auth = async (idTag: string) => ((await cp.call('Authorize', { idTag })) as { idTagInfo: { status: string } }).idTagInfo.status;
    expect(await auth('GOOD0001')).toBe('Accepted');
    expect(await auth('good0001')).toBe('Accepted');
    expect(await auth('BLOCKED01')).toBe('Blocked');
    expect(await auth('NOBODY')).toBe('Invalid');
  });

  test("when the token's eMSP cannot be reached, the whitelist fallback decides", async () => {
    // The fake eMSP offers no tokens SENDER: real-time authorization cannot reach it.
    const cp = open[open.length - 1];
    const auth = async (idTag: string) => ((await cp.call('Authorize', { idTag })) as { idTagInfo: { status: string } }).idTagInfo.status;
    expect(await auth('OFFLINE01')).toBe('Accepted');
    expect(await auth('NEVER0001')).toBe('Invalid');
  });
});

describe('a locally started session', () => {
  const t0 = new Date(Date.now() - 3600_000);
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
  let transactionId: number;

  test('StartTransaction with an allowed RFID opens the session', async () => {
    const cp = open[open.length - 1];
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing' });
    const started = await cp.call<{ transactionId: number; idTagInfo: { status: string } }>('StartTransaction', {
      connectorId: 1,
      idTag: 'GOOD0001',
      meterStart: 1_000_000,
      timestamp: t0.toISOString(),
    });
    expect(started.idTagInfo.status).toBe('Accepted');
    transactionId = started.transactionId;
    // The same message re-sent (its answer was lost) is the same transaction.
    const again = await cp.call<{ transactionId: number }>('StartTransaction', { connectorId: 1, idTag: 'GOOD0001', meterStart: 1_000_000, timestamp: t0.toISOString() });
    expect(again.transactionId).toBe(transactionId);
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging' });
    expect(await evseStatus('EVSE1')).toBe('CHARGING');
    const sessions = (await platform.admin().get(`${cpo}/sessions?status=ACTIVE`).expect(200)).body.items;
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({
      location_id: 'LOC1',
      evse_uid: 'EVSE1',
      connector_id: '1',
      auth_method: 'WHITELIST',
      kwh: 0,
      currency: 'EUR',
      cdr_token: { uid: 'GOOD0001', contract_id: 'DE-EMS-GOOD0001', country_code: 'DE', party_id: 'EMS' },
    });
  });

  test('a start with a blocked token is answered Blocked and opens no session', async () => {
    const cp = open[open.length - 1];
    const started = await cp.call<{ idTagInfo: { status: string } }>('StartTransaction', {
      connectorId: 2,
      idTag: 'BLOCKED01',
      meterStart: 0,
      timestamp: new Date().toISOString(),
    });
    expect(started.idTagInfo.status).toBe('Blocked');
    expect((await platform.admin().get(`${cpo}/sessions`).expect(200)).body.total).toBe(1);
  });

  test('MeterValues update the kWh and add charging periods; a new connection carries on the same transaction', async () => {
    let cp = open[open.length - 1];
    await cp.call('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [
        {
          timestamp: at(30).toISOString(),
          sampledValue: [
            { value: '1003.5', unit: 'kWh', measurand: 'Energy.Active.Import.Register' },
            { value: '7000', measurand: 'Power.Active.Import', unit: 'W' },
          ],
        },
      ],
    });
    const [session] = (await platform.admin().get(`${cpo}/sessions?status=ACTIVE`).expect(200)).body.items;
    expect(session.kwh).toBe(3.5);
    expect(session.charging_periods).toEqual([{ start_date_time: expect.any(String), dimensions: [{ type: 'ENERGY', volume: 3.5 }] }]);
    // The charge point reconnects: the transaction lives in the database, not in the socket.
    await cp.close();
    cp = await connect();
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'SuspendedEV' });
    const stop = await cp.call<{ idTagInfo?: { status: string } }>('StopTransaction', {
      transactionId,
      idTag: 'GOOD0001',
      meterStop: 1_007_000,
      timestamp: at(60).toISOString(),
      reason: 'Local',
      transactionData: [
        { timestamp: t0.toISOString(), sampledValue: [{ value: ocmfRecord('B', 1000, t0), format: 'SignedData', context: 'Transaction.Begin' }] },
        { timestamp: at(60).toISOString(), sampledValue: [{ value: ocmfRecord('E', 1007, at(60)), format: 'SignedData', context: 'Transaction.End' }] },
      ],
    });
    expect(stop.idTagInfo?.status).toBe('Accepted');
  });

  test('StopTransaction completes the session and the tariff engine prices its CDR, with the signed meter values', async () => {
    const [session] = (await platform.admin().get(`${cpo}/sessions?status=COMPLETED`).expect(200)).body.items;
    expect(session).toMatchObject({ kwh: 7, status: 'COMPLETED', end_date_time: expect.any(String) });
    const cdrs = (await platform.admin().get(`${cpo}/cdrs`).expect(200)).body.items;
    expect(cdrs).toHaveLength(1);
    const cdr = cdrs[0];
    expect(cdr).toMatchObject({ session_id: session.id, total_energy: 7, currency: 'EUR', cdr_token: { uid: 'GOOD0001' }, tariffs: [{ id: 'T1' }] });
    // 0.50 start fee + 7 kWh at 0.25, excl. VAT.
    expect(cdr.total_cost.excl_vat).toBeCloseTo(2.25, 2);
    expect(cdr.signed_data).toMatchObject({ encoding_method: 'OCMF', signed_values: [{ nature: 'Start' }, { nature: 'End' }] });
    expect(cdr.signed_data.signed_values[0].signed_data).toBe(ocmfRecord('B', 1000, t0));
    expect(cdr.signed_data.signed_values[0].plain_data).toContain('"TX":"B"');
    // The same stop re-sent changes nothing and is still acknowledged.
    const cp = open[open.length - 1];
    await cp.call('StopTransaction', { transactionId, meterStop: 1_007_000, timestamp: at(60).toISOString() });
    expect((await platform.admin().get(`${cpo}/cdrs`).expect(200)).body.items).toHaveLength(1);
  });
});

describe('malformed messages', () => {
  test('are answered with an OCPP CALLERROR and the socket stays up', async () => {
    const cp = open[open.length - 1];
    const errorFor = (id: string) =>
      eventually(() => {
        const m = cp.received.find((r) => r[0] === 4 && r[1] === id);
        expect(m).toBeDefined();
        return m as unknown[];
      });
    // A BootNotification without its required fields: the schema check refuses it.
    cp.client.sendRaw(JSON.stringify([2, 'bad-1', 'BootNotification', { chargePointVendor: 'Acme' }]));
    expect((await errorFor('bad-1'))[2]).toMatch(/OccurrenceConstraintViolation|FormationViolation|PropertyConstraintViolation/);
    // A wrong type.
    cp.client.sendRaw(JSON.stringify([2, 'bad-2', 'StatusNotification', { connectorId: 'one', errorCode: 'NoError', status: 'Available' }]));
    expect((await errorFor('bad-2'))[2]).toMatch(/TypeConstraintViolation|FormationViolation/);
    // An action 1.6 does not have.
    cp.client.sendRaw(JSON.stringify([2, 'bad-3', 'MakeCoffee', {}]));
    expect((await errorFor('bad-3'))[2]).toBe('NotImplemented');
    // Not even JSON.
    cp.client.sendRaw('this is not OCPP');
    await eventually(() => expect(cp.received.some((r) => r[0] === 4 && (r[1] === null || r[1] === '-1' || r[1] === undefined))).toBe(true));
    expect(await cp.call('Heartbeat', {})).toEqual({ currentTime: expect.any(String) });
  });
});

describe('removal', () => {
  test('removing the charge point closes its socket and it can no longer connect', async () => {
    const cp = open[open.length - 1];
    const closed = new Promise((resolve) => cp.client.once('close', resolve));
    await platform.admin().delete(`${cpo}/charge-points/CP-1`).expect(204);
    await closed;
    expect(await refusedWith(endpoint, 'CP-1', PASSWORD)).toBe(401);
    expect((await platform.admin().get(`${cpo}/charge-points`).expect(200)).body).toEqual([]);
  });
});
