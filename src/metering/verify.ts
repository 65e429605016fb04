/**
 * Checks a CDR's `signed_data` (German calibration law: the driver must be able to verify the
 * energy billed). OCMF is verified: each record's signature with the given public key, the records
 * from one meter, and the begin and end readings against the CDR's start, end and total_energy.
 * Other encodings are reported unverifiable. Pure: no database, no network, never throws.
 */
import type { SignedData, SignedValue } from '../model/cdr.js';
import { DEFAULT_SIGNATURE_ALGORITHM, curveOf, ocmfCurveOfKey, readPublicKey, signatureBytes, verifyEcdsa } from './ecdsa.js';
import { type OcmfReading, type OcmfRecord, OcmfFormatError, parseOcmf } from './ocmf.js';
import { type SignedDataVerification, type SignedReading, type VerificationProblem, statusOf } from './verification.js';

/**
 * How far a signed reading's time may lie from the CDR's start or end. The meter's clock and the
 * backend's session times come from different devices (and a session may open shortly before
 * the meter's begin reading), so exact equality would fail honest CDRs.
 */
export const TIME_TOLERANCE_SECONDS = 120;

/** What the check reads of a CDR. */
export interface CdrFacts {
  start_date_time: string;
  end_date_time: string;
  total_energy: number;
  signed_data?: SignedData | null;
}

export interface VerifyOptions {
  /** The time recorded as verified_at; now by default. */
  now?: Date;
  timeToleranceSeconds?: number;
}

const END_REASONS = new Set(['E', 'L', 'R', 'A', 'P']);

interface Labelled {
  label: string;
  record: OcmfRecord;
}

/** The verdict on a CDR's signed data, or null when it carries none. */
export function verifySignedData(cdr: CdrFacts, options: VerifyOptions = {}): SignedDataVerification | null {
  const signed = cdr.signed_data;
  if (!signed) return null;
  const toleranceSeconds = options.timeToleranceSeconds ?? TIME_TOLERANCE_SECONDS;
  const result: SignedDataVerification = {
    status: 'valid',
    encoding_method: signed.encoding_method,
    problems: [],
    notes: [],
    records: 0,
    meter: null,
    begin: null,
    end: null,
    signed_energy_kwh: null,
    tolerance: { time_seconds: toleranceSeconds, energy_kwh: energyTolerance([cdr.total_energy]) },
    verified_at: (options.now ?? new Date()).toISOString(),
  };
  try {
    if (signed.encoding_method.trim().toUpperCase() === 'OCMF') checkOcmf(cdr, signed, toleranceSeconds, result);
    else add(result, 'unsupported_encoding', `encoding_method ${signed.encoding_method} is not one we verify: only OCMF is`);
  } catch (e) {
    add(result, 'verifier_error', `the check stopped unexpectedly: ${e instanceof Error ? e.message : String(e)}`);
  }
  result.status = statusOf(result.problems);
  return result;
}

function add(result: SignedDataVerification, code: VerificationProblem['code'], message: string): void {
  result.problems.push({ code, message });
}

function checkOcmf(cdr: CdrFacts, signed: SignedData, toleranceSeconds: number, result: SignedDataVerification): void {
  const records = recordsOf(signed.signed_values, result);
  result.records = records.length;
  if (records.length === 0) return;
  checkSignatures(records, signed.public_key ?? null, result);
  const meters = [...new Set(records.map((r) => r.record.meter).filter((m): m is string => m !== null))];
  result.meter = meters[0] ?? null;
  if (meters.length > 1) add(result, 'mixed_meters', `the records come from different meters (${meters.join(', ')}): one transaction is metered by one meter`);
  checkReadings(cdr, records, toleranceSeconds, result);
}

/** One record per signed value (the same record given twice counts once). */
function recordsOf(values: readonly SignedValue[], result: SignedDataVerification): Labelled[] {
  const found = new Map<string, Labelled>();
  values.forEach((value, i) => {
    const label = `signed_values[${i}] (${value.nature})`;
    const text = ocmfText(value.signed_data) ?? ocmfText(value.plain_data);
    if (!text) return add(result, 'malformed_record', `${label} holds no OCMF record (OCMF|payload|signature) in signed_data or plain_data`);
    try {
      const record = parseOcmf(text);
      const key = `${record.payloadText}|${record.signature.SD}`;
      if (!found.has(key)) found.set(key, { label, record });
    } catch (e) {
      if (!(e instanceof OcmfFormatError)) throw e;
      add(result, 'malformed_record', `${label}: the OCMF record ${e.message}`);
    }
  });
  return [...found.values()];
}

/** The record as given, or base64-encoded (OCPI calls signed_data a base64 blob). */
function ocmfText(field: string): string | null {
  const text = field.trim();
  if (text.startsWith('OCMF|')) return text;
  if (!/^[A-Za-z0-9+/\s]+={0,2}$/.test(text)) return null;
  const decoded = Buffer.from(text, 'base64').toString('utf8').trim();
  return decoded.startsWith('OCMF|') ? decoded : null;
}

function checkSignatures(records: readonly Labelled[], publicKey: string | null, result: SignedDataVerification): void {
  if (!publicKey?.trim()) return add(result, 'missing_public_key', 'signed_data has no public_key: the signatures cannot be checked');
  let unreadableKey = false;
  for (const { label, record } of records) {
    const algorithm = record.signature.SA ?? DEFAULT_SIGNATURE_ALGORITHM;
    const method = curveOf(algorithm);
    if (!method) {
      add(result, 'unsupported_algorithm', `${label}: signature algorithm ${algorithm} is not an OCMF ECDSA method we verify`);
      continue;
    }
    const mime = record.signature.SM ?? 'application/x-der';
    if (mime.toLowerCase() !== 'application/x-der') {
      add(result, 'unsupported_algorithm', `${label}: signature mime type ${mime} is not one OCMF defines`);
      continue;
    }
    const encoding = (record.signature.SE ?? 'hex').toLowerCase();
    if (encoding !== 'hex' && encoding !== 'base64') {
      add(result, 'unsupported_algorithm', `${label}: signature encoding ${record.signature.SE} is not one OCMF defines (hex, base64)`);
      continue;
    }
    const signature = signatureBytes(record.signature.SD, encoding);
    if (!signature) {
      add(result, 'malformed_record', `${label}: the signature SD is not valid ${encoding}`);
      continue;
    }
    const key = readPublicKey(publicKey, algorithm);
    if (!key) {
      if (!unreadableKey) add(result, 'unreadable_public_key', 'public_key is not an EC public key we can read (hex or base64 DER, PEM, or a bare curve point)');
      unreadableKey = true;
      continue;
    }
    const keyCurve = ocmfCurveOfKey(key);
    if (keyCurve !== method.name) {
      add(result, 'key_mismatch', `${label} is signed with ${algorithm}, but public_key is on ${keyCurve ?? 'another curve'}: it is not the key of this meter`);
    } else if (!verifyEcdsa(record.payloadText, key, signature, method.curve)) {
      add(result, 'signature_mismatch', `${label}: the signature does not verify with public_key: the record was changed after signing, or the key is not the meter's`);
    }
  }
}

interface Located {
  label: string;
  reading: OcmfReading;
}

function checkReadings(cdr: CdrFacts, records: readonly Labelled[], toleranceSeconds: number, result: SignedDataVerification): void {
  const readings: Located[] = records.flatMap(({ label, record }) => record.readings.map((reading, i) => ({ label: `${label} RD[${i}]`, reading })));
  for (const { label, reading } of readings) {
    if (reading.EF?.includes('E')) add(result, 'meter_error', `${label}: the meter flags its energy as unusable (EF ${reading.EF})`);
  }
  const begin = single(readings, (r) => r.TX === 'B', 'begin reading (TX B)', result);
  const end = single(readings, (r) => r.TX !== undefined && END_REASONS.has(r.TX), 'end reading (TX E, L, R, A or P)', result);
  const beginKwh = begin && kwhOf(begin, 'begin', result);
  const endKwh = end && kwhOf(end, 'end', result);
  if (begin && beginKwh !== null) result.begin = view(begin.reading, beginKwh);
  if (end && endKwh !== null) result.end = view(end.reading, endKwh);
  if (begin) compareTime(begin, cdr.start_date_time, 'start', toleranceSeconds, result);
  if (end) compareTime(end, cdr.end_date_time, 'end', toleranceSeconds, result);
  if (!begin || !end || beginKwh === null || endKwh === null) return;
  if (begin.reading.RI && end.reading.RI && begin.reading.RI !== end.reading.RI) {
    add(result, 'register_mismatch', `the begin reading is of register ${begin.reading.RI}, the end reading of ${end.reading.RI}`);
  }
  if (end.reading.instant < begin.reading.instant) add(result, 'conflicting_readings', `the end reading (${end.reading.TM}) is before the begin reading (${begin.reading.TM})`);
  const decimals = Math.min(decimalsOf(beginKwh), decimalsOf(endKwh));
  const signedEnergy = Number((endKwh - beginKwh).toFixed(Math.max(decimalsOf(beginKwh), decimalsOf(endKwh))));
  result.signed_energy_kwh = signedEnergy;
  result.tolerance.energy_kwh = energyTolerance([cdr.total_energy], decimals);
  if (Math.abs(signedEnergy - cdr.total_energy) > result.tolerance.energy_kwh + 1e-9) {
    add(
      result,
      'energy_mismatch',
      `the signed readings give ${signedEnergy} kWh (end ${endKwh} - begin ${beginKwh}), the CDR's total_energy is ${cdr.total_energy} kWh (tolerance ${result.tolerance.energy_kwh})`,
    );
  }
}

/** The one reading of a kind; readings repeated identically (a record given twice) count once. */
function single(readings: readonly Located[], is: (r: OcmfReading) => boolean, what: string, result: SignedDataVerification): Located | null {
  const distinct = new Map<string, Located>();
  for (const r of readings.filter((x) => is(x.reading))) distinct.set(`${r.reading.instant.getTime()}|${r.reading.RV}|${r.reading.RU}`, r);
  const found = [...distinct.values()];
  if (found.length === 0) add(result, 'missing_reading', `the signed data has no ${what}: the energy billed cannot be checked`);
  if (found.length > 1) add(result, 'conflicting_readings', `the signed data has ${found.length} different ${what}s: ${found.map((r) => r.label).join(', ')}`);
  if (found.length !== 1) return null;
  const [one] = found;
  if (one.reading.ST !== undefined && one.reading.ST !== 'G') add(result, 'meter_error', `${one.label}: the meter status is ${one.reading.ST}, not G (working correctly)`);
  return one;
}

function kwhOf({ label, reading }: Located, which: string, result: SignedDataVerification): number | null {
  if (reading.RV === undefined) {
    add(result, 'malformed_record', `${label}: the ${which} reading has no value (RV)`);
    return null;
  }
  if (reading.RU === 'kWh') return reading.RV;
  if (reading.RU === 'Wh') return Number((reading.RV / 1000).toFixed(decimalsOf(reading.RV) + 3));
  add(result, 'unsupported_unit', `${label}: the ${which} reading is in ${reading.RU ?? 'no unit'}, not kWh or Wh`);
  return null;
}

function compareTime({ label, reading }: Located, cdrTime: string, which: 'start' | 'end', toleranceSeconds: number, result: SignedDataVerification): void {
  if (reading.timeStatus === 'U') return void result.notes.push(`${label}: the meter clock was unsynchronized (U): its time is not compared with the CDR's`);
  if (reading.EF?.includes('t')) return void result.notes.push(`${label}: the meter flags its time as unusable (EF ${reading.EF}): not compared with the CDR's`);
  const apart = Math.abs(reading.instant.getTime() - Date.parse(cdrTime)) / 1000;
  if (apart > toleranceSeconds) {
    const code = which === 'start' ? 'start_time_mismatch' : 'end_time_mismatch';
    add(result, code, `${label} is at ${reading.instant.toISOString()}, ${apart} s from the CDR's ${which}_date_time ${cdrTime} (tolerance ${toleranceSeconds} s)`);
  }
}

function view(reading: OcmfReading, kwh: number): SignedReading {
  return { time: reading.instant.toISOString(), time_status: reading.timeStatus, kwh, reason: reading.TX ?? '' };
}

/**
 * Half a unit of the coarser of the precisions (decimals) of total_energy and of the readings:
 * the two agree when they round to the same value at the precision both carry.
 */
function energyTolerance(values: readonly number[], readingDecimals = Number.POSITIVE_INFINITY): number {
  const decimals = Math.min(readingDecimals, ...values.map(decimalsOf));
  return Number((0.5 * 10 ** -decimals).toFixed(decimals + 1));
}

/** Decimals of a number as JSON writes it (trailing zeros are not kept by JSON). */
function decimalsOf(n: number): number {
  const [mantissa, exponent] = Math.abs(n).toString().split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.min(12, Math.max(0, fraction - Number(exponent ?? 0)));
}
