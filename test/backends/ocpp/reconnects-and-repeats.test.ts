/**
 * Issue 19's load and repeat gaps, over real WebSockets (ocpp-rpc clients, strict mode) against
 * one platform with a registered eMSP: a StatusNotification is answered before its EVSE write
 * and the newest status of an EVSE wins while one is written; a reconnect presenting a password
 * verified before skips scrypt until the admin changes or removes the charge point; a 2.0.1
 * TransactionEvent re-sent with a seqNo already applied (also on a new connection) is answered
 * and not applied again, and a gap is logged; a reservation the charge point ends by itself
 * (1.6 Reserved -> Available, 2.0.1 ReservationStatusUpdate) frees the EVSE, reaches the eMSP as
 * CANCELED_RESERVATION when it ended early, and a later CANCEL_RESERVATION is UNKNOWN_RESERVATION.
 */
import { statusQueueOf } from '../../../src/backends/ocpp/status-queue.js';
import { aBusinessDetails } from '../../helpers/builders.js';
import { eventually } from '../../helpers/eventually.js';
import { aLocation, anEvse } from '../../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../../helpers/registered-peer.js';
import { aTariff } from '../../helpers/tariffs.js';
import { type ChargePointClient, chargePointUrl, connectChargePoint, refusedWith } from './charge-point.js';

jest.setTimeout(60_000);

let platform: TestPlatform;
let emsp: RegisteredPeer;
let endpoint: string;
const PASSWORD = 'repeats-password-0001';
const cpo = '/parties/NL/CPO';
const CAPABLE = ['REMOTE_START_STOP_CAPABLE', 'RFID_READER', 'RESERVABLE'];
const open: ChargePointClient[] = [];

/** What the charge points were asked (ReserveNow, CancelReservation), per action. */
const calls: Array<{ action: string; params: Record<string, unknown> }> = [];
const accept = (action: string) => async (params: Record<string, unknown>) => {
  calls.push({ action, params });
  return { status: 'Accepted' };
};

async function connect16(password = PASSWORD): Promise<ChargePointClient> {
  const cp = await connectChargePoint(endpoint, 'CP-16', password, ['ocpp1.6'], { ReserveNow: accept('ReserveNow'), CancelReservation: accept('CancelReservation') });
  open.push(cp);
  return cp;
}

async function connect201(): Promise<ChargePointClient> {
  const cp = await connectChargePoint(endpoint, 'CS-201', PASSWORD, ['ocpp2.0.1'], { ReserveNow: accept('ReserveNow 2.0.1'), CancelReservation: accept('CancelReservation') });
  open.push(cp);
  return cp;
}

const evseStatus = async (locationId: string, uid: string) => {
  await statusQueueOf(platform.ctx).idle();
  return ((await platform.ctx.services.ownLocations.find(['NLCPO'], locationId, { kind: 'evse', evseUid: uid })) as { status: string } | null)?.status;
};

const card = (uid: string) => ({ country_code: 'DE', party_id: 'EMS', uid, type: 'RFID', contract_id: `DE-EMS-${uid}` });
let n = 0;

/** An OCPI command from the eMSP; its synchronous answer, and its CommandResult once stored. */
async function send(command: string, body: Record<string, unknown>) {
  const responseUrl = `${emsp.fake.url}/results/${++n}`;
  const res = await request(platform.url)
    .post(`/ocpi/cpo/2.2.1/commands/${command}`)
    .set({ Authorization: tokenHeader(emsp.tokenC), 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': 'EMS', 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CPO' })
    .send({ response_url: responseUrl, ...body })
    .expect(200);
  const stored = async () => {
    const record = await platform.ctx.db.cpoCommand.findFirst({ where: { responseUrl } });
    return record?.result ?? null;
  };
  const result = () =>
    eventually(async () => {
      const value = await stored();
      expect(value).toEqual(expect.any(String));
      return value;
    });
  return { response: res.body.data as { result: string }, result, stored, responseUrl };
}

const reserve = (reservationId: string, locationId: string, evseUid: string, minutes = 60) =>
  send('RESERVE_NOW', {
    token: card('RES-CARD'),
    expiry_date: new Date(Date.now() + minutes * 60_000).toISOString(),
    reservation_id: reservationId,
    location_id: locationId,
    evse_uid: evseUid,
  });

async function metric(labels: Record<string, string>): Promise<number> {
  const text = (await request(platform.url).get('/metrics').expect(200)).text;
  const line = text.split('\n').find((l) => l.startsWith('ocpp_handshake_password_checks_total{') && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

beforeAll(async () => {
  platform = await startTestPlatform('ocpp_repeats', { env: { LOG_LEVEL: 'warn', METRICS_CACHE_MS: '0' } });
  endpoint = chargePointUrl(platform.url, 'NL', 'CPO');
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  await platform.admin().put(`${cpo}/tariffs/T1`, aTariff('T1')).expect(200);
  const evses = (...uids: string[]) => uids.map((uid) => anEvse(uid, { capabilities: CAPABLE }));
  await platform
    .admin()
    .put(`${cpo}/locations/LOC1`, aLocation('LOC1', { evses: evses('EVSE1', 'EVSE2') }))
    .expect(200);
  await platform
    .admin()
    .put(`${cpo}/locations/LOC2`, aLocation('LOC2', { evses: evses('EVSE3', 'EVSE4') }))
    .expect(200);
  await platform.admin().put(`${cpo}/backend`, { adapter: 'ocpp' }).expect(200);
  await platform.admin().put(`${cpo}/charge-points/CP-16`, { password: PASSWORD, location_id: 'LOC1' }).expect(201);
  await platform.admin().put(`${cpo}/charge-points/CS-201`, { password: PASSWORD, location_id: 'LOC2' }).expect(201);
  emsp = await aRegisteredPeer(platform);
  emsp.fake.on('POST', '/results/*', (_req, res) => void res.json({ status_code: 1000, timestamp: new Date().toISOString() }));
  const token = { ...card('GOOD0003'), issuer: 'Test eMSP', valid: true, whitelist: 'ALWAYS', last_updated: new Date().toISOString() };
  await request(platform.url)
    .put('/ocpi/cpo/2.2.1/tokens/DE/EMS/GOOD0003')
    .set({ Authorization: tokenHeader(emsp.tokenC), 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CPO', 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': 'EMS' })
    .send(token)
    .expect(201);
});

afterAll(async () => {
  for (const cp of open) await cp.close().catch(() => undefined);
  await emsp?.fake.close();
  await platform?.stop();
});

describe('StatusNotification under load', () => {
  test('is answered before its EVSE is written; while one status of an EVSE is written, the newest of the next ones wins', async () => {
    const cp = await connect16();
    await cp.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Duo' });
    const service = platform.ctx.services.ownLocations;
    const original = service.patch;
    const written: string[] = [];
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    service.patch = async (...args: Parameters<typeof original>) => {
      written.push(String(args[3].status));
      await gate;
      return original.apply(service, args);
    };
    try {
      await cp.call('StatusNotification', { connectorId: 1, errorCode: 'HighTemperature', status: 'Faulted' });
      // Answered while its write waits.
      await eventually(() => expect(written).toEqual(['OUTOFORDER']));
      await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging' });
      await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Unavailable' });
      expect(((await service.find(['NLCPO'], 'LOC1', { kind: 'evse', evseUid: 'EVSE1' })) as { status: string }).status).toBe('AVAILABLE');
      release();
      expect(await evseStatus('LOC1', 'EVSE1')).toBe('INOPERATIVE');
      expect(written).toEqual(['OUTOFORDER', 'INOPERATIVE']);
    } finally {
      service.patch = original;
      release();
    }
    await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });
    expect(await evseStatus('LOC1', 'EVSE1')).toBe('AVAILABLE');
    await cp.close();
  });
});

describe('reconnects', () => {
  test('a password verified before lets the same charge point in without scrypt; a wrong one still pays it and is refused', async () => {
    const cached = { check: 'cached', result: 'accepted' };
    const full = { check: 'scrypt', result: 'accepted' };
    const refused = { check: 'scrypt', result: 'refused' };
    const [cached0, full0, refused0] = [await metric(cached), await metric(full), await metric(refused)];
    // The first connection of this file verified it already: reconnecting hits the cache.
    await (await connect16()).close();
    expect(await metric(cached)).toBe(cached0 + 1);
    expect(await refusedWith(endpoint, 'CP-16', 'wrong-password-00001')).toBe(401);
    expect(await metric(refused)).toBe(refused0 + 1);
    await (await connect16()).close();
    expect([await metric(cached), await metric(full)]).toEqual([cached0 + 2, full0]);
  });

  test('a changed password misses the cache: the old one is refused, the new one verified in full, then cached', async () => {
    const NEW = 'repeats-password-0002';
    await platform.admin().put(`${cpo}/charge-points/CP-16`, { password: NEW, location_id: 'LOC1' }).expect(200);
    const full0 = await metric({ check: 'scrypt', result: 'accepted' });
    expect(await refusedWith(endpoint, 'CP-16', PASSWORD)).toBe(401);
    await (await connect16(NEW)).close();
    expect(await metric({ check: 'scrypt', result: 'accepted' })).toBe(full0 + 1);
    const cached0 = await metric({ check: 'cached', result: 'accepted' });
    await (await connect16(NEW)).close();
    expect(await metric({ check: 'cached', result: 'accepted' })).toBe(cached0 + 1);
    // Any change by the admin forgets it here; removal refuses it.
    await platform.admin().put(`${cpo}/charge-points/CP-16`, { password: PASSWORD, location_id: 'LOC1' }).expect(200);
    await (await connect16()).close();
    expect(await metric({ check: 'scrypt', result: 'accepted' })).toBe(full0 + 2);
  });
});

describe('OCPP 2.0.1 TransactionEvent seqNo', () => {
  const t0 = new Date(Date.now() - 3600_000);
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000).toISOString();
  const event = (seqNo: number, eventType: string, minutes: number, wh?: number) => ({
    eventType,
    timestamp: at(minutes),
    triggerReason: eventType === 'Started' ? 'Authorized' : eventType === 'Ended' ? 'StopAuthorized' : 'MeterValuePeriodic',
    seqNo,
    transactionInfo: { transactionId: 'TX-SEQ-1', ...(eventType === 'Ended' ? { stoppedReason: 'Local' } : { chargingState: 'Charging' }) },
    evse: { id: 1, connectorId: 1 },
    ...(eventType === 'Started' ? { idToken: { idToken: 'GOOD0003', type: 'ISO14443' } } : {}),
    ...(wh === undefined
      ? {}
      : { meterValue: [{ timestamp: at(minutes), sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }] }),
  });
  const session = async () => (await platform.admin().get(`${cpo}/sessions?location_id=LOC2`).expect(200)).body.items[0] as { kwh: number; status: string };
  const stored = () => platform.ctx.db.ocppTransaction.findFirstOrThrow({ where: { transactionId: 'TX-SEQ-1' } });

  test('an event re-sent with a seqNo already applied, on a new connection, is answered and not applied again', async () => {
    let cs = await connect201();
    expect(await cs.call('TransactionEvent', event(0, 'Started', 0, 1000))).toEqual({ idTokenInfo: { status: 'Accepted' } });
    expect(await cs.call('TransactionEvent', event(1, 'Updated', 10, 3000))).toEqual({});
    expect((await session()).kwh).toBe(2);
    expect((await stored()).seqNo).toBe(1);
    await cs.close();
    cs = await connect201();
    // The same seqNo again (its answer was lost): whatever it carries, it was handled already.
    expect(await cs.call('TransactionEvent', event(1, 'Updated', 20, 5000))).toEqual({});
    expect(await cs.call('TransactionEvent', event(0, 'Started', 0, 1000))).toEqual({ idTokenInfo: { status: 'Accepted' } });
    expect((await session()).kwh).toBe(2);
    expect((await stored()).seqNo).toBe(1);
  });

  test('a gap in the seqNo is logged, and the event applied', async () => {
    const warn = jest.spyOn(platform.ctx.log, 'warn');
    try {
      expect(await open.at(-1)?.call('TransactionEvent', event(4, 'Updated', 30, 6000))).toEqual({});
      expect((await session()).kwh).toBe(5);
      expect(warn).toHaveBeenCalledWith(expect.objectContaining({ transaction_id: 'TX-SEQ-1', expected_seq_no: 2, seq_no: 4 }), expect.stringContaining('seqNo gap'));
    } finally {
      warn.mockRestore();
    }
    expect(await open.at(-1)?.call('TransactionEvent', event(5, 'Ended', 40, 7000))).toEqual({});
    const cs = await connect201();
    expect(await cs.call('TransactionEvent', event(5, 'Ended', 45, 9000))).toEqual({});
    expect(await session()).toMatchObject({ status: 'COMPLETED', kwh: 6 });
    expect((await platform.admin().get(`${cpo}/cdrs`).expect(200)).body.items).toHaveLength(1);
    await cs.close();
  });
});

describe('a reservation the charge point ends by itself', () => {
  const rowOf = (id: number) => platform.ctx.db.ocppReservation.findUnique({ where: { reservationId: BigInt(id) } });

  test('1.6: its connector going from Reserved to Available frees the EVSE, the eMSP hears CANCELED_RESERVATION, and a later cancel is UNKNOWN_RESERVATION', async () => {
    const cp = await connect16();
    const reserved = await reserve('R-16', 'LOC1', 'EVSE2');
    expect(await reserved.result()).toBe('ACCEPTED');
    const id = Number(calls.findLast((c) => c.action === 'ReserveNow')?.params.reservationId);
    await cp.call('StatusNotification', { connectorId: 2, errorCode: 'NoError', status: 'Reserved' });
    expect(await evseStatus('LOC1', 'EVSE2')).toBe('RESERVED');
    expect(await rowOf(id)).not.toBeNull();

    await cp.call('StatusNotification', { connectorId: 2, errorCode: 'NoError', status: 'Available' });
    expect(await evseStatus('LOC1', 'EVSE2')).toBe('AVAILABLE');
    await eventually(async () => expect(await reserved.stored()).toBe('CANCELED_RESERVATION'));
    expect(await rowOf(id)).toBeNull();

    const before = calls.length;
    const cancel = await send('CANCEL_RESERVATION', { reservation_id: 'R-16' });
    expect(await cancel.result()).toBe('UNKNOWN_RESERVATION');
    expect(calls.length).toBe(before);
    await cp.close();
  });

  test('2.0.1: ReservationStatusUpdate Removed frees the EVSE and is reported; Expired frees it without a report', async () => {
    const cs = await connect201();
    const removed = await reserve('R-201', 'LOC2', 'EVSE3');
    expect(await removed.result()).toBe('ACCEPTED');
    const id = Number(calls.findLast((c) => c.action === 'ReserveNow 2.0.1')?.params.id);
    await cs.call('StatusNotification', { timestamp: new Date().toISOString(), evseId: 1, connectorId: 1, connectorStatus: 'Reserved' });
    expect(await evseStatus('LOC2', 'EVSE3')).toBe('RESERVED');
    expect(await cs.call('ReservationStatusUpdate', { reservationId: id, reservationUpdateStatus: 'Removed' })).toEqual({});
    expect(await evseStatus('LOC2', 'EVSE3')).toBe('AVAILABLE');
    await eventually(async () => expect(await removed.stored()).toBe('CANCELED_RESERVATION'));
    expect(await rowOf(id)).toBeNull();
    expect(await (await send('CANCEL_RESERVATION', { reservation_id: 'R-201' })).result()).toBe('UNKNOWN_RESERVATION');

    const expired = await reserve('R-201-X', 'LOC2', 'EVSE4');
    expect(await expired.result()).toBe('ACCEPTED');
    const second = Number(calls.findLast((c) => c.action === 'ReserveNow 2.0.1')?.params.id);
    await cs.call('StatusNotification', { timestamp: new Date().toISOString(), evseId: 2, connectorId: 1, connectorStatus: 'Reserved' });
    expect(await evseStatus('LOC2', 'EVSE4')).toBe('RESERVED');
    expect(await cs.call('ReservationStatusUpdate', { reservationId: second, reservationUpdateStatus: 'Expired' })).toEqual({});
    expect(await evseStatus('LOC2', 'EVSE4')).toBe('AVAILABLE');
    expect(await rowOf(second)).toBeNull();
    expect(await expired.stored()).toBe('ACCEPTED');
    await cs.close();
  });
});
