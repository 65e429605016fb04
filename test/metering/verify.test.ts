/**
 * The signed meter data check (src/metering), without database or HTTP: the published OCMF
 * records (test/metering/fixtures.ts says which verify) and records signed here, valid, tampered,
 * under the wrong key, at odds with the CDR, in an encoding we do not read, and garbage.
 */
import crypto from 'node:crypto';
import type { SignedData } from '../../src/model/cdr.js';
import {
  type CdrFacts,
  SignedDataVerification,
  TIME_TOLERANCE_SECONDS,
  generateMeterKey,
  parseOcmf,
  signOcmf,
  signTransaction,
  verifySignedData,
} from '../../src/metering/index.js';
import { KEBA_KCP30, SPEC_EXAMPLE } from './fixtures.js';

const START = '2026-03-02T08:00:00.000Z';
const END = '2026-03-02T09:30:00.000Z';
const meterKey = generateMeterKey();
const meter = { serial: 'MTR0001', vendor: 'Test', model: 'T-1', gateway: 'Test gateway', gatewayVersion: '1.0', ...meterKey };

function signedSession(overrides: { begin?: number; end?: number; key?: typeof meterKey } = {}): SignedData {
  return signTransaction(
    { ...meter, ...(overrides.key ?? {}) },
    {
      pagination: 7,
      evseId: 'DE*TST*E1',
      identification: { type: 'CENTRAL', data: 'TOKEN1' },
      begin: { at: new Date(START), kwh: overrides.begin ?? 1520.25 },
      end: { at: new Date(END), kwh: overrides.end ?? 1542.75 },
      currentType: 'AC',
    },
  );
}

const cdrWith = (signed_data: SignedData | null, facts: Partial<CdrFacts> = {}): CdrFacts => ({
  start_date_time: START,
  end_date_time: END,
  total_energy: 22.5,
  signed_data,
  ...facts,
});
const codes = (v: SignedDataVerification | null) => v?.problems.map((p) => p.code);
const keba = (overrides: Partial<SignedData> = {}): SignedData => ({
  encoding_method: 'OCMF',
  public_key: KEBA_KCP30.publicKey,
  signed_values: [{ nature: 'End', plain_data: '', signed_data: KEBA_KCP30.record }],
  ...overrides,
});
const kebaCdr = (signed: SignedData, facts: Partial<CdrFacts> = {}) =>
  cdrWith(signed, { start_date_time: KEBA_KCP30.start, end_date_time: KEBA_KCP30.end, total_energy: KEBA_KCP30.energy, ...facts });

describe('published records', () => {
  test("the specification's example file parses: sections, meter, readings with their times in UTC", () => {
    const record = parseOcmf(SPEC_EXAMPLE);
    expect(record.meter).toBe('BQ27400330016');
    expect(record.signature).toEqual({ SD: expect.stringMatching(/^887FABF4/) });
    expect(record.readings.map((r) => [r.TX, r.RV, r.RU, r.instant.toISOString(), r.timeStatus])).toEqual([
      ['B', 2935.6, 'kWh', '2018-07-24T11:22:04.000Z', 'S'],
      ['E', 2965.1, 'kWh', '2018-07-24T11:26:04.000Z', 'S'],
    ]);
    // The signature covers the payload section exactly as written, whitespace included.
    expect(record.payloadText.startsWith('{\n    "FV": "1.0"')).toBe(true);
  });

  test("the specification's example cannot be verified as published (no key): its readings are still compared with the CDR", () => {
    const signed = { encoding_method: 'OCMF', signed_values: [{ nature: 'End', plain_data: '', signed_data: SPEC_EXAMPLE }] };
    const agreeing = verifySignedData({ start_date_time: '2018-07-24T11:22:04Z', end_date_time: '2018-07-24T11:26:04Z', total_energy: 29.5, signed_data: signed });
    expect(agreeing).toMatchObject({ status: 'unverifiable', signed_energy_kwh: 29.5, meter: 'BQ27400330016' });
    expect(codes(agreeing)).toEqual(['missing_public_key']);
    // Under any key we hold, its signature fails: it is no DER signature of this payload.
    const underOurKey = verifySignedData({
      start_date_time: '2018-07-24T11:22:04Z',
      end_date_time: '2018-07-24T11:26:04Z',
      total_energy: 29.5,
      signed_data: { ...signed, public_key: meterKey.publicKeyHex },
    });
    expect(codes(underOurKey)).toEqual(['signature_mismatch']);
  });

  test("S.A.F.E.'s KEBA KCP30 record verifies with its published key and agrees with its CDR", () => {
    const result = verifySignedData(kebaCdr(keba()));
    expect(result).toMatchObject({
      status: 'valid',
      problems: [],
      records: 1,
      meter: '17619300',
      begin: { time: KEBA_KCP30.start, kwh: 0.2596, time_status: 'I', reason: 'B' },
      end: { time: KEBA_KCP30.end, kwh: 0.2597, time_status: 'R', reason: 'E' },
      signed_energy_kwh: 0.0001,
      tolerance: { time_seconds: TIME_TOLERANCE_SECONDS, energy_kwh: 0.00005 },
    });
    expect(SignedDataVerification.safeParse(result).success).toBe(true);
  });

  test('the KEBA record with one reading changed no longer verifies', () => {
    const tampered = KEBA_KCP30.record.replace('"RV":0.2597', '"RV":0.2697');
    const result = verifySignedData(kebaCdr(keba({ signed_values: [{ nature: 'End', plain_data: '', signed_data: tampered }] }), { total_energy: 0.0101 }));
    expect(result?.status).toBe('invalid');
    expect(codes(result)).toEqual(['signature_mismatch']);
    expect(result?.problems[0].message).toMatch(/signed_values\[0\] \(End\).*does not verify/);
  });

  test('the KEBA record under another meter key does not verify', () => {
    expect(codes(verifySignedData(kebaCdr(keba({ public_key: meterKey.publicKeyHex }))))).toEqual(['signature_mismatch']);
  });

  test('the key in base64 DER, as a bare point, and the record base64-encoded in signed_data are read alike', () => {
    const der = Buffer.from(KEBA_KCP30.publicKey, 'hex');
    expect(verifySignedData(kebaCdr(keba({ public_key: der.toString('base64') })))?.status).toBe('valid');
    expect(verifySignedData(kebaCdr(keba({ public_key: der.subarray(-65).toString('hex') })))?.status).toBe('valid');
    const encoded = Buffer.from(KEBA_KCP30.record).toString('base64');
    expect(verifySignedData(kebaCdr(keba({ signed_values: [{ nature: 'End', plain_data: '', signed_data: encoded }] })))?.status).toBe('valid');
    // The record may also stand in plain_data when signed_data holds something else.
    expect(verifySignedData(kebaCdr(keba({ signed_values: [{ nature: 'End', plain_data: KEBA_KCP30.record, signed_data: 'c2lnbmF0dXJl' }] })))?.status).toBe('valid');
  });
});

describe('records signed here', () => {
  test('a begin and an end record of one meter, signed with its key, agreeing with the CDR: valid', () => {
    const result = verifySignedData(cdrWith(signedSession()));
    expect(result).toMatchObject({
      status: 'valid',
      records: 2,
      meter: 'MTR0001',
      signed_energy_kwh: 22.5,
      begin: { time: START, kwh: 1520.25 },
      end: { time: END, kwh: 1542.75 },
    });
  });

  test('one reading changed after signing: invalid, naming the record', () => {
    const signed = signedSession();
    const changed = signed.signed_values[1].signed_data.replace('"RV":1542.75', '"RV":1543.75');
    expect(changed).not.toBe(signed.signed_values[1].signed_data);
    const result = verifySignedData(cdrWith({ ...signed, signed_values: [signed.signed_values[0], { ...signed.signed_values[1], signed_data: changed }] }, { total_energy: 23.5 }));
    expect(result?.status).toBe('invalid');
    expect(result?.problems).toEqual([{ code: 'signature_mismatch', message: expect.stringContaining('signed_values[1] (End)') }]);
  });

  test('the public key of another meter: invalid (signature), of another curve: invalid (key)', () => {
    const other = generateMeterKey();
    expect(codes(verifySignedData(cdrWith({ ...signedSession(), public_key: other.publicKeyHex })))).toEqual(['signature_mismatch', 'signature_mismatch']);
    const p384 = generateMeterKey('secp384r1');
    const result = verifySignedData(cdrWith({ ...signedSession(), public_key: p384.publicKeyHex }));
    expect(codes(result)).toEqual(['key_mismatch', 'key_mismatch']);
    expect(result?.problems[0].message).toMatch(/ECDSA-secp256r1-SHA256.*secp384r1/);
  });

  test('energy at odds with total_energy: invalid, both values named; within half a unit of the coarser precision: valid', () => {
    const off = verifySignedData(cdrWith(signedSession(), { total_energy: 22.6 }));
    expect(off?.status).toBe('invalid');
    expect(off?.problems).toEqual([{ code: 'energy_mismatch', message: expect.stringMatching(/22\.5 kWh.*22\.6 kWh/) }]);
    // Readings with two decimals, a CDR with three: 22.504 rounds to the signed 22.50.
    expect(verifySignedData(cdrWith(signedSession(), { total_energy: 22.504 }))).toMatchObject({ status: 'valid', tolerance: { energy_kwh: 0.005 } });
    expect(codes(verifySignedData(cdrWith(signedSession(), { total_energy: 22.506 })))).toEqual(['energy_mismatch']);
    // A CDR in whole kWh carries less: 22.5 signed, 23 billed agree at that precision.
    expect(verifySignedData(cdrWith(signedSession(), { total_energy: 23 }))).toMatchObject({ status: 'valid', tolerance: { energy_kwh: 0.5 } });
  });

  test('times at odds with the CDR beyond the tolerance: invalid (start, end); within it: valid', () => {
    const shifted = (ms: number, field: 'start_date_time' | 'end_date_time') => ({ [field]: new Date(Date.parse(field === 'start_date_time' ? START : END) + ms).toISOString() });
    const late = verifySignedData(cdrWith(signedSession(), shifted(-(TIME_TOLERANCE_SECONDS + 1) * 1000, 'start_date_time')));
    expect(codes(late)).toEqual(['start_time_mismatch']);
    expect(late?.problems[0].message).toContain(`${TIME_TOLERANCE_SECONDS + 1} s`);
    expect(codes(verifySignedData(cdrWith(signedSession(), shifted(10 * 60_000, 'end_date_time'))))).toEqual(['end_time_mismatch']);
    expect(verifySignedData(cdrWith(signedSession(), shifted(-(TIME_TOLERANCE_SECONDS - 1) * 1000, 'start_date_time')))?.status).toBe('valid');
  });

  test('an unsynchronized meter clock (U): its times are not compared, and a note says so', () => {
    const payload = (tx: string, tm: string, rv: number) => ({ PG: 'T1', MS: 'M1', IS: true, IT: 'NONE', RD: [{ TM: tm, TX: tx, RV: rv, RI: '1-b:1.8.0', RU: 'kWh', ST: 'G' }] });
    const signed: SignedData = {
      encoding_method: 'OCMF',
      public_key: meterKey.publicKeyHex,
      signed_values: [
        { nature: 'Start', plain_data: '', signed_data: signOcmf(payload('B', '2001-01-01T00:00:00,000+0000 U', 10), meterKey.privateKey) },
        { nature: 'End', plain_data: '', signed_data: signOcmf(payload('E', '2001-01-01T01:00:00,000+0000 U', 32.5), meterKey.privateKey) },
      ],
    };
    const result = verifySignedData(cdrWith(signed));
    expect(result?.status).toBe('valid');
    expect(result?.notes).toEqual([expect.stringMatching(/unsynchronized/), expect.stringMatching(/unsynchronized/)]);
  });

  test('one record with both readings, in Wh, on brainpool384r1, with an r || s signature: valid', () => {
    const bp = generateMeterKey('brainpool384r1');
    const payload = JSON.stringify({
      PG: 'T9',
      MS: 'BP1',
      IS: true,
      IT: 'NONE',
      RD: [
        { TM: '2026-03-02T09:00:00,000+0100 S', TX: 'B', RV: 1520250, RI: '1-b:1.8.0', RU: 'Wh', ST: 'G' },
        { TM: '2026-03-02T10:30:00,000+0100 S', TX: 'E', RV: 1542750 },
      ],
    });
    const raw = crypto.sign('sha256', Buffer.from(payload), { key: bp.privateKey, dsaEncoding: 'ieee-p1363' }).toString('hex');
    const record = `OCMF|${payload}|{"SA":"ECDSA-brainpool384r1-SHA256","SD":"${raw}"}`;
    const result = verifySignedData(cdrWith({ encoding_method: 'ocmf', public_key: bp.publicKeyHex, signed_values: [{ nature: 'End', plain_data: '', signed_data: record }] }));
    expect(result).toMatchObject({ status: 'valid', signed_energy_kwh: 22.5, end: { kwh: 1542.75, reason: 'E' } });
  });

  test('records of two meters: invalid; no begin reading: unverifiable; a meter error status: invalid', () => {
    const otherMeter = signTransaction(
      { ...meter, serial: 'MTR0002' },
      {
        pagination: 1,
        evseId: 'E',
        identification: { type: 'NONE', data: '' },
        begin: { at: new Date(START), kwh: 1 },
        end: { at: new Date(END), kwh: 23.5 },
        currentType: 'AC',
      },
    );
    const mixed = { ...signedSession(), signed_values: [signedSession().signed_values[0], otherMeter.signed_values[1]] };
    expect(codes(verifySignedData(cdrWith(mixed)))).toContain('mixed_meters');
    const endOnly = { ...signedSession(), signed_values: [signedSession().signed_values[1]] };
    const noBegin = verifySignedData(cdrWith(endOnly));
    expect(noBegin?.status).toBe('unverifiable');
    expect(codes(noBegin)).toEqual(['missing_reading']);
    const failing = signOcmf(
      {
        MS: 'MTR0001',
        RD: [
          { TM: '2026-03-02T08:00:00,000+0000 S', TX: 'B', RV: 1, RU: 'kWh', ST: 'F' },
          { TM: '2026-03-02T09:30:00,000+0000 S', TX: 'E', RV: 23.5, ST: 'G' },
        ],
      },
      meterKey.privateKey,
    );
    const result = verifySignedData(cdrWith({ ...signedSession(), signed_values: [{ nature: 'End', plain_data: '', signed_data: failing }] }));
    expect(codes(result)).toEqual(['meter_error']);
  });
});

describe('what cannot be verified, and garbage', () => {
  test.each(['EDL40 E-Mobility Extension', 'Alfen Eichrecht', 'EDL40 Mennekes'])('%s: unverifiable, the encoding named', (encoding) => {
    const result = verifySignedData(cdrWith({ encoding_method: encoding, public_key: 'AB', signed_values: [{ nature: 'Start', plain_data: 'x', signed_data: 'AAEC' }] }));
    expect(result).toMatchObject({ status: 'unverifiable', encoding_method: encoding, records: 0 });
    expect(result?.problems).toEqual([{ code: 'unsupported_encoding', message: expect.stringContaining(encoding) }]);
  });

  test('no public key, or one we cannot read: unverifiable', () => {
    expect(codes(verifySignedData(cdrWith({ ...signedSession(), public_key: null })))).toEqual(['missing_public_key']);
    expect(codes(verifySignedData(cdrWith({ ...signedSession(), public_key: 'not a key at all' })))).toEqual(['unreadable_public_key']);
    expect(codes(verifySignedData(cdrWith({ ...signedSession(), public_key: 'ABCD' })))).toEqual(['unreadable_public_key']);
  });

  test('an unknown signature algorithm: unverifiable', () => {
    const record = signOcmf({ MS: 'M', RD: [{ TM: '2026-03-02T08:00:00,000+0000 S', TX: 'B', RV: 1, RU: 'kWh', ST: 'G' }] }, meterKey.privateKey, 'RSA-PSS-SHA512');
    const result = verifySignedData(cdrWith({ ...signedSession(), signed_values: [{ nature: 'Start', plain_data: '', signed_data: record }] }));
    expect(codes(result)).toEqual(['unsupported_algorithm', 'missing_reading']);
    expect(result?.status).toBe('unverifiable');
  });

  test.each([
    ['plain text', 'hello meter', /holds no OCMF record/],
    ['a header only', 'OCMF|', /three sections/],
    ['payload that is not JSON', 'OCMF|{not json}|{"SD":"00"}', /payload section is not JSON/],
    ['no readings', 'OCMF|{"MS":"M","RD":[]}|{"SD":"00"}', /RD must be a non-empty array/],
    ['a reading without time', 'OCMF|{"RD":[{"TX":"B","RV":1}]}|{"SD":"00"}', /RD\[0\]\.TM/],
    ['a time in another format', 'OCMF|{"RD":[{"TM":"24.07.2018 13:22","TX":"B","RV":1}]}|{"SD":"00"}', /RD\[0\]\.TM must be like/],
    ['a reading value as text', 'OCMF|{"RD":[{"TM":"2018-07-24T13:22:04,000+0200 S","RV":"1"}]}|{"SD":"00"}', /RD\[0\]\.RV must be a number/],
    ['no signature data', 'OCMF|{"RD":[{"TM":"2018-07-24T13:22:04,000+0200 S","RV":1}]}|{"SA":"ECDSA-secp256r1-SHA256"}', /SD/],
  ])('%s: invalid (malformed record), never an exception', (_what, text, message) => {
    const result = verifySignedData(cdrWith({ ...signedSession(), signed_values: [{ nature: 'Start', plain_data: '', signed_data: text }] }));
    expect(result?.status).toBe('invalid');
    expect(result?.problems[0]).toEqual({ code: 'malformed_record', message: expect.stringMatching(message) });
  });

  test('a signature that is not hex: invalid (malformed record)', () => {
    const record = signedSession().signed_values[0].signed_data.replace(/"SD":"[0-9A-F]+"/, '"SD":"zz-not-hex"');
    expect(codes(verifySignedData(cdrWith({ ...signedSession(), signed_values: [{ nature: 'Start', plain_data: '', signed_data: record }] })))).toContain('malformed_record');
  });

  test('a CDR without signed_data has no verification', () => {
    expect(verifySignedData(cdrWith(null))).toBeNull();
  });
});
