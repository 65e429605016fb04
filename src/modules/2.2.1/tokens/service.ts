/**
 * The rules of the tokens Receiver interface of our CPO parties (07-tokens §2.1, transport §8):
 * a Client Owned Object, so the eMSP that owns a token is the only one that may write or read
 * it, the URL and the body must name the same token, and an older version never replaces a
 * newer one.
 */
import type { AppContext } from '../../../context.js';
import { type WriteOutcome, assertCallerOwns, ignoredAsOlder } from '../shared/client-owned.js';
import type { AuthenticatedPeer } from '../../../ocpi/context.js';
import { invalidParameters, notFound } from '../../../ocpi/errors.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { ciEquals, ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { Token, type TokenPatch } from '../../../model/token.js';
import { type TokenPath } from './schemas.js';
import { ReceivedTokenStore, type TokenKey, tokenKey } from './store.js';

export class ReceivedTokensService {
  readonly store: ReceivedTokenStore;

  constructor(private readonly app: AppContext) {
    this.store = new ReceivedTokenStore(app.db, app.config.DATABASE_SCHEMA);
  }

  /** `type` undefined: `?type=` was absent (see `typeOrOnly`). */
  async get(peer: AuthenticatedPeer, path: TokenPath, type: string | undefined): Promise<Token> {
    const key = this.ownedKey(peer, path, type ?? (await this.typeOrOnly(path)));
    const token = await this.store.get(this.app.db, key);
    if (!token) throw unknownToken(path, key.type);
    return token;
  }

  /**
   * Creates or fully replaces a token (201 / 200). Without `?type=` the body's own `type` names
   * the token: peers that push APP_USER tokens without the query parameter would otherwise be
   * refused (or, with a lenient reading, filed as RFID).
   */
  async put(peer: AuthenticatedPeer, path: TokenPath, type: string | undefined, body: Token): Promise<WriteOutcome> {
    type ??= body.type;
    const key = this.ownedKey(peer, path, type);
    checkIdentity(path, type, body);
    const result = await this.store.upsert(this.app.db, key, peer.peerId, body);
    if (!result) {
      const stored = await this.store.get(this.app.db, key);
      return ignoredAsOlder(body.last_updated, stored?.last_updated);
    }
    return { kind: result.created ? 'created' : 'replaced' };
  }

  /**
   * Changes the given fields of a known token; PATCH cannot create one (use PUT). Without
   * `?type=`: the body's `type` when it has one, else as for GET.
   */
  async patch(peer: AuthenticatedPeer, path: TokenPath, type: string | undefined, body: TokenPatch): Promise<WriteOutcome> {
    type ??= body.type ?? (await this.typeOrOnly(path));
    const key = this.ownedKey(peer, path, type);
    checkIdentity(path, type, body);
    return this.app.db.$transaction(async (tx) => {
      const current = await this.store.lock(tx, key);
      if (!current) throw unknownToken(path, type);
      if (Date.parse(body.last_updated) < Date.parse(current.last_updated)) return ignoredAsOlder(body.last_updated, current.last_updated);
      // The parts were valid one by one; the whole is checked again so that no combination of
      // a stored document and a patch can leave an invalid Token behind.
      const merged = Token.safeParse({ ...current, ...body });
      if (!merged.success) throw invalidParameters(merged.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      await this.store.upsert(tx, key, peer.peerId, merged.data);
      return { kind: 'updated' as const };
    });
  }

  /**
   * The key of the addressed token, once the URL's party is known to belong to the caller.
   * Otherwise HTTP 404 (transport §6.1): a peer must not read or overwrite another eMSP's
   * tokens, and must not learn whether they exist.
   */
  private ownedKey(peer: AuthenticatedPeer, path: TokenPath, type: string): TokenKey {
    assertCallerOwns(peer, path.country_code, path.party_id, 'tokens');
    return tokenKey(path.country_code, path.party_id, path.token_uid, type);
  }

  /**
   * The type a request without `?type=` addresses: the type of the only token we hold with that
   * uid (of the URL's owner), else RFID, the spec's default. Where both readings find a token
   * they agree (the only one is RFID, or several exist and RFID is chosen); the tolerance only
   * answers requests the strict default would answer with "unknown token".
   */
  private async typeOrOnly(path: TokenPath): Promise<string> {
    const types = await this.store.typesOf(this.app.db, partyKey(path.country_code, path.party_id), ciKey(path.token_uid));
    return types.length === 1 ? types[0] : 'RFID';
  }
}

/** The identity fields a body carries must name the token of the URL (2001, transport §8). */
function checkIdentity(path: TokenPath, type: string, body: Partial<Token>): void {
  const expected: Array<[keyof Token, string, string]> = [
    ['country_code', path.country_code, 'the country_code in the path'],
    ['party_id', path.party_id, 'the party_id in the path'],
    ['uid', path.token_uid, 'the token_uid in the path'],
  ];
  for (const [field, value, where] of expected) {
    const given = body[field];
    if (given !== undefined && !ciEquals(String(given), value)) throw invalidParameters(`body.${field}: ${String(given)} does not match ${where} (${value})`);
  }
  // TokenType is an enum of upper-case values: compared exactly. Only a given ?type= can differ.
  if (body.type !== undefined && body.type !== type) throw invalidParameters(`body.type: ${body.type} does not match the type query parameter (${type})`);
}

function unknownToken(path: TokenPath, type: string) {
  return notFound(`Unknown token ${path.country_code}/${path.party_id}/${path.token_uid} of type ${type}`, OcpiStatus.UNKNOWN_TOKEN);
}

/**
 * An older version is acknowledged and dropped: the sender's message was valid, we simply hold
 * something newer, and an error would make it retry or dead-letter for nothing.
 */

/** The service of one platform instance. */
declare module '../../../context.js' {
  interface Services {
    receivedTokens: ReceivedTokensService;
  }
}
