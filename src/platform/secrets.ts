/**
 * Credentials tokens at rest: an HMAC for lookup (a dump does not reveal the token and the index
 * is exact-match) and an AES-256-GCM copy for the places that must give the value back
 * (GET /credentials, our own Authorization header). Both keys derive from TOKEN_ENCRYPTION_KEY.
 */
import crypto from 'node:crypto';

export class Secrets {
  private readonly hmacKey: Buffer;
  private readonly encKey: Buffer;

  constructor(masterKeyBase64: string) {
    const master = Buffer.from(masterKeyBase64, 'base64');
    this.hmacKey = Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), 'ocpi-token-lookup', 32));
    this.encKey = Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), 'ocpi-token-encryption', 32));
  }

  /** 256 bits from the CSPRNG, URL-safe: printable, no whitespace, 43 characters (< string(64)). */
  generateToken(): string {
    return crypto.randomBytes(32).toString('base64url');
  }

  hash(token: string): string {
    return crypto.createHmac('sha256', this.hmacKey).update(token, 'utf8').digest('hex');
  }

  /** Constant-time comparison of two hashes (or any two strings of secret material). */
  static equal(a: string, b: string): boolean {
    const ab = Buffer.from(a);
    const bb = Buffer.from(b);
    return ab.length === bb.length && crypto.timingSafeEqual(ab, bb);
  }

  encrypt(plain: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.encKey, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
  }

  decrypt(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('Unreadable sealed secret');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.encKey, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }
}

declare module '../context.js' {
  interface AppContext {
    secrets: Secrets;
  }
}
