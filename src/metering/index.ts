/**
 * Signed meter data (Eichrecht): the check of a CDR's `signed_data` and the OCMF signing of the
 * built-in simulator's meters. Pure: imports only the object model (no database, no HTTP).
 */
export { verifySignedData, TIME_TOLERANCE_SECONDS, type CdrFacts, type VerifyOptions } from './verify.js';
export { SignedDataVerification, VerificationStatus, type VerificationProblem, type ProblemCode } from './verification.js';
export { signOcmf, signTransaction, type MeterIdentity, type MeteredTransaction } from './sign.js';
export { generateMeterKey } from './ecdsa.js';
export { parseOcmf, formatOcmfTime, parseOcmfTime, OcmfFormatError, type OcmfRecord, type OcmfReading } from './ocmf.js';
