/**
 * OCPP charge points that go away: EVSEs turn UNKNOWN once the grace period is over (not when
 * the charge point is back in time), a row left "connected" by a process that died is cleaned
 * up, stale remote starts and expired reservations are dropped, and a session the charge point
 * ran while offline (its StartTransaction, MeterValues and StopTransaction queued and sent after
 * reconnecting, with their own past timestamps) is accepted and billed; a charge point back after
 * its EVSEs were written off is asked for its statuses. The sweep runs on a
 * timer; the tests run it themselves and move the grace deadline instead of waiting.
 */
import crypto from 'node:crypto';
import { ocppEndpointOf } from '../../../src/backends/ocpp/index.js';
import { aBusinessDetails } from '../../helpers/builders.js';
import { eventually, sleep } from '../../helpers/eventually.js';
import { aLocation } from '../../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../../helpers/registered-peer.js';
import { aTariff } from '../../helpers/tariffs.js';
import { type ChargePointClient, chargePointUrl, connectChargePoint, ocmfRecord } from './charge-point.js';
import { statusQueueOf } from '../../../src/backends/ocpp/status-queue.js';

jest.setTimeout(60_000);

let platform: TestPlatform;
let emsp: RegisteredPeer;
let endpoint: string;
const PASSWORD = 'offline-password-0001';
const cpo = '/parties/NL/CPO';
const key = { partyKey: 'NLCPO', idKey: 'CP-1' };

// Statuses are answered once queued: the stored one is read after the queue has written it.
const evseStatus = async (uid: string) => {
  await statusQueueOf(platform.ctx).idle();
  return ((await platform.ctx.services.ownLocations.find(['NLCPO'], 'LOC1', { kind: 'evse', evseUid: uid })) as { status: string } | null)?.status;
};
const row = () => platform.ctx.db.ocppChargePoint.findUniqueOrThrow({ where: { partyKey_idKey: key } });
const sweep = () => {
  const ocpp = ocppEndpointOf(platform.ctx);
  if (!ocpp) throw new Error('no OCPP endpoint');
  return ocpp.sweep();
};
const connect = () => connectChargePoint(endpoint, 'CP-1', PASSWORD);
/** Resolves once the platform has seen the socket close (the row no longer says connected). */
async function disconnect(cp: ChargePointClient) {
  await cp.close();
  for (let i = 0; i < 200 && (await row()).connectedSince !== null; i++) await new Promise((r) => setTimeout(r, 25));
}

beforeAll(async () => {
  platform = await startTestPlatform('ocpp_offline', { env: { LOG_LEVEL: 'warn', OCPP_OFFLINE_GRACE_SECONDS: '3600' } });
  endpoint = chargePointUrl(platform.url, 'NL', 'CPO');
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  await platform.admin().put(`${cpo}/tariffs/T1`, aTariff('T1')).expect(200);
  await platform.admin().put(`${cpo}/locations/LOC1`, aLocation('LOC1')).expect(200);
  await platform.admin().put(`${cpo}/backend`, { adapter: 'ocpp' }).expect(200);
  await platform.admin().put(`${cpo}/charge-points/CP-1`, { password: PASSWORD, location_id: 'LOC1' }).expect(201);
  emsp = await aRegisteredPeer(platform);
  const token = {
    country_code: 'DE',
    party_id: 'EMS',
    uid: 'GOOD0001',
    type: 'RFID',
    contract_id: 'DE-EMS-GOOD0001',
    issuer: 'Test eMSP',
    valid: true,
    whitelist: 'ALWAYS',
    last_updated: new Date().toISOString(),
  };
  await request(platform.url)
    .put('/ocpi/cpo/2.2.1/tokens/DE/EMS/GOOD0001')
    .set({ Authorization: tokenHeader(emsp.tokenC), 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CPO', 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': 'EMS' })
    .send(token)
    .expect(201);
});

afterAll(async () => {
  await emsp?.fake.close();
  await platform?.stop();
});

describe('a charge point that disconnects', () => {
  test('reconnecting within the grace period changes nothing', async () => {
    let cp = await connect();
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
    // The connection is written beside the first messages, not before their answers.
    await eventually(async () => expect(await row()).toMatchObject({ holder: ocppEndpointOf(platform.ctx)?.processId, offlineDueAt: null }));
    await disconnect(cp);
    const closed = await row();
    // Due one grace period after the close.
    expect(closed.offlineDueAt?.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    expect((await sweep()).offline).toBe(0);
    expect([await evseStatus('EVSE1'), await evseStatus('EVSE2')]).toEqual(['AVAILABLE', 'AVAILABLE']);
    cp = await connect();
    await cp.call('Heartbeat', {});
    await eventually(async () => expect(await row()).toMatchObject({ offlineDueAt: null, connectedSince: expect.any(Date) }));
    await disconnect(cp);
  });

  test('staying away past the grace period turns its EVSEs UNKNOWN, once; its own status brings them back', async () => {
    await platform.ctx.db.ocppChargePoint.update({ where: { partyKey_idKey: key }, data: { offlineDueAt: new Date(Date.now() - 1000) } });
    // (The platform's own timer may sweep first: the outcome is checked, not who got there.)
    await sweep();
    expect([await evseStatus('EVSE1'), await evseStatus('EVSE2')]).toEqual(['UNKNOWN', 'UNKNOWN']);
    expect((await row()).offlineDueAt).toBeNull();
    expect((await sweep()).offline).toBe(0);
    const cp = await connect();
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
    await cp.call('StatusNotification', { connectorId: 2, errorCode: 'NoError', status: 'Available' });
    expect([await evseStatus('EVSE1'), await evseStatus('EVSE2')]).toEqual(['AVAILABLE', 'AVAILABLE']);
    await disconnect(cp);
  });

  test('a row left connected by a process that died (its lease gone) is disconnected, then written off after the grace period', async () => {
    await platform.ctx.db.ocppChargePoint.update({
      where: { partyKey_idKey: key },
      data: { connectedSince: new Date(), holder: 'crashed-host:4242:deadbeef', offlineDueAt: null },
    });
    expect((await platform.admin().get(`${cpo}/charge-points/CP-1`).expect(200)).body.connected).toBe(true);
    await sweep();
    expect((await platform.admin().get(`${cpo}/charge-points/CP-1`).expect(200)).body.connected).toBe(false);
    expect((await row()).offlineDueAt?.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    await platform.ctx.db.ocppChargePoint.update({ where: { partyKey_idKey: key }, data: { offlineDueAt: new Date(Date.now() - 1000) } });
    await sweep();
    expect(await evseStatus('EVSE1')).toBe('UNKNOWN');
    expect((await row()).offlineDueAt).toBeNull();
  });

  test('back after being written off, it is asked for its statuses once it has spoken, even when that is answered before its location is read', async () => {
    expect([await evseStatus('EVSE1'), await evseStatus('EVSE2')]).toEqual(['UNKNOWN', 'UNKNOWN']);
    // A loaded database: the location is read after the charge point's first call is answered.
    const locations = platform.ctx.services.ownLocations;
    const find = locations.find.bind(locations);
    const slowReads = jest.spyOn(locations, 'find').mockImplementation(async (...args) => {
      await sleep(300);
      return find(...args);
    });
    const triggered: Array<Record<string, unknown>> = [];
    const cp: ChargePointClient = await connectChargePoint(endpoint, 'CP-1', PASSWORD, ['ocpp1.6'], {
      TriggerMessage: (params) => {
        triggered.push(params);
        // As a charge point does: accept, then send what was asked for.
        setTimeout(async () => {
          for (const connectorId of [1, 2]) await cp.call('StatusNotification', { connectorId, errorCode: 'NoError', status: 'Available' });
        }, 10);
        return { status: 'Accepted' };
      },
    });
    expect(triggered).toEqual([]);
    await cp.call('Heartbeat', {});
    await eventually(async () => expect([await evseStatus('EVSE1'), await evseStatus('EVSE2')]).toEqual(['AVAILABLE', 'AVAILABLE']));
    expect(triggered).toEqual([{ requestedMessage: 'StatusNotification' }]);
    slowReads.mockRestore();
    await disconnect(cp);
  });

  test("this process's own sockets are never written off", async () => {
    const cp = await connect();
    await cp.call('Heartbeat', {});
    await eventually(async () => expect((await row()).connectedSince).not.toBeNull());
    expect((await sweep()).orphaned).toBe(0);
    expect((await row()).connectedSince).not.toBeNull();
    await disconnect(cp);
  });
});

describe('clean-up', () => {
  test('remote starts never followed by a StartTransaction and expired reservations are dropped', async () => {
    const base = { partyKey: 'NLCPO', chargePointKey: 'CP-1', ocppConnector: 1, locationId: 'LOC1', evseUid: 'EVSE1', connectorId: '1' };
    const stale = crypto.randomUUID();
    const fresh = crypto.randomUUID();
    await platform.ctx.db.ocppTransaction.createMany({
      data: [
        { ...base, id: stale, status: 'PENDING', idTag: 'OLD', createdAt: new Date(Date.now() - 11 * 60_000) },
        { ...base, id: fresh, status: 'PENDING', idTag: 'NEW' },
      ],
    });
    const reservation = { ...base, idTag: 'R', cdrToken: {}, commandId: crypto.randomUUID() };
    await platform.ctx.db.ocppReservation.createMany({
      data: [
        { ...reservation, reservationId: 900001n, expiryDate: new Date(Date.now() - 1000) },
        { ...reservation, reservationId: 900002n, expiryDate: new Date(Date.now() + 600_000) },
      ],
    });
    await sweep();
    expect((await platform.ctx.db.ocppTransaction.findMany({ where: { status: 'PENDING' } })).map((t) => t.id)).toEqual([fresh]);
    expect((await platform.ctx.db.ocppReservation.findMany()).map((r) => r.reservationId)).toEqual([900002n]);
  });
});

describe('a session that ran while the charge point was offline', () => {
  test('its queued StartTransaction, MeterValues and StopTransaction are accepted after reconnecting, and billed at their own times', async () => {
    const t0 = new Date(Date.now() - 3 * 3600_000);
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000).toISOString();
    // Everything below happened hours ago; the charge point sends it now, in order.
    const cp = await connect();
    await cp.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Duo' });
    const started = await cp.call<{ transactionId: number; idTagInfo: { status: string } }>('StartTransaction', {
      connectorId: 2,
      idTag: 'GOOD0001',
      meterStart: 2_000_000,
      timestamp: at(0),
    });
    expect(started.idTagInfo.status).toBe('Accepted');
    await cp.call('MeterValues', { connectorId: 2, transactionId: started.transactionId, meterValue: [{ timestamp: at(30), sampledValue: [{ value: '2004000' }] }] });
    await cp.call('StopTransaction', {
      transactionId: started.transactionId,
      meterStop: 2_010_000,
      timestamp: at(90),
      reason: 'Local',
      transactionData: [{ timestamp: at(90), sampledValue: [{ value: ocmfRecord('E', 2010, new Date(at(90))), format: 'SignedData', context: 'Transaction.End' }] }],
    });
    await cp.call('StatusNotification', { connectorId: 2, errorCode: 'NoError', status: 'Available' });
    const [session] = (await platform.admin().get(`${cpo}/sessions?status=COMPLETED`).expect(200)).body.items;
    expect(session).toMatchObject({ evse_uid: 'EVSE2', kwh: 10, start_date_time: at(0), end_date_time: at(90), auth_method: 'WHITELIST' });
    const [cdr] = (await platform.admin().get(`${cpo}/cdrs`).expect(200)).body.items;
    expect(cdr).toMatchObject({ session_id: session.id, start_date_time: at(0), end_date_time: at(90), total_energy: 10, cdr_token: { uid: 'GOOD0001' } });
    // 0.50 start fee + 10 kWh at 0.25, excl. VAT.
    expect(cdr.total_cost.excl_vat).toBeCloseTo(3, 2);
    expect(cdr.signed_data).toMatchObject({ signed_values: [{ nature: 'End' }] });
    await disconnect(cp);
  });
});
