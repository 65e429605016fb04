/**
 * The cryptography of OCMF (its table of signature methods): ECDSA over the SHA-256 of the
 * payload text, on seven named curves, all verified by Node's crypto (OpenSSL). A public key comes
 * as DER SubjectPublicKeyInfo in hex (usual) or base64 (OCPI's wording), as PEM, or as the bare
 * curve point, which then takes its curve from the record's algorithm.
 */
import crypto, { type KeyObject } from 'node:crypto';

export interface Curve {
  /** OpenSSL's name, as KeyObject.asymmetricKeyDetails reports it. */
  openssl: string;
  /** Bytes of one coordinate. */
  size: number;
  /** DER of SubjectPublicKeyInfo up to the uncompressed point. */
  spkiPrefix: string;
}

const CURVES: Record<string, Curve> = {
  secp192r1: { openssl: 'prime192v1', size: 24, spkiPrefix: '3049301306072a8648ce3d020106082a8648ce3d030101033200' },
  secp192k1: { openssl: 'secp192k1', size: 24, spkiPrefix: '3046301006072a8648ce3d020106052b8104001f033200' },
  secp256r1: { openssl: 'prime256v1', size: 32, spkiPrefix: '3059301306072a8648ce3d020106082a8648ce3d030107034200' },
  secp256k1: { openssl: 'secp256k1', size: 32, spkiPrefix: '3056301006072a8648ce3d020106052b8104000a034200' },
  brainpool256r1: { openssl: 'brainpoolP256r1', size: 32, spkiPrefix: '305a301406072a8648ce3d020106092b2403030208010107034200' },
  secp384r1: { openssl: 'secp384r1', size: 48, spkiPrefix: '3076301006072a8648ce3d020106052b81040022036200' },
  brainpool384r1: { openssl: 'brainpoolP384r1', size: 48, spkiPrefix: '307a301406072a8648ce3d020106092b240303020801010b036200' },
};

export const DEFAULT_SIGNATURE_ALGORITHM = 'ECDSA-secp256r1-SHA256';

/** The curve an OCMF signature algorithm (SA) names, or null when we do not know it. */
export function curveOf(algorithm: string): { name: string; curve: Curve } | null {
  const m = /^ECDSA-([a-z0-9]+)-SHA256$/.exec(algorithm);
  const curve = m ? CURVES[m[1]] : undefined;
  return m && curve ? { name: m[1], curve } : null;
}

/** The OCMF curve name (e.g. secp256r1) of a key, or null for a key on none of them. */
export function ocmfCurveOfKey(key: KeyObject): string | null {
  const openssl = key.asymmetricKeyDetails?.namedCurve;
  return Object.entries(CURVES).find(([, c]) => c.openssl === openssl)?.[0] ?? null;
}

/**
 * Reads a public key as SignedData.public_key carries it; `algorithm` supplies the curve of a bare
 * point. Null when the text is no EC public key we can read.
 */
export function readPublicKey(text: string, algorithm: string): KeyObject | null {
  const trimmed = text.trim();
  try {
    if (trimmed.includes('-----BEGIN')) return ecOnly(crypto.createPublicKey(trimmed));
  } catch {
    return null;
  }
  const bytes = /^([0-9a-fA-F]{2})+$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : null;
  if (!bytes || bytes.length === 0) return null;
  try {
    return ecOnly(crypto.createPublicKey({ key: bytes, format: 'der', type: 'spki' }));
  } catch {
    return fromPoint(bytes, algorithm);
  }
}

function ecOnly(key: KeyObject): KeyObject | null {
  return key.asymmetricKeyType === 'ec' ? key : null;
}

/** A bare uncompressed point (04 || X || Y), or X || Y alone, on the algorithm's curve. */
function fromPoint(bytes: Buffer, algorithm: string): KeyObject | null {
  const curve = curveOf(algorithm)?.curve;
  if (!curve) return null;
  const point = bytes.length === 2 * curve.size ? Buffer.concat([Buffer.from([4]), bytes]) : bytes;
  if (point.length !== 1 + 2 * curve.size || point[0] !== 4) return null;
  try {
    return crypto.createPublicKey({ key: Buffer.concat([Buffer.from(curve.spkiPrefix, 'hex'), point]), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}

/** The signature bytes of SD as SE encodes them; null for an encoding we do not read or bad text. */
export function signatureBytes(sd: string, encoding: string | undefined): Buffer | null {
  const se = (encoding ?? 'hex').toLowerCase();
  if (se === 'hex') return /^([0-9a-fA-F]{2})+$/.test(sd) ? Buffer.from(sd, 'hex') : null;
  if (se === 'base64') return /^[A-Za-z0-9+/]+={0,2}$/.test(sd) ? Buffer.from(sd, 'base64') : null;
  return null;
}

/**
 * ECDSA over the SHA-256 of `data`. The format's signature is DER; a bare r || s of exactly twice
 * the curve size (some meters send it) is tried as such when it is not DER.
 */
export function verifyEcdsa(data: string, key: KeyObject, signature: Buffer, curve: Curve): boolean {
  const bytes = Buffer.from(data, 'utf8');
  const attempt = (dsaEncoding: 'der' | 'ieee-p1363') => {
    try {
      return crypto.verify('sha256', bytes, { key, dsaEncoding }, signature);
    } catch {
      return false;
    }
  };
  return attempt('der') || (signature.length === 2 * curve.size && attempt('ieee-p1363'));
}

/** A new key pair on an OCMF curve, for a signing component (the simulator's meters, tests). */
export function generateMeterKey(curve = 'secp256r1'): { privateKey: KeyObject; publicKeyHex: string } {
  const known = CURVES[curve];
  if (!known) throw new Error(`Unknown OCMF curve ${curve}`);
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: known.openssl });
  return { privateKey, publicKeyHex: publicKey.export({ format: 'der', type: 'spki' }).toString('hex').toUpperCase() };
}

/** Signs a payload text as OCMF does: ECDSA with SHA-256, DER, hex. */
export function signEcdsa(data: string, privateKey: KeyObject): string {
  return crypto.sign('sha256', Buffer.from(data, 'utf8'), { key: privateKey, dsaEncoding: 'der' }).toString('hex').toUpperCase();
}
