/**
 * Signed meter data (Eichrecht) between two platform instances over real HTTP: the CPO's simulator
 * meters sign each session as OCMF, the CDR carries it, and the eMSP verifies it on receipt,
 * stores the verdict with the CDR, shows it in its read API and sends it with `cdr.received`.
 * A CPO backend closing a session may hand its meter's signed data in; a CDR whose signed data
 * was tampered with is stored all the same, marked invalid.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { CPO, EMSP, businessDetails, driverToken, locations, tariffs } from '../../src/demo/fixture.js';
import { generateMeterKey, parseOcmf, signTransaction } from '../../src/metering/index.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { type TestPlatform, startTestPlatform } from '../helpers/platform.js';

let cpo: TestPlatform;
let emsp: TestPlatform;
let webhook: http.Server;
const events: Array<{ type: string; data: any }> = [];

const cpoPath = `/parties/${CPO.country_code}/${CPO.party_id}`;
const emspPath = `/parties/${EMSP.country_code}/${EMSP.party_id}`;
const token = driverToken();
const receivedCdr = (id: string) => `${emspPath}/received/cdrs/${CPO.country_code}/${CPO.party_id}/${id}`;

beforeAll(async () => {
  const env = { ...FAST_DELIVERY, SIMULATOR_SPEED: '3600', SIMULATOR_TICK_MS: '100', SIMULATOR_POWER_KW: '11' };
  [cpo, emsp] = await Promise.all([startTestPlatform('e2e_signed_cpo', { env }), startTestPlatform('e2e_signed_emsp', { env })]);
  const hooks = express();
  hooks.use(express.json());
  hooks.post('/events', (req, res) => {
    events.push({ type: req.body.type, data: req.body.data });
    res.status(204).end();
  });
  webhook = http.createServer(hooks).listen(0, '127.0.0.1');
  await new Promise((r) => webhook.once('listening', r));

  await cpo
    .admin()
    .post('/parties', { country_code: CPO.country_code, party_id: CPO.party_id, role: 'CPO', business_details: businessDetails(CPO.name) })
    .expect(201);
  await cpo.admin().put(`${cpoPath}/backend`, { adapter: 'simulator' }).expect(200);
  for (const t of tariffs()) await cpo.admin().put(`${cpoPath}/tariffs/${t.id}`, t).expect(200);
  for (const l of locations()) await cpo.admin().put(`${cpoPath}/locations/${l.id}`, l).expect(200);
  await emsp
    .admin()
    .post('/parties', { country_code: EMSP.country_code, party_id: EMSP.party_id, role: 'EMSP', business_details: businessDetails(EMSP.name) })
    .expect(201);
  const url = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/events`;
  await emsp.admin().put(`${emspPath}/backend`, { adapter: 'webhook', url, secret: 'signed-data-webhook-secret-0123' }).expect(200);

  const invitation = await cpo.admin().post('/peers/invitations', { label: EMSP.name }).expect(201);
  await emsp.admin().post('/peers/connect', { versions_url: invitation.body.versions_url, token: invitation.body.token, label: CPO.name }).expect(201);
  await emsp.admin().put(`${emspPath}/tokens/${token.uid}`, token).expect(201);
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/locations`).expect(200)).body.total).toBe(locations().length), 20_000);
});

afterAll(async () => {
  await Promise.all([cpo?.stop(), emsp?.stop()]);
  webhook?.close();
});

let simulated: any;

test("a simulator session's CDR carries OCMF signed by its EVSE's meter, and the eMSP verifies it valid", async () => {
  const location = locations()[0];
  const evse = location.evses[0];
  await emsp.admin().post(`${emspPath}/commands/START_SESSION`, { location_id: location.id, evse_uid: evse.uid, token }).expect(201);
  const session = await eventually(async () => {
    const list = (await emsp.admin().get(`${emspPath}/received/sessions?status=ACTIVE`).expect(200)).body;
    expect(list.items).toHaveLength(1);
    expect(Number(list.items[0].kwh)).toBeGreaterThan(1);
    return list.items[0];
  }, 20_000);
  await emsp.admin().post(`${emspPath}/commands/STOP_SESSION`, { session_id: session.id }).expect(201);
  const cdr = await eventually(async () => {
    const list = (await emsp.admin().get(`${emspPath}/received/cdrs`).expect(200)).body;
    expect(list.items).toHaveLength(1);
    return list.items[0];
  }, 20_000);
  simulated = cdr;

  // The CDR as the CPO sent it: OCMF, the meter's public key, a begin and an end record.
  const [posted] = emsp.received.filter((r) => r.method === 'POST' && r.path === '/ocpi/emsp/2.2.1/cdrs');
  const signed = (posted.body as any).signed_data;
  expect(signed).toMatchObject({ encoding_method: 'OCMF', public_key: expect.stringMatching(/^3059/), signed_values: [{ nature: 'Start' }, { nature: 'End' }] });
  const [begin, end] = signed.signed_values.map((v: { signed_data: string }) => parseOcmf(v.signed_data));
  expect(begin.readings[0]).toMatchObject({ TX: 'B', RU: 'kWh', ST: 'G', instant: new Date(cdr.start_date_time) });
  expect(end.readings[0]).toMatchObject({ TX: 'E', RU: 'kWh', instant: new Date(cdr.end_date_time) });
  expect(begin.meter).toBe(end.meter);
  expect(begin.payload).toMatchObject({ CT: 'EVSEID', CI: evse.evse_id, PG: 'T1' });
  expect(end.payload).toMatchObject({ PG: 'T2' });

  // The eMSP's read API: the list and the one CDR show the verdict.
  expect(cdr.signed_data_verification).toMatchObject({
    status: 'valid',
    encoding_method: 'OCMF',
    problems: [],
    records: 2,
    meter: begin.meter,
    signed_energy_kwh: cdr.total_energy,
    begin: { time: cdr.start_date_time, kwh: begin.readings[0].RV },
    end: { time: cdr.end_date_time, kwh: end.readings[0].RV },
  });
  const one = (await emsp.admin().get(receivedCdr(cdr.id)).expect(200)).body;
  expect(one.signed_data_verification).toEqual(cdr.signed_data_verification);
  // The backend hears of the CDR with the same verdict.
  const event = await eventually(() => {
    const found = events.find((e) => e.type === 'cdr.received' && e.data.cdr.id === cdr.id);
    expect(found).toBeDefined();
    return found;
  });
  expect(event?.data.signed_data_verification).toEqual(cdr.signed_data_verification);

  // Both sides can have the price explained: re-priced from the CDR's own tariffs and periods, equal to its total.
  const atCpo = (await cpo.admin().get(`${cpoPath}/cdrs/${cdr.id}/explanation`).expect(200)).body;
  const atEmsp = (
    await emsp
      .admin()
      .get(`${receivedCdr(cdr.id)}/explanation`)
      .expect(200)
  ).body;
  for (const explained of [atCpo, atEmsp]) {
    expect(explained).toMatchObject({ matches_cdr: true, notes: [], repriced: { excl_vat: cdr.total_cost.excl_vat } });
    expect(explained.explanation.lines.join('\n')).toContain(cdr.currency);
  }
  expect(atEmsp.explanation.lines).toEqual(atCpo.explanation.lines);
  await cpo.admin().get(`${cpoPath}/cdrs/NO-SUCH-CDR/explanation`).expect(404);
});

test("the same EVSE's next session is signed by the same meter, its register and pagination moved on", async () => {
  const location = locations()[0];
  await emsp.admin().post(`${emspPath}/commands/START_SESSION`, { location_id: location.id, evse_uid: location.evses[0].uid, token }).expect(201);
  const session = await eventually(async () => {
    const list = (await emsp.admin().get(`${emspPath}/received/sessions?status=ACTIVE`).expect(200)).body;
    expect(list.items).toHaveLength(1);
    return list.items[0];
  }, 20_000);
  await emsp.admin().post(`${emspPath}/commands/STOP_SESSION`, { session_id: session.id }).expect(201);
  const cdr = await eventually(async () => {
    const one = await emsp.admin().get(receivedCdr(session.id));
    expect(one.status).toBe(200);
    return one.body;
  }, 20_000);
  expect(cdr.signed_data.public_key).toBe(simulated.signed_data.public_key);
  expect(cdr.signed_data_verification).toMatchObject({ status: 'valid', meter: simulated.signed_data_verification.meter });
  expect(cdr.signed_data_verification.begin.kwh).toBeCloseTo(simulated.signed_data_verification.end.kwh, 6);
  expect(parseOcmf(cdr.signed_data.signed_values[0].signed_data).payload.PG).toBe('T3');
});

test("a CPO backend closing a session hands in its meter's signed data; the CDR carries it and verifies valid", async () => {
  const location = locations()[1];
  const evse = location.evses[0];
  const start = '2026-03-02T08:00:00.000Z';
  const end = '2026-03-02T09:00:00.000Z';
  await cpo
    .admin()
    .put(`${cpoPath}/sessions/BACKEND-1`, {
      country_code: CPO.country_code,
      party_id: CPO.party_id,
      id: 'BACKEND-1',
      start_date_time: start,
      kwh: 0,
      cdr_token: { country_code: token.country_code, party_id: token.party_id, uid: token.uid, type: token.type, contract_id: token.contract_id },
      auth_method: 'WHITELIST',
      location_id: location.id,
      evse_uid: evse.uid,
      connector_id: '1',
      currency: 'EUR',
      status: 'ACTIVE',
      last_updated: start,
    })
    .expect(200);
  const meter = { serial: 'BACKEND-MTR-1', vendor: 'Test', model: 'T-1', gateway: 'CPO backend test', gatewayVersion: '1', ...generateMeterKey() };
  const signedData = signTransaction(meter, {
    pagination: 41,
    evseId: evse.evse_id,
    identification: { type: 'ISO14443', data: '04A1B2C3D4E5F6' },
    begin: { at: new Date(start), kwh: 5012.25 },
    end: { at: new Date(end), kwh: 5024.25 },
    currentType: 'AC',
  });
  const timeline = {
    start,
    end,
    events: [
      { at: start, state: 'CHARGING', meter_kwh: 0, power_kw: 12 },
      { at: end, meter_kwh: 12 },
    ],
  };
  const closed = await cpo.admin().post(`${cpoPath}/sessions/BACKEND-1/cdr`, { timeline, end_date_time: end, signed_data: signedData }).expect(201);
  expect(closed.body.cdr.signed_data).toEqual(signedData);
  expect(closed.body.cdr.total_energy).toBe(12);

  const received = await eventually(async () => {
    const one = await emsp.admin().get(receivedCdr('BACKEND-1'));
    expect(one.status).toBe(200);
    return one.body;
  }, 20_000);
  expect(received.signed_data).toEqual(signedData);
  expect(received.signed_data_verification).toMatchObject({ status: 'valid', meter: 'BACKEND-MTR-1', signed_energy_kwh: 12 });

  // Signed data the CPO backend gives is checked like any body: a malformed one is a 400 naming the field.
  const bad = await cpo.admin().post(`${cpoPath}/sessions/BACKEND-1/cdr`, { signed_data: { encoding_method: 'OCMF', signed_values: [] } });
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body)).toContain('signed_data');
});

test('a CDR whose signed reading was changed is stored, not refused, and marked invalid with the reason', async () => {
  const original = simulated;
  const endValue = original.signed_data.signed_values[1];
  const reading = parseOcmf(endValue.signed_data).readings[0];
  const raised = Number((reading.RV! + 5).toFixed(3));
  const tamperedRecord = endValue.signed_data.replace(`"RV":${reading.RV}`, `"RV":${raised}`);
  expect(tamperedRecord).not.toBe(endValue.signed_data);
  const { signed_data_verification: _verdict, ...cdr } = original;
  const tampered = {
    ...cdr,
    id: 'TAMPERED-1',
    total_energy: Number((cdr.total_energy + 5).toFixed(3)),
    signed_data: { ...cdr.signed_data, signed_values: [cdr.signed_data.signed_values[0], { ...endValue, signed_data: tamperedRecord }] },
    last_updated: new Date().toISOString(),
  };
  await cpo.admin().post(`${cpoPath}/cdrs`, tampered).expect(201);

  const received = await eventually(async () => {
    const one = await emsp.admin().get(receivedCdr('TAMPERED-1'));
    expect(one.status).toBe(200);
    return one.body;
  }, 20_000);
  expect(received.signed_data).toEqual(tampered.signed_data);
  expect(received.signed_data_verification).toMatchObject({
    status: 'invalid',
    problems: [{ code: 'signature_mismatch', message: expect.stringContaining('signed_values[1] (End)') }],
  });
  // The eMSP acknowledged the POST: the CPO's delivery is done, nothing waits for a retry.
  const [post] = emsp.received.filter((r) => r.method === 'POST' && (r.body as { id?: string } | undefined)?.id === 'TAMPERED-1');
  expect(post).toBeDefined();
  await cpo.whenIdle();
  const list = (await emsp.admin().get(`${emspPath}/received/cdrs`).expect(200)).body;
  expect(list.items.map((c: { id: string; signed_data_verification: { status: string } }) => [c.id, c.signed_data_verification.status])).toEqual(
    expect.arrayContaining([['TAMPERED-1', 'invalid']]),
  );
  const event = await eventually(() => {
    const found = events.find((e) => e.type === 'cdr.received' && e.data.cdr.id === 'TAMPERED-1');
    expect(found).toBeDefined();
    return found;
  });
  expect(event?.data.signed_data_verification.status).toBe('invalid');
});

test('CDRs the eMSP missed and then pulls are verified the same way', async () => {
  // As if both POSTs had been lost: the eMSP no longer holds the two CDRs.
  const removed = await emsp.ctx.db.receivedCdr.deleteMany({ where: { cdrKey: { in: ['BACKEND-1', 'TAMPERED-1'] } } });
  expect(removed.count).toBe(2);
  await emsp.admin().get(receivedCdr('BACKEND-1')).expect(404);
  const [peer] = (await emsp.admin().get('/peers').expect(200)).body;
  await emsp
    .admin()
    .post(`/peers/${peer.id}/resync`, { modules: ['cdrs'] })
    .expect(200);
  const verdicts = await eventually(async () => {
    const pulled = await Promise.all(['BACKEND-1', 'TAMPERED-1'].map((id) => emsp.admin().get(receivedCdr(id))));
    expect(pulled.map((r) => r.status)).toEqual([200, 200]);
    return pulled.map((r) => r.body.signed_data_verification);
  }, 20_000);
  expect(verdicts.map((v) => v.status)).toEqual(['valid', 'invalid']);
  expect(verdicts[1].problems.map((p: { code: string }) => p.code)).toEqual(['signature_mismatch']);
  const pulls = cpo.received.filter((r) => r.method === 'GET' && r.path.startsWith('/ocpi/cpo/2.2.1/cdrs'));
  expect(pulls.length).toBeGreaterThan(0);
});
