/**
 * What the check of a CDR's `signed_data` found: the shape stored with a received CDR, shown in
 * the eMSP's read API and sent with the `cdr.received` event (docs/interop.md, "Signed meter data").
 *
 * `valid`: every signed record verifies with the given public key and its readings agree with the
 * CDR. `invalid`: something was proven wrong (a signature, the key, the readings). `unverifiable`:
 * nothing was proven either way (an encoding we do not read, no key, no begin reading...).
 */
import { z } from 'zod';

export const VerificationStatus = z.enum(['valid', 'invalid', 'unverifiable']);
export type VerificationStatus = z.infer<typeof VerificationStatus>;

/** Problems that prove the signed data wrong, or at odds with the CDR. */
export const INVALID_CODES = [
  'malformed_record',
  'signature_mismatch',
  'key_mismatch',
  'mixed_meters',
  'conflicting_readings',
  'register_mismatch',
  'meter_error',
  'start_time_mismatch',
  'end_time_mismatch',
  'energy_mismatch',
] as const;

/** Problems that leave the signed data neither proven nor disproven. */
export const UNVERIFIABLE_CODES = [
  'unsupported_encoding',
  'missing_public_key',
  'unreadable_public_key',
  'unsupported_algorithm',
  'missing_reading',
  'unsupported_unit',
  'verifier_error',
] as const;

export const ProblemCode = z.enum([...INVALID_CODES, ...UNVERIFIABLE_CODES]);
export type ProblemCode = z.infer<typeof ProblemCode>;

export const VerificationProblem = z.object({
  code: ProblemCode,
  message: z.string().describe('What was found, naming the signed value or reading concerned'),
});
export type VerificationProblem = z.infer<typeof VerificationProblem>;

export const SignedReading = z.object({
  time: z.string().describe('The reading time as an RFC 3339 UTC instant'),
  time_status: z.string().nullable().describe('OCMF time status: S synchronized, I informative, R relative, U unknown'),
  kwh: z.number().describe('The meter register, in kWh'),
  reason: z.string().describe('OCMF TX: B begin, E/L/R/A/P end'),
});
export type SignedReading = z.infer<typeof SignedReading>;

export const SignedDataVerification = z.object({
  status: VerificationStatus,
  encoding_method: z.string(),
  problems: z.array(VerificationProblem).describe('Empty when valid; an invalid or unverifiable result names each reason'),
  notes: z.array(z.string()).describe('Remarks that did not change the outcome (e.g. an unsynchronized meter clock: times not compared)'),
  records: z.number().int().describe('Signed records found and checked'),
  meter: z.string().nullable().describe('Meter serial (OCMF MS, else the gateway serial GS)'),
  begin: SignedReading.nullable(),
  end: SignedReading.nullable(),
  signed_energy_kwh: z.number().nullable().describe('End minus begin reading, kWh'),
  tolerance: z.object({
    time_seconds: z.number().describe("How far a reading's time may lie from the CDR's start/end"),
    energy_kwh: z.number().describe('How far signed_energy_kwh may lie from total_energy: half a unit of the coarser precision of the two'),
  }),
  verified_at: z.string(),
});
export type SignedDataVerification = z.infer<typeof SignedDataVerification>;

const INVALID: ReadonlySet<string> = new Set(INVALID_CODES);

/** Invalid wins over unverifiable: a proven fault stands even where something else could not be checked. */
export function statusOf(problems: readonly VerificationProblem[]): VerificationStatus {
  if (problems.some((p) => INVALID.has(p.code))) return 'invalid';
  return problems.length > 0 ? 'unverifiable' : 'valid';
}
