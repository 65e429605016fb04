/**
 * RESERVE_NOW, CANCEL_RESERVATION and UNLOCK_CONNECTOR for a party whose backend is `ocpp`,
 * sent by a registered eMSP over OCPI to one platform, carried to an OCPP 1.6J charge point
 * (ocpp-rpc's client over a real WebSocket) as ReserveNow / CancelReservation /
 * UnlockConnector, with each answer mapped to its CommandResult; a StartTransaction naming the
 * reservation runs as the eMSP's reservation; and /metrics counts the connection and the calls.
 */
import { aBusinessDetails } from '../../helpers/builders.js';
import { eventually } from '../../helpers/eventually.js';
import { anEvse, aLocation } from '../../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../../helpers/registered-peer.js';
import { aTariff } from '../../helpers/tariffs.js';
import { type ChargePointClient, chargePointUrl, connectChargePoint } from './charge-point.js';

jest.setTimeout(60_000);

let platform: TestPlatform;
let emsp: RegisteredPeer;
let cp: ChargePointClient;
const PASSWORD = 'reservations-password-1';
const cpo = '/parties/NL/CPO';
const CAPABLE = ['REMOTE_START_STOP_CAPABLE', 'RFID_READER', 'RESERVABLE', 'UNLOCK_CAPABLE'];

/** What the charge point received, and what it answers next per action (default: the happy answer). */
const calls: Array<{ action: string; params: Record<string, unknown> }> = [];
const replies: Record<string, Array<Record<string, unknown> | Error>> = {};
const DEFAULT_REPLY: Record<string, Record<string, unknown>> = {
  ReserveNow: { status: 'Accepted' },
  CancelReservation: { status: 'Accepted' },
  UnlockConnector: { status: 'Unlocked' },
};
const handler = (action: string) => async (params: Record<string, unknown>) => {
  calls.push({ action, params });
  const next = replies[action]?.shift() ?? DEFAULT_REPLY[action];
  if (next instanceof Error) throw next;
  return next;
};

const card = (uid: string) => ({ country_code: 'DE', party_id: 'EMS', uid, type: 'RFID', contract_id: `DE-EMS-${uid}` });
let n = 0;

/** Sends an OCPI command as the eMSP; returns the synchronous answer and, once it is there, the CommandResult. */
async function send(command: string, body: Record<string, unknown>) {
  const responseUrl = `${emsp.fake.url}/results/${++n}`;
  const res = await request(platform.url)
    .post(`/ocpi/cpo/2.2.1/commands/${command}`)
    .set({ Authorization: tokenHeader(emsp.tokenC), 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': 'EMS', 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CPO' })
    .send({ response_url: responseUrl, ...body })
    .expect(200);
  const response = res.body.data as { result: string; message?: Array<{ text: string }> };
  const result = async () =>
    eventually(async () => {
      const record = await platform.ctx.db.cpoCommand.findFirst({ where: { responseUrl } });
      expect(record?.result).toEqual(expect.any(String));
      return { result: record?.result, message: (record?.message as Array<{ text: string }> | null)?.[0]?.text };
    });
  return { response, result };
}

const reserve = (reservationId: string, evseUid: string | null, uid = 'RES-CARD-1') =>
  send('RESERVE_NOW', {
    token: card(uid),
    expiry_date: new Date(Date.now() + 3600_000).toISOString(),
    reservation_id: reservationId,
    location_id: 'LOC1',
    ...(evseUid ? { evse_uid: evseUid } : {}),
  });

/** The platform id the eMSP's reservation got (what the charge point is told). */
const platformIdOf = async (reservationId: string) =>
  Number((await platform.ctx.db.cpoReservation.findFirst({ where: { reservationKey: reservationId.toUpperCase(), requesterKey: 'DEEMS' } }))?.id);

async function metrics(): Promise<string> {
  return (await request(platform.url).get('/metrics').expect(200)).text;
}

/** The value of one series of /metrics, 0 when absent. */
function valueOf(text: string, name: string, labels: Record<string, string>): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

beforeAll(async () => {
  platform = await startTestPlatform('ocpp16_commands', { env: { LOG_LEVEL: 'warn', METRICS_CACHE_MS: '0' } });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  await platform.admin().put(`${cpo}/tariffs/T1`, aTariff('T1')).expect(200);
  const evses = [anEvse('EVSE1', { capabilities: CAPABLE }), anEvse('EVSE2', { capabilities: CAPABLE })];
  await platform.admin().put(`${cpo}/locations/LOC1`, aLocation('LOC1', { evses })).expect(200);
  await platform
    .admin()
    .put(`${cpo}/locations/LOC2`, aLocation('LOC2', { evses: [anEvse('EVSE9', { capabilities: CAPABLE })] }))
    .expect(200);
  await platform.admin().put(`${cpo}/backend`, { adapter: 'ocpp' }).expect(200);
  await platform.admin().put(`${cpo}/charge-points/CP-R`, { password: PASSWORD, location_id: 'LOC1' }).expect(201);
  await platform.admin().put(`${cpo}/charge-points/CP-OFF`, { password: PASSWORD, location_id: 'LOC2' }).expect(201);
  await platform
    .admin()
    .put(`${cpo}/locations/LOC3`, aLocation('LOC3', { evses: [anEvse('EVSE5', { capabilities: CAPABLE })] }))
    .expect(200);
  await platform.admin().put(`${cpo}/charge-points/CP-Q`, { password: PASSWORD, location_id: 'LOC3' }).expect(201);
  emsp = await aRegisteredPeer(platform);
  emsp.fake.on('POST', '/results/*', (_req, res) => void res.json({ status_code: 1000, timestamp: new Date().toISOString() }));
  cp = await connectChargePoint(chargePointUrl(platform.url, 'NL', 'CPO'), 'CP-R', PASSWORD, ['ocpp1.6'], {
    ReserveNow: handler('ReserveNow'),
    CancelReservation: handler('CancelReservation'),
    UnlockConnector: handler('UnlockConnector'),
  });
  await cp.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Duo' });
});

afterAll(async () => {
  await cp?.close().catch(() => undefined);
  await emsp?.fake.close();
  await platform?.stop();
});

describe('RESERVE_NOW', () => {
  test("becomes ReserveNow on the EVSE's connector with the platform reservation id; Accepted is ACCEPTED", async () => {
    const { response, result } = await reserve('R1', 'EVSE2');
    expect(response.result).toBe('ACCEPTED');
    expect(await result()).toEqual({ result: 'ACCEPTED', message: undefined });
    const id = await platformIdOf('R1');
    expect(calls.at(-1)).toEqual({ action: 'ReserveNow', params: { connectorId: 2, idTag: 'RES-CARD-1', reservationId: id, expiryDate: expect.any(String) } });
    expect(await platform.ctx.db.ocppReservation.findUnique({ where: { reservationId: BigInt(id) } })).toMatchObject({
      chargePointKey: 'CP-R',
      ocppConnector: 2,
      evseUid: 'EVSE2',
    });
  });

  test('without an EVSE it reserves connector 0 (any connector of the charge point)', async () => {
    const { result } = await reserve('R-ANY', null, 'ANY-CARD');
    expect((await result()).result).toBe('ACCEPTED');
    expect(calls.at(-1)?.params).toMatchObject({ connectorId: 0, reservationId: await platformIdOf('R-ANY') });
  });

  test.each([
    ['Occupied', 'EVSE_OCCUPIED'],
    ['Faulted', 'EVSE_INOPERATIVE'],
    ['Unavailable', 'EVSE_INOPERATIVE'],
    ['Rejected', 'REJECTED'],
  ])('ReserveNow answered %s is %s, with the reason, and keeps no reservation', async (status, expected) => {
    replies.ReserveNow = [{ status }];
    const { result } = await reserve(`R-${status}`, 'EVSE1');
    expect(await result()).toEqual({ result: expected, message: expect.stringContaining(status) });
    expect(await platform.ctx.db.ocppReservation.findUnique({ where: { reservationId: BigInt(await platformIdOf(`R-${status}`)) } })).toBeNull();
  });

  test('replaced by the same eMSP on another charge point, it is cancelled on the first', async () => {
    const other = await connectChargePoint(chargePointUrl(platform.url, 'NL', 'CPO'), 'CP-Q', PASSWORD, ['ocpp1.6'], {
      ReserveNow: (params) => (calls.push({ action: 'CP-Q ReserveNow', params }), { status: 'Accepted' }),
    });
    try {
      expect((await (await reserve('R-MOVE', 'EVSE1', 'MOVE-CARD')).result()).result).toBe('ACCEPTED');
      const id = await platformIdOf('R-MOVE');
      expect(
        (
          await (
            await send('RESERVE_NOW', {
              token: card('MOVE-CARD'),
              expiry_date: new Date(Date.now() + 60_000).toISOString(),
              reservation_id: 'R-MOVE',
              location_id: 'LOC3',
              evse_uid: 'EVSE5',
            })
          ).result()
        ).result,
      ).toBe('ACCEPTED');
      expect(calls.find((c) => c.action === 'CP-Q ReserveNow')?.params).toMatchObject({ connectorId: 1, reservationId: id });
      await eventually(() => expect(calls.at(-1)).toEqual({ action: 'CancelReservation', params: { reservationId: id } }));
      expect(await platform.ctx.db.ocppReservation.findUnique({ where: { reservationId: BigInt(id) } })).toMatchObject({ chargePointKey: 'CP-Q', evseUid: 'EVSE5' });
    } finally {
      await other.close();
    }
  });

  test('a CALLERROR from the charge point is FAILED', async () => {
    replies.ReserveNow = [new Error('memory full')];
    const { result } = await reserve('R-ERR', 'EVSE1');
    expect(await result()).toEqual({ result: 'FAILED', message: expect.stringContaining('ReserveNow') });
  });

  test('for an EVSE of a charge point that is not connected it is REJECTED at once', async () => {
    const before = calls.length;
    const { response } = await send('RESERVE_NOW', {
      token: card('X'),
      expiry_date: new Date(Date.now() + 60_000).toISOString(),
      reservation_id: 'R-OFF',
      location_id: 'LOC2',
      evse_uid: 'EVSE9',
    });
    expect(response).toMatchObject({ result: 'REJECTED', message: [{ text: 'Charge point CP-OFF is not connected' }] });
    expect(calls.length).toBe(before);
  });

  test("a StartTransaction naming the reservation runs as the eMSP's reservation (its token, COMMAND) and uses it up", async () => {
    const id = await platformIdOf('R1');
    const started = await cp.call<{ transactionId: number; idTagInfo: { status: string } }>('StartTransaction', {
      connectorId: 2,
      idTag: 'RES-CARD-1',
      meterStart: 0,
      timestamp: new Date().toISOString(),
      reservationId: id,
    });
    // The card is unknown to real-time authorization: only the reservation lets it charge.
    expect(started.idTagInfo.status).toBe('Accepted');
    const [session] = (await platform.admin().get(`${cpo}/sessions?status=ACTIVE`).expect(200)).body.items;
    expect(session).toMatchObject({ evse_uid: 'EVSE2', auth_method: 'COMMAND', cdr_token: { uid: 'RES-CARD-1', contract_id: 'DE-EMS-RES-CARD-1' } });
    expect(await platform.ctx.db.ocppReservation.findUnique({ where: { reservationId: BigInt(id) } })).toBeNull();
    // A used reservation can no longer be cancelled.
    const before = calls.length;
    const { result } = await send('CANCEL_RESERVATION', { reservation_id: 'R1' });
    expect(await result()).toEqual({ result: 'UNKNOWN_RESERVATION', message: expect.any(String) });
    expect(calls.length).toBe(before);
  });
});

describe('CANCEL_RESERVATION', () => {
  test('becomes CancelReservation with the platform id; Accepted is ACCEPTED and the reservation is gone', async () => {
    await (await reserve('R2', 'EVSE1', 'CARD-2')).result();
    const id = await platformIdOf('R2');
    const { response, result } = await send('CANCEL_RESERVATION', { reservation_id: 'R2' });
    expect(response.result).toBe('ACCEPTED');
    expect(await result()).toEqual({ result: 'ACCEPTED', message: undefined });
    expect(calls.at(-1)).toEqual({ action: 'CancelReservation', params: { reservationId: id } });
    expect(await platform.ctx.db.ocppReservation.findUnique({ where: { reservationId: BigInt(id) } })).toBeNull();
  });

  test('Rejected by the charge point (it has no such reservation) is UNKNOWN_RESERVATION', async () => {
    await (await reserve('R3', 'EVSE1', 'CARD-3')).result();
    replies.CancelReservation = [{ status: 'Rejected' }];
    const { result } = await send('CANCEL_RESERVATION', { reservation_id: 'R3' });
    expect(await result()).toEqual({ result: 'UNKNOWN_RESERVATION', message: expect.stringContaining('Rejected') });
  });
});

describe('UNLOCK_CONNECTOR', () => {
  test.each([
    ['Unlocked', 'ACCEPTED'],
    ['UnlockFailed', 'FAILED'],
    ['NotSupported', 'NOT_SUPPORTED'],
  ])('becomes UnlockConnector on the connector number; %s is %s', async (status, expected) => {
    replies.UnlockConnector = [{ status }];
    const { response, result } = await send('UNLOCK_CONNECTOR', { location_id: 'LOC1', evse_uid: 'EVSE2', connector_id: '1' });
    expect(response.result).toBe('ACCEPTED');
    expect((await result()).result).toBe(expected);
    expect(calls.at(-1)).toEqual({ action: 'UnlockConnector', params: { connectorId: 2 } });
  });

  test('for a charge point that is not connected it is REJECTED at once', async () => {
    const { response } = await send('UNLOCK_CONNECTOR', { location_id: 'LOC2', evse_uid: 'EVSE9', connector_id: '1' });
    expect(response).toMatchObject({ result: 'REJECTED', message: [{ text: 'Charge point CP-OFF is not connected' }] });
  });
});

describe('metrics', () => {
  test('/metrics shows the connected charge point, the OCPP calls both ways and the errors', async () => {
    // CP-Q's socket, closed by the test above, may still be on its way out.
    const before = await eventually(async () => {
      const text = await metrics();
      expect(valueOf(text, 'ocpp_connected_charge_points', { protocol: 'ocpp1.6' })).toBe(1);
      return text;
    });
    expect(valueOf(before, 'ocpp_messages_total', { protocol: 'ocpp1.6', action: 'ReserveNow', direction: 'sent' })).toBeGreaterThanOrEqual(7);
    expect(valueOf(before, 'ocpp_messages_total', { protocol: 'ocpp1.6', action: 'StartTransaction', direction: 'received' })).toBe(1);
    // The CALLERROR our ReserveNow got back.
    expect(valueOf(before, 'ocpp_errors_total', { protocol: 'ocpp1.6', direction: 'sent' })).toBeGreaterThanOrEqual(1);

    await cp.call('Heartbeat', {});
    cp.client.sendRaw(JSON.stringify([2, 'bad-1', 'StatusNotification', { connectorId: 'one', errorCode: 'NoError', status: 'Available' }]));
    cp.client.sendRaw(JSON.stringify([2, 'bad-2', 'MakeCoffee', {}]));
    await eventually(() => expect(cp.received.filter((m) => m[0] === 4 && (m[1] === 'bad-1' || m[1] === 'bad-2'))).toHaveLength(2));
    const after = await metrics();
    const received = (action: string) =>
      valueOf(after, 'ocpp_messages_total', { action, direction: 'received' }) - valueOf(before, 'ocpp_messages_total', { action, direction: 'received' });
    expect(received('Heartbeat')).toBe(1);
    expect(received('StatusNotification')).toBe(1);
    // An action outside the protocol is counted, under a bounded label.
    expect(received('unknown')).toBe(1);
    expect(after).not.toContain('MakeCoffee');
    const errors = (code: string) => valueOf(after, 'ocpp_errors_total', { direction: 'received', code }) - valueOf(before, 'ocpp_errors_total', { direction: 'received', code });
    expect(errors('NotImplemented')).toBe(1);
    expect(errors('TypeConstraintViolation') + errors('FormationViolation')).toBe(1);

    await cp.close();
    await eventually(async () => expect(valueOf(await metrics(), 'ocpp_connected_charge_points', { protocol: 'ocpp1.6' })).toBe(0));
  });
});
