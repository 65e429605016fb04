/**
 * The signing side of OCMF, as a metering capsule does it: a payload signed with the meter's
 * private key. Used by the built-in simulator (its virtual meters sign the begin and end reading
 * of each transaction) and by tests; a real CPO's meters sign in the charge point.
 */
import type { KeyObject } from 'node:crypto';
import type { SignedData } from '../model/cdr.js';
import { DEFAULT_SIGNATURE_ALGORITHM, signEcdsa } from './ecdsa.js';
import { formatOcmfTime } from './ocmf.js';

/** An OCMF record of `payload`, signed with ECDSA-secp256r1-SHA256 unless told otherwise. */
export function signOcmf(payload: object, privateKey: KeyObject, algorithm = DEFAULT_SIGNATURE_ALGORITHM): string {
  const payloadText = JSON.stringify(payload);
  return `OCMF|${payloadText}|${JSON.stringify({ SA: algorithm, SD: signEcdsa(payloadText, privateKey) })}`;
}

export interface MeterIdentity {
  /** Meter serial (MS). */
  serial: string;
  vendor: string;
  model: string;
  /** The signing component (GI) and its software version (GV). */
  gateway: string;
  gatewayVersion: string;
  privateKey: KeyObject;
  publicKeyHex: string;
}

export interface MeteredTransaction {
  /** Transaction pagination counter of the begin record; the end record takes the next one. */
  pagination: number;
  /** The charge point (OCMF CT EVSEID). */
  evseId: string;
  /** Who was charged: OCMF identification type and data (e.g. CENTRAL and the token uid). */
  identification: { type: string; data: string };
  begin: { at: Date; kwh: number };
  end: { at: Date; kwh: number };
  /** AC or DC. */
  currentType: string;
}

/**
 * The SignedData of one transaction: a begin (TX B) and an end (TX E) record, each signed on its
 * own as the meter produces them, in kWh on the import register (OBIS 1-b:1.8.0). signed_data
 * holds the record, plain_data its payload as readable text.
 */
export function signTransaction(meter: MeterIdentity, tx: MeteredTransaction): SignedData {
  const record = (pagination: number, reason: 'B' | 'E', reading: { at: Date; kwh: number }) => {
    const payload = {
      FV: '1.0',
      GI: meter.gateway,
      GS: meter.serial,
      GV: meter.gatewayVersion,
      PG: `T${pagination}`,
      MV: meter.vendor,
      MM: meter.model,
      MS: meter.serial,
      IS: true,
      IL: 'TRUSTED',
      IF: ['OCPP_RS'],
      IT: tx.identification.type,
      ID: tx.identification.data,
      CT: 'EVSEID',
      CI: tx.evseId,
      RD: [{ TM: formatOcmfTime(reading.at), TX: reason, RV: reading.kwh, RI: '1-b:1.8.0', RU: 'kWh', RT: tx.currentType, EF: '', ST: 'G' }],
    };
    const text = signOcmf(payload, meter.privateKey);
    return { nature: reason === 'B' ? 'Start' : 'End', plain_data: JSON.stringify(payload), signed_data: text };
  };
  return {
    encoding_method: 'OCMF',
    encoding_method_version: 1,
    public_key: meter.publicKeyHex,
    signed_values: [record(tx.pagination, 'B', tx.begin), record(tx.pagination + 1, 'E', tx.end)],
  };
}
