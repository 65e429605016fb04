/**
 * The `ocpp` backend adapter with one platform and OCPP 2.0.1 charging stations over real
 * WebSockets (ocpp-rpc's client, strict mode): boot and status per EVSE, Authorize with typed id
 * tokens, a locally started (RFID) transaction through TransactionEvent to a priced CDR with
 * verifiable signed meter values, a transaction that ran while the station was offline, and
 * malformed messages.
 */
import { generateMeterKey, signTransaction, verifySignedData } from '../../../src/metering/index.js';
import { aBusinessDetails } from '../../helpers/builders.js';
import { eventually } from '../../helpers/eventually.js';
import { aLocation } from '../../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../../helpers/registered-peer.js';
import { aTariff } from '../../helpers/tariffs.js';
import { type ChargePointClient, chargePointUrl, connectChargePoint } from './charge-point.js';
import { statusQueueOf } from '../../../src/backends/ocpp/status-queue.js';

jest.setTimeout(60_000);

let platform: TestPlatform;
let emsp: RegisteredPeer;
let endpoint: string;
const PASSWORD = 'correct-horse-battery-2';
const cpo = '/parties/NL/CPO';
const open: ChargePointClient[] = [];

async function connect(protocols = ['ocpp2.0.1']): Promise<ChargePointClient> {
  const cp = await connectChargePoint(endpoint, 'CS-201', PASSWORD, protocols);
  open.push(cp);
  return cp;
}
const latest = () => open[open.length - 1];

// Statuses are answered once queued: the stored one is read after the queue has written it.
const evseStatus = async (uid: string) => {
  await statusQueueOf(platform.ctx).idle();
  return ((await platform.ctx.services.ownLocations.find(['NLCPO'], 'LOC1', { kind: 'evse', evseUid: uid })) as { status: string } | null)?.status;
};
const rfid = (idToken: string) => ({ idToken, type: 'ISO14443' });

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

/** A register reading (Wh) as a 2.0.1 SampledValue, with the meter's signature when given. */
function reading(wh: number, context: string, signed?: { ocmf: string; publicKey: string }) {
  return {
    value: wh,
    context,
    measurand: 'Energy.Active.Import.Register',
    unitOfMeasure: { unit: 'Wh' },
    ...(signed
      ? {
          signedMeterValue: {
            signedMeterData: Buffer.from(signed.ocmf).toString('base64'),
            signingMethod: 'ECDSA-secp256r1-SHA256',
            encodingMethod: 'OCMF',
            publicKey: signed.publicKey,
          },
        }
      : {}),
  };
}

beforeAll(async () => {
  platform = await startTestPlatform('ocpp201', { env: { LOG_LEVEL: 'warn' } });
  endpoint = chargePointUrl(platform.url, 'NL', 'CPO');
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  await platform.admin().put(`${cpo}/tariffs/T1`, aTariff('T1')).expect(200);
  await platform.admin().put(`${cpo}/locations/LOC1`, aLocation('LOC1')).expect(200);
  await platform.admin().put(`${cpo}/backend`, { adapter: 'ocpp' }).expect(200);
  await platform.admin().put(`${cpo}/charge-points/CS-201`, { password: PASSWORD, location_id: 'LOC1' }).expect(201);
  emsp = await aRegisteredPeer(platform);
  for (const token of [aToken('GOOD0002'), aToken('BLOCKED02', { valid: false }), aToken('OFFLINE02', { whitelist: 'ALLOWED' }), aToken('NEVER0002', { whitelist: 'NEVER' })]) {
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

describe('boot and status', () => {
  test('a station offering both versions gets ocpp2.0.1; BootNotification is accepted and recorded', async () => {
    const both = await connect(['ocpp1.6', 'ocpp2.0.1']);
    expect(both.client.protocol).toBe('ocpp2.0.1');
    await both.close();
    open.length = 0;
    const cp = await connect();
    const boot = await cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'Acme', model: 'Station 2', firmwareVersion: '2.0.0' } });
    expect(boot).toMatchObject({ status: 'Accepted', interval: 300, currentTime: expect.any(String) });
    expect(await cp.call('Heartbeat', {})).toEqual({ currentTime: expect.any(String) });
    const view = (await platform.admin().get(`${cpo}/charge-points/CS-201`).expect(200)).body;
    expect(view).toMatchObject({ connected: true, protocol: 'ocpp2.0.1', boot: { vendor: 'Acme', model: 'Station 2', firmware: '2.0.0' } });
  });

  test('StatusNotification of EVSE n sets the n-th EVSE; EVSE 0 Unavailable sets all of them; Occupied is CHARGING', async () => {
    const status = (evseId: number, connectorStatus: string) =>
      latest().call('StatusNotification', { timestamp: new Date().toISOString(), evseId, connectorId: evseId === 0 ? 0 : 1, connectorStatus });
    await status(2, 'Faulted');
    expect([await evseStatus('EVSE1'), await evseStatus('EVSE2')]).toEqual(['AVAILABLE', 'OUTOFORDER']);
    await status(0, 'Unavailable');
    expect([await evseStatus('EVSE1'), await evseStatus('EVSE2')]).toEqual(['INOPERATIVE', 'INOPERATIVE']);
    await status(1, 'Occupied');
    await status(2, 'Reserved');
    expect([await evseStatus('EVSE1'), await evseStatus('EVSE2')]).toEqual(['CHARGING', 'RESERVED']);
    await status(1, 'Available');
    await status(2, 'Available');
    expect([await evseStatus('EVSE1'), await evseStatus('EVSE2')]).toEqual(['AVAILABLE', 'AVAILABLE']);
  });
});

describe('authorization', () => {
  test('Authorize with an id token answers from the platform: allowed, blocked, unknown', async () => {
    const auth = async (idToken: { idToken: string; type: string }) => ((await latest().call('Authorize', { idToken })) as { idTokenInfo: { status: string } }).idTokenInfo.status;
    expect(await auth(rfid('GOOD0002'))).toBe('Accepted');
    expect(await auth(rfid('good0002'))).toBe('Accepted');
    expect(await auth({ idToken: 'GOOD0002', type: 'ISO15693' })).toBe('Accepted');
    expect(await auth(rfid('BLOCKED02'))).toBe('Blocked');
    expect(await auth(rfid('NOBODY'))).toBe('Unknown');
    // The same uid as another kind of token is another token (OCPI keys tokens by uid and type).
    expect(await auth({ idToken: 'GOOD0002', type: 'eMAID' })).toBe('Unknown');
    expect(await auth({ idToken: '', type: 'NoAuthorization' })).toBe('Invalid');
  });

  test("when the token's eMSP cannot be reached, the whitelist fallback decides", async () => {
    // The fake eMSP offers no tokens SENDER: real-time authorization cannot reach it.
    const auth = async (idToken: { idToken: string; type: string }) => ((await latest().call('Authorize', { idToken })) as { idTokenInfo: { status: string } }).idTokenInfo.status;
    expect(await auth(rfid('OFFLINE02'))).toBe('Accepted');
    // Known, but its whitelist needs the eMSP's answer: refused, not unknown.
    expect(await auth(rfid('NEVER0002'))).toBe('Invalid');
  });
});

describe('a locally started transaction', () => {
  const t0 = new Date(Date.now() - 3600_000);
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
  const meter = { serial: 'M-201', vendor: 'Acme', model: 'Meter', gateway: 'Acme GW', gatewayVersion: '1', ...generateMeterKey() };
  const signed = signTransaction(meter, {
    pagination: 1,
    evseId: 'NL*CPO*E1',
    identification: { type: 'ISO14443', data: 'GOOD0002' },
    begin: { at: t0, kwh: 2000 },
    end: { at: at(60), kwh: 2008 },
    currentType: 'AC',
  });
  const publicKey = Buffer.from(meter.publicKeyHex, 'hex').toString('base64');
  const event = (seqNo: number, eventType: string, minutes: number, extra: Record<string, unknown> = {}) => ({
    eventType,
    timestamp: at(minutes).toISOString(),
    triggerReason: eventType === 'Started' ? 'Authorized' : eventType === 'Ended' ? 'StopAuthorized' : 'MeterValuePeriodic',
    seqNo,
    transactionInfo: { transactionId: 'TX-LOCAL-1', ...(eventType === 'Ended' ? { stoppedReason: 'Local' } : { chargingState: 'Charging' }) },
    evse: { id: 1, connectorId: 1 },
    ...extra,
  });

  test('TransactionEvent Started with an allowed RFID opens the session; the same event re-sent is the same transaction', async () => {
    const started = event(0, 'Started', 0, {
      idToken: rfid('GOOD0002'),
      meterValue: [{ timestamp: t0.toISOString(), sampledValue: [reading(2_000_000, 'Transaction.Begin', { ocmf: signed.signed_values[0].signed_data, publicKey })] }],
    });
    expect(await latest().call('TransactionEvent', started)).toEqual({ idTokenInfo: { status: 'Accepted' } });
    expect(await latest().call('TransactionEvent', started)).toEqual({ idTokenInfo: { status: 'Accepted' } });
    const sessions = (await platform.admin().get(`${cpo}/sessions?status=ACTIVE`).expect(200)).body.items;
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({
      location_id: 'LOC1',
      evse_uid: 'EVSE1',
      connector_id: '1',
      auth_method: 'WHITELIST',
      kwh: 0,
      start_date_time: t0.toISOString(),
      cdr_token: { uid: 'GOOD0002', type: 'RFID', contract_id: 'DE-EMS-GOOD0002' },
    });
  });

  test('a start with a blocked token is answered Blocked and opens no session', async () => {
    const blocked = await latest().call('TransactionEvent', {
      ...event(0, 'Started', 1, { idToken: rfid('BLOCKED02') }),
      evse: { id: 2, connectorId: 1 },
      transactionInfo: { transactionId: 'TX-BLOCKED' },
    });
    expect(blocked).toEqual({ idTokenInfo: { status: 'Blocked' } });
    expect((await platform.admin().get(`${cpo}/sessions`).expect(200)).body.total).toBe(1);
  });

  test('Updated events and MeterValues update the kWh and add charging periods', async () => {
    expect(
      await latest().call(
        'TransactionEvent',
        event(1, 'Updated', 30, { meterValue: [{ timestamp: at(30).toISOString(), sampledValue: [{ value: 2003.5, unitOfMeasure: { unit: 'kWh' } }] }] }),
      ),
    ).toEqual({});
    let [session] = (await platform.admin().get(`${cpo}/sessions?status=ACTIVE`).expect(200)).body.items;
    expect(session.kwh).toBe(3.5);
    expect(session.charging_periods).toEqual([{ start_date_time: t0.toISOString(), dimensions: [{ type: 'ENERGY', volume: 3.5 }] }]);
    await latest().call('MeterValues', {
      evseId: 1,
      meterValue: [{ timestamp: at(45).toISOString(), sampledValue: [{ value: 2005.5, unitOfMeasure: { unit: 'Wh', multiplier: 3 } }] }],
    });
    [session] = (await platform.admin().get(`${cpo}/sessions?status=ACTIVE`).expect(200)).body.items;
    expect(session.kwh).toBe(5.5);
  });

  test('Ended completes the session; its CDR is priced and carries the signed readings with the meter key, which verify', async () => {
    const ended = event(2, 'Ended', 60, {
      meterValue: [{ timestamp: at(60).toISOString(), sampledValue: [reading(2_008_000, 'Transaction.End', { ocmf: signed.signed_values[1].signed_data, publicKey })] }],
    });
    expect(await latest().call('TransactionEvent', ended)).toEqual({});
    const [session] = (await platform.admin().get(`${cpo}/sessions?status=COMPLETED`).expect(200)).body.items;
    expect(session).toMatchObject({ kwh: 8, end_date_time: at(60).toISOString() });
    const cdrs = (await platform.admin().get(`${cpo}/cdrs`).expect(200)).body.items;
    expect(cdrs).toHaveLength(1);
    const [cdr] = cdrs;
    // 0.50 start fee + 8 kWh at 0.25, excl. VAT.
    expect(cdr).toMatchObject({ session_id: session.id, total_energy: 8, cdr_token: { uid: 'GOOD0002' }, tariffs: [{ id: 'T1' }] });
    expect(cdr.total_cost.excl_vat).toBeCloseTo(2.5, 2);
    expect(cdr.signed_data).toMatchObject({
      encoding_method: 'OCMF',
      public_key: publicKey,
      signed_values: [
        { nature: 'Start', signed_data: signed.signed_values[0].signed_data },
        { nature: 'End', signed_data: signed.signed_values[1].signed_data },
      ],
    });
    expect(verifySignedData(cdr)?.status).toBe('valid');
    // The Ended event re-sent after a lost answer changes nothing.
    expect(await latest().call('TransactionEvent', ended)).toEqual({});
    expect((await platform.admin().get(`${cpo}/cdrs`).expect(200)).body.items).toHaveLength(1);
  });

  test('a transaction started on plug-in opens its session when the token is presented', async () => {
    const plugged = {
      ...event(0, 'Started', 0),
      timestamp: new Date(Date.now() - 60_000).toISOString(),
      transactionInfo: { transactionId: 'TX-PLUG', chargingState: 'EVConnected' },
    };
    expect(await latest().call('TransactionEvent', plugged)).toEqual({});
    expect((await platform.admin().get(`${cpo}/sessions?status=ACTIVE`).expect(200)).body.total).toBe(0);
    const authorized = await latest().call('TransactionEvent', {
      ...event(1, 'Updated', 0),
      timestamp: new Date().toISOString(),
      triggerReason: 'Authorized',
      idToken: rfid('GOOD0002'),
      transactionInfo: { transactionId: 'TX-PLUG', chargingState: 'Charging' },
      meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: 10_000 }] }],
    });
    expect(authorized).toEqual({ idTokenInfo: { status: 'Accepted' } });
    expect((await platform.admin().get(`${cpo}/sessions?status=ACTIVE`).expect(200)).body.items).toEqual([expect.objectContaining({ evse_uid: 'EVSE1', kwh: 0 })]);
    await latest().call('TransactionEvent', {
      ...event(2, 'Ended', 0),
      timestamp: new Date().toISOString(),
      transactionInfo: { transactionId: 'TX-PLUG', stoppedReason: 'EVDisconnected' },
      meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: 12_000 }] }],
    });
    expect((await platform.admin().get(`${cpo}/sessions?status=COMPLETED`).expect(200)).body.items.map((s: { kwh: number }) => s.kwh)).toContain(2);
  });
});

describe('a transaction that ran while the station was offline', () => {
  test('its queued events (offline: true) arrive after the reconnect and it is billed with their times', async () => {
    const before = (await platform.admin().get(`${cpo}/cdrs`).expect(200)).body.items.length;
    await latest().close();
    const t = new Date(Date.now() - 3 * 3600_000);
    const at = (minutes: number) => new Date(t.getTime() + minutes * 60_000).toISOString();
    const cp = await connect();
    await cp.call('BootNotification', { reason: 'PowerUp', chargingStation: { vendorName: 'Acme', model: 'Station 2' } });
    const base = { offline: true, evse: { id: 2, connectorId: 1 } };
    const queued = [
      {
        ...base,
        eventType: 'Started',
        timestamp: at(0),
        triggerReason: 'Authorized',
        seqNo: 10,
        idToken: rfid('GOOD0002'),
        transactionInfo: { transactionId: 'TX-OFFLINE', chargingState: 'Charging' },
        meterValue: [{ timestamp: at(0), sampledValue: [reading(50_000, 'Transaction.Begin')] }],
      },
      {
        ...base,
        eventType: 'Updated',
        timestamp: at(30),
        triggerReason: 'MeterValuePeriodic',
        seqNo: 11,
        transactionInfo: { transactionId: 'TX-OFFLINE', chargingState: 'Charging' },
        meterValue: [{ timestamp: at(30), sampledValue: [reading(53_000, 'Sample.Periodic')] }],
      },
      {
        ...base,
        eventType: 'Ended',
        timestamp: at(40),
        triggerReason: 'EVDeparted',
        seqNo: 12,
        transactionInfo: { transactionId: 'TX-OFFLINE', stoppedReason: 'EVDisconnected' },
        meterValue: [{ timestamp: at(40), sampledValue: [reading(54_000, 'Transaction.End')] }],
      },
    ];
    // A station sends its queue without waiting for each answer: they are still handled in order.
    const answers = await Promise.all(queued.map((e) => cp.call('TransactionEvent', e)));
    expect(answers[0]).toEqual({ idTokenInfo: { status: 'Accepted' } });
    // A card blocked since: the energy was delivered, so the transaction is still billed to its
    // token; the station hears the verdict for its cache.
    const blocked = queued.map((e) => ({
      ...e,
      seqNo: e.seqNo + 10,
      evse: { id: 1, connectorId: 1 },
      transactionInfo: { ...e.transactionInfo, transactionId: 'TX-OFFLINE-2' },
      ...(e.eventType === 'Started' ? { idToken: rfid('BLOCKED02') } : {}),
    }));
    const answersBlocked = await Promise.all(blocked.map((e) => cp.call('TransactionEvent', e)));
    expect(answersBlocked[0]).toEqual({ idTokenInfo: { status: 'Blocked' } });
    const cdrs = await eventually(async () => {
      const items = (await platform.admin().get(`${cpo}/cdrs`).expect(200)).body.items;
      expect(items).toHaveLength(before + 2);
      return items;
    });
    const billed = cdrs.filter((c: { start_date_time: string }) => c.start_date_time === at(0));
    expect(billed.map((c: { cdr_token: { uid: string } }) => c.cdr_token.uid).sort()).toEqual(['BLOCKED02', 'GOOD0002']);
    const cdr = billed.find((c: { cdr_token: { uid: string } }) => c.cdr_token.uid === 'GOOD0002');
    expect(cdr).toMatchObject({ end_date_time: at(40), total_energy: 4, cdr_location: { id: 'LOC1', evse_uid: 'EVSE2' } });
    expect(cdr.total_cost.excl_vat).toBeCloseTo(0.5 + 4 * 0.25, 2);
  });
});

describe('malformed 2.0.1 messages', () => {
  test('are answered with an OCPP CALLERROR and the socket stays up', async () => {
    const cp = latest();
    const errorFor = (id: string) =>
      eventually(() => {
        const m = cp.received.find((r) => r[0] === 4 && r[1] === id);
        expect(m).toBeDefined();
        return m as unknown[];
      });
    // BootNotification without its reason.
    cp.client.sendRaw(JSON.stringify([2, 'bad-1', 'BootNotification', { chargingStation: { vendorName: 'Acme', model: 'X' } }]));
    expect((await errorFor('bad-1'))[2]).toMatch(/Occur?renceConstraintViolation|FormationViolation|PropertyConstraintViolation/);
    // A wrong type.
    cp.client.sendRaw(JSON.stringify([2, 'bad-2', 'StatusNotification', { timestamp: new Date().toISOString(), evseId: 'one', connectorId: 1, connectorStatus: 'Available' }]));
    expect((await errorFor('bad-2'))[2]).toMatch(/TypeConstraintViolation|FormationViolation/);
    // A value outside its enumeration.
    cp.client.sendRaw(
      JSON.stringify([
        2,
        'bad-3',
        'TransactionEvent',
        { eventType: 'Paused', timestamp: new Date().toISOString(), triggerReason: 'Trigger', seqNo: 1, transactionInfo: { transactionId: 'X' } },
      ]),
    );
    expect((await errorFor('bad-3'))[2]).toMatch(/PropertyConstraintViolation|FormatViolation|TypeConstraintViolation/);
    // A 1.6 message on a 2.0.1 socket, and an action no version has.
    cp.client.sendRaw(JSON.stringify([2, 'bad-4', 'StartTransaction', { connectorId: 1, idTag: 'X', meterStart: 0, timestamp: new Date().toISOString() }]));
    expect((await errorFor('bad-4'))[2]).toMatch(/NotImplemented|NotSupported/);
    // A message 2.0.1 has that we do not take.
    cp.client.sendRaw(JSON.stringify([2, 'bad-5', 'NotifyEVChargingNeeds', { evseId: 1, chargingNeeds: { requestedEnergyTransfer: 'AC_three_phase' } }]));
    expect((await errorFor('bad-5'))[2]).toBe('NotImplemented');
    expect(await cp.call('Heartbeat', {})).toEqual({ currentTime: expect.any(String) });
  });
});
