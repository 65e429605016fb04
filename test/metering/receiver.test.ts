/**
 * The eMSP's cdrs RECEIVER checks signed meter data on every CDR it stores, over real HTTP and the
 * real database: the verdict is stored with the CDR and read back through the backend read API;
 * nothing about it changes the OCPI answer. A record laid out on several lines (OCMF allows it)
 * keeps its exact bytes, so its signature still verifies.
 */
import crypto from 'node:crypto';
import { generateMeterKey, signOcmf, signTransaction } from '../../src/metering/index.js';
import { type EmspReceiverWorld, anEmspWithTwoCpoPeers } from '../helpers/emsp-receiver.js';
import { type TestPlatform, request, tokenHeader } from '../helpers/platform.js';
import type { RegisteredPeer } from '../helpers/registered-peer.js';
import { aCdr } from '../helpers/sessions.js';
import { KEBA_KCP30 } from './fixtures.js';

let platform: TestPlatform;
let cpo: RegisteredPeer;
let world: EmspReceiverWorld;

const post = (body: object) => request(platform.url).post('/ocpi/emsp/2.2.1/cdrs').set('Authorization', tokenHeader(cpo.tokenC)).send(body);
const readBack = async (id: string) => (await platform.admin().get(`/parties/DE/EMS/received/cdrs/NL/CPO/${id}`).expect(200)).body;
const key = generateMeterKey();
const meter = { serial: 'RCV-MTR', vendor: 'Test', model: 'T', gateway: 'G', gatewayVersion: '1', ...key };

/** aCdr's session: 08:00 to 09:00 UTC, 11 kWh. */
function signed(beginKwh = 100.5, endKwh = 111.5) {
  return signTransaction(meter, {
    pagination: 1,
    evseId: 'NL*CPO*EEVSE1',
    identification: { type: 'ISO14443', data: '04AABBCCDDEEFF' },
    begin: { at: new Date('2025-06-01T08:00:00Z'), kwh: beginKwh },
    end: { at: new Date('2025-06-01T09:00:00Z'), kwh: endKwh },
    currentType: 'AC',
  });
}

beforeAll(async () => {
  world = await anEmspWithTwoCpoPeers('metering_receiver');
  ({ platform, cpo } = world);
});

afterAll(() => world?.stop());

test('a CDR with valid OCMF is stored with the verdict valid, shown in the list and the one CDR', async () => {
  await post(aCdr('SIGNED-OK', { signed_data: signed() })).expect(201);
  const one = await readBack('SIGNED-OK');
  expect(one.signed_data_verification).toMatchObject({ status: 'valid', records: 2, meter: 'RCV-MTR', signed_energy_kwh: 11, problems: [] });
  const row = await platform.ctx.db.receivedCdr.findFirstOrThrow({ where: { cdrKey: 'SIGNED-OK' } });
  expect(row.signedDataVerification).toEqual(one.signed_data_verification);
  const list = (await platform.admin().get('/parties/DE/EMS/received/cdrs').expect(200)).body;
  expect(list.items.find((c: { id: string }) => c.id === 'SIGNED-OK').signed_data_verification.status).toBe('valid');
});

test('signed readings that disagree with the CDR: stored (201, status 1000), the verdict invalid naming both energies', async () => {
  const res = await post(aCdr('SIGNED-OFF', { signed_data: signed(100.5, 121.5) })).expect(201);
  expect(res.body.status_code).toBe(1000);
  const verdict = (await readBack('SIGNED-OFF')).signed_data_verification;
  expect(verdict.status).toBe('invalid');
  expect(verdict.problems).toEqual([{ code: 'energy_mismatch', message: expect.stringMatching(/21 kWh.*total_energy is 11 kWh/) }]);
});

test('a record pretty-printed over several lines keeps its bytes and verifies', async () => {
  const payload = (tx: string, tm: string, rv: number) => JSON.stringify({ MS: 'PRETTY-1', RD: [{ TM: tm, TX: tx, RV: rv, RI: '1-b:1.8.0', RU: 'kWh', ST: 'G' }] }, null, 4);
  // The meter signs the exact text it sends, line breaks included.
  const signPretty = (text: string) =>
    `OCMF|${text}|${JSON.stringify({ SA: 'ECDSA-secp256r1-SHA256', SD: crypto.sign('sha256', Buffer.from(text), { key: key.privateKey, dsaEncoding: 'der' }).toString('hex') })}`;
  // The same payload signed in its compact form: that signature does not cover the pretty text.
  const signCompactly = (text: string) => {
    const compact = signOcmf(JSON.parse(text), key.privateKey);
    return `OCMF|${text}|${compact.slice(compact.lastIndexOf('|') + 1)}`;
  };
  const begin = signPretty(payload('B', '2025-06-01T10:00:00,000+0200 S', 7.25));
  const end = signPretty(payload('E', '2025-06-01T11:00:00,000+0200 S', 18.25));
  expect(begin).toContain('\n');
  const signedData = {
    encoding_method: 'OCMF',
    public_key: key.publicKeyHex,
    signed_values: [
      { nature: 'Start', plain_data: '', signed_data: begin },
      { nature: 'End', plain_data: '', signed_data: end },
    ],
  };
  await post(aCdr('SIGNED-PRETTY', { signed_data: signedData })).expect(201);
  const one = await readBack('SIGNED-PRETTY');
  expect(one.signed_data.signed_values[0].signed_data).toBe(begin);
  expect(one.signed_data_verification).toMatchObject({ status: 'valid', meter: 'PRETTY-1', signed_energy_kwh: 11 });
  const mismatched = {
    ...signedData,
    signed_values: [{ nature: 'Start', plain_data: '', signed_data: signCompactly(payload('B', '2025-06-01T10:00:00,000+0200 S', 7.25)) }, signedData.signed_values[1]],
  };
  await post(aCdr('SIGNED-PRETTY-2', { signed_data: mismatched })).expect(201);
  expect((await readBack('SIGNED-PRETTY-2')).signed_data_verification.problems.map((p: { code: string }) => p.code)).toEqual(['signature_mismatch']);
});

test('another encoding is stored as unverifiable, with the reason; a CDR without signed data has none', async () => {
  const edl40 = { encoding_method: 'EDL40 E-Mobility Extension', public_key: 'ABCD', signed_values: [{ nature: 'Start', plain_data: 'x', signed_data: 'AAEC' }] };
  await post(aCdr('SIGNED-EDL40', { signed_data: edl40 })).expect(201);
  expect((await readBack('SIGNED-EDL40')).signed_data_verification).toMatchObject({
    status: 'unverifiable',
    problems: [{ code: 'unsupported_encoding', message: expect.stringContaining('EDL40 E-Mobility Extension') }],
  });
  await post(aCdr('UNSIGNED')).expect(201);
  expect((await readBack('UNSIGNED')).signed_data_verification).toBeNull();
});

test("the OCPI GET at the Location answers the CDR as received, without the platform's verdict", async () => {
  const cdr = aCdr('SIGNED-KEBA', {
    start_date_time: KEBA_KCP30.start,
    end_date_time: KEBA_KCP30.end,
    total_energy: KEBA_KCP30.energy,
    signed_data: { encoding_method: 'OCMF', public_key: KEBA_KCP30.publicKey, signed_values: [{ nature: 'End', plain_data: '', signed_data: KEBA_KCP30.record }] },
  });
  const { headers } = await post(cdr).expect(201);
  const ocpi = await request(headers.location).get('').set('Authorization', tokenHeader(cpo.tokenC)).expect(200);
  expect(ocpi.body.data.signed_data_verification).toBeUndefined();
  expect(ocpi.body.data.signed_data.signed_values[0].signed_data).toBe(KEBA_KCP30.record);
  expect((await readBack('SIGNED-KEBA')).signed_data_verification.status).toBe('valid');
});
