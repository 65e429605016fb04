/**
 * The Open Charge Metering Format (OCMF, S.A.F.E. e.V.): a record is `OCMF|{payload}|{signature}`,
 * the signature covering the payload section's exact text. Read here: the sections, the meter's
 * identity and its readings with the format's shorthand undone (a reading leaves out the fields
 * equal to the previous one's), and the reading time `2018-07-24T13:22:04,000+0200 S`.
 */

export class OcmfFormatError extends Error {}

export interface OcmfSignature {
  /** Signature algorithm; ECDSA-secp256r1-SHA256 when absent. */
  SA?: string;
  /** hex (default) or base64. */
  SE?: string;
  /** application/x-der (default). */
  SM?: string;
  SD: string;
}

export interface OcmfReading {
  /** The reading time as the meter wrote it. */
  TM: string;
  instant: Date;
  /** S synchronized, I informative, R relative, U unknown; null when not given. */
  timeStatus: string | null;
  TX?: string;
  RV?: number;
  RI?: string;
  RU?: string;
  ST?: string;
  EF?: string;
}

export interface OcmfRecord {
  /** The exact text the signature covers. */
  payloadText: string;
  payload: Record<string, unknown>;
  signature: OcmfSignature;
  /** Meter serial (MS), else the gateway serial (GS); null when neither is given. */
  meter: string | null;
  readings: OcmfReading[];
}

const READING_FIELDS = { TM: 'string', TX: 'string', RV: 'number', RI: 'string', RU: 'string', ST: 'string', EF: 'string' } as const;

/** Reads one record; throws OcmfFormatError naming what is wrong. */
export function parseOcmf(text: string): OcmfRecord {
  const sections = text.trim().split('|');
  if (sections[0] !== 'OCMF') throw new OcmfFormatError('does not start with the OCMF header');
  if (sections.length !== 3) throw new OcmfFormatError('must be OCMF|payload|signature: three sections separated by |');
  const [, payloadText, signatureText] = sections;
  const payload = jsonObject(payloadText, 'payload section');
  const signature = jsonObject(signatureText, 'signature section');
  for (const key of ['SA', 'SE', 'SM', 'SD'] as const) {
    if (signature[key] !== undefined && typeof signature[key] !== 'string') throw new OcmfFormatError(`signature ${key} must be a string`);
  }
  if (typeof signature.SD !== 'string' || signature.SD.length === 0) throw new OcmfFormatError('signature SD (the signature data) is missing');
  const serial = [payload.MS, payload.GS].find((s): s is string => typeof s === 'string' && s.length > 0);
  return { payloadText, payload, signature: signature as unknown as OcmfSignature, meter: serial ?? null, readings: readingsOf(payload.RD) };
}

function jsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new OcmfFormatError(`${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OcmfFormatError(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

function readingsOf(rd: unknown): OcmfReading[] {
  if (!Array.isArray(rd) || rd.length === 0) throw new OcmfFormatError('payload RD must be a non-empty array of readings');
  let previous: Record<string, unknown> = {};
  return rd.map((raw, i) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new OcmfFormatError(`RD[${i}] must be an object`);
    for (const [key, type] of Object.entries(READING_FIELDS)) {
      const value = (raw as Record<string, unknown>)[key];
      if (value !== undefined && typeof value !== type) throw new OcmfFormatError(`RD[${i}].${key} must be a ${type}`);
    }
    const merged = { ...previous, ...(raw as Record<string, unknown>) };
    previous = merged;
    if (typeof merged.TM !== 'string') throw new OcmfFormatError(`RD[${i}].TM (the reading time) is missing`);
    const time = parseOcmfTime(merged.TM);
    if (!time) throw new OcmfFormatError(`RD[${i}].TM must be like 2018-07-24T13:22:04,000+0200 S, got ${JSON.stringify(merged.TM.slice(0, 40))}`);
    return { ...(merged as Omit<OcmfReading, 'instant' | 'timeStatus'>), TM: merged.TM, instant: time.instant, timeStatus: time.status };
  });
}

// The format asks for a comma and milliseconds; a point, other fractions and Z are read too.
const TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:[,.](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})(?:\s+([A-Z]))?$/;

/** An OCMF reading time, or null when it is not one. */
export function parseOcmfTime(tm: string): { instant: Date; status: string | null } | null {
  const m = TIME.exec(tm.trim());
  if (!m) return null;
  const [, local, fraction, zone, status] = m;
  const millis = (fraction ?? '0').padEnd(3, '0').slice(0, 3);
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const instant = new Date(`${local}.${millis}${offset}`);
  return Number.isNaN(instant.getTime()) ? null : { instant, status: status ?? null };
}

/** The OCMF reading time of an instant, in UTC. */
export function formatOcmfTime(instant: Date, status = 'S'): string {
  const iso = instant.toISOString();
  return `${iso.slice(0, 19)},${iso.slice(20, 23)}+0000 ${status}`;
}
