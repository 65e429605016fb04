/**
 * Real-time authorization, CPO side (07-tokens §2.2, §4): our CPO backend asks whether a token
 * may charge. The token's `whitelist` decides between the cached copy the eMSP pushed us and a
 * `POST {tokens SENDER url}/{uid}/authorize` to the eMSP that owns it, and what happens when
 * that eMSP cannot be reached in time.
 */
import type { AppContext } from '../../../context.js';
import { routeThroughHub } from '../../../hub/behind-hub.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { OcpiCallError } from '../../../ocpi/client.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { type DisplayText, ciEquals, ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { AuthorizationInfo, type LocationReferences } from '../../../model/authorization.js';
import { type AllowedType, Token } from '../../../model/token.js';

export interface AuthorizeRequest {
  uid: string;
  type: string;
  /** The eMSP the backend knows the token belongs to, when the token may not be cached. */
  tokenOwner?: { country_code: string; party_id: string };
  location?: LocationReferences;
}

/** STORE: our cached copy decided; PEER: the owner answered; FALLBACK: the owner could not. */
export type AuthorizationSource = 'STORE' | 'PEER' | 'FALLBACK';

export interface AuthorizationResult {
  allowed: AllowedType;
  token?: Token;
  authorization_reference?: string;
  /** The EVSEs of the requested location the owner allows (only with a PEER answer). */
  location?: LocationReferences;
  info?: DisplayText;
  source: AuthorizationSource;
}

/** Why the owner gave no usable answer: the fallback rules apply to all of these alike. */
class Unreachable extends Error {}

const text = (t: string): DisplayText => ({ language: 'en', text: t });

export async function authorizeToken(app: AppContext, cpoParty: PartyRef, req: AuthorizeRequest): Promise<AuthorizationResult> {
  const found = await findStoredToken(app, req);
  if (found.ambiguous) {
    return { allowed: 'NOT_ALLOWED', source: 'STORE', info: text(`Token ${req.uid} (${req.type}) is stored for several eMSPs: give token_owner`) };
  }
  const stored = found.token;
  // ALWAYS forbids real-time authorization (§3.5): the cache is the only source.
  if (stored?.whitelist === 'ALWAYS') return fromStore(stored, 'STORE');

  const owner = stored
    ? { countryCode: stored.country_code, partyId: stored.party_id }
    : req.tokenOwner
      ? { countryCode: req.tokenOwner.country_code, partyId: req.tokenOwner.party_id }
      : null;
  if (!owner) {
    return { allowed: 'NOT_ALLOWED', source: 'STORE', info: text(`Unknown token ${req.uid} (${req.type}): not in the cache and no token_owner to ask`) };
  }

  try {
    // The uid as its owner spelled it: CiString compares case-insensitively, but a peer's URL
    // router may not.
    return await askOwner(app, cpoParty, owner, stored ? { ...req, uid: stored.uid } : req, stored);
  } catch (e) {
    if (!(e instanceof Unreachable)) throw e;
    return fallback(stored, e.message);
  }
}

/**
 * The cached token: under the given owner, or else the one token of that uid and type whatever
 * its owner (a charger reading an RFID card knows no eMSP). Two owners with the same uid and
 * type cannot be told apart, so that is refused rather than guessed (P11).
 */
async function findStoredToken(app: AppContext, req: AuthorizeRequest): Promise<{ token: Token | null; ambiguous?: boolean }> {
  if (req.tokenOwner) return { token: await app.services.receivedTokens.store.find(req.tokenOwner.country_code, req.tokenOwner.party_id, req.uid, req.type) };
  const rows = await app.db.receivedToken.findMany({ where: { uidKey: ciKey(req.uid), type: req.type }, select: { document: true }, take: 2 });
  if (rows.length > 1) return { token: null, ambiguous: true };
  return { token: (rows[0]?.document as Token | undefined) ?? null };
}

/**
 * The verdict of the cache. The Token has no expiry date, so a `valid: false` token is
 * BLOCKED: the eMSP withdrew it (P4: even ALWAYS does not allow an invalid token).
 */
function fromStore(token: Token, source: AuthorizationSource, reason?: string): AuthorizationResult {
  const result: AuthorizationResult = { allowed: token.valid ? 'ALLOWED' : 'BLOCKED', token, source };
  if (reason) result.info = text(reason);
  return result;
}

/**
 * The owner gave no usable answer (§4): ALLOWED and ALLOWED_OFFLINE fall back to the cached
 * validity (P5: only a cached token with `valid: true` is allowed), NEVER and tokens we do not
 * hold are denied.
 */
function fallback(stored: Token | null, reason: string): AuthorizationResult {
  if (stored && (stored.whitelist === 'ALLOWED' || stored.whitelist === 'ALLOWED_OFFLINE')) {
    return fromStore(stored, 'FALLBACK', `Token owner unreachable (${reason}); decided from the cached token`);
  }
  const why = stored ? `whitelist ${stored.whitelist} requires the owner's answer` : 'the token is not cached';
  return { allowed: 'NOT_ALLOWED', ...(stored ? { token: stored } : {}), source: 'FALLBACK', info: text(`Token owner unreachable (${reason}); ${why}`) };
}

/**
 * The registered peer that speaks for the owner party and offers a tokens SENDER interface; else
 * the hub connection whose ClientInfo reports the owner CONNECTED, addressed to the owner
 * (transport §9.2 party to party via a hub).
 */
async function ownerPeer(app: AppContext, owner: PartyRef): Promise<{ peerId: string; url: string; to: PartyRef }> {
  const rows = await app.db.peerRole.findMany({
    // Not through the loopback connection: our parties exchange delegated smart charging only.
    where: { role: 'EMSP', partyKey: partyKey(owner.countryCode, owner.partyId), peer: { status: 'REGISTERED', loopback: false } },
    select: { peerId: true, countryCode: true, partyId: true, peer: { select: { endpoints: true } } },
  });
  for (const r of rows) {
    const endpoint = ((r.peer.endpoints ?? []) as Array<{ identifier: string; role: string; url: string }>).find((e) => e.identifier === 'tokens' && e.role === 'SENDER');
    // The party's codes as the peer registered them, so OCPI-to-* is spelled the way it knows.
    if (endpoint) return { peerId: r.peerId, url: endpoint.url, to: { countryCode: r.countryCode, partyId: r.partyId } };
  }
  const viaHub = await routeThroughHub(app, owner, 'EMSP', 'tokens', 'SENDER');
  if (viaHub) return { peerId: viaHub.peerId, url: viaHub.url, to: viaHub.to };
  throw new Unreachable(`no registered peer or connected hub offers the tokens SENDER interface of ${owner.countryCode}/${owner.partyId}`);
}

async function askOwner(app: AppContext, cpoParty: PartyRef, owner: PartyRef, req: AuthorizeRequest, stored: Token | null): Promise<AuthorizationResult> {
  const target = await ownerPeer(app, owner);
  const peer = await app.peerStore.get(target.peerId);
  if (!peer?.peerTokenEnc) throw new Unreachable('the owner peer has no token for us');
  // Endpoint URLs have no trailing slash since 2.2.1-d2; tolerate one anyway (P3).
  const url = `${target.url.replace(/\/+$/, '')}/${encodeURIComponent(req.uid)}/authorize`;
  let data: unknown;
  try {
    const reply = await app.client.request({
      method: 'POST',
      url,
      token: app.secrets.decrypt(peer.peerTokenEnc),
      encoding: peer.authEncoding,
      query: { type: req.type },
      // Always sent when known: without it an eMSP may answer 2002 (P6). In the owner's OCPI version.
      body: await app.wireTranslations.outbound(peer, 'tokens', { method: 'POST', url, body: req.location }, app),
      from: cpoParty,
      to: target.to,
      // A driver waits at the plug (P7): the short deadline, not the general outbound timeout.
      timeoutMs: app.config.AUTHORIZATION_TIMEOUT_MS,
    });
    data = reply.data;
  } catch (e) {
    if (!(e instanceof OcpiCallError)) throw e;
    // 2004 or HTTP 404 (P1, either alone counts): the owner does not know the token. That is
    // an answer, so there is no offline fallback.
    if (e.ocpiStatus === OcpiStatus.UNKNOWN_TOKEN || e.httpStatus === 404) {
      return { allowed: 'NOT_ALLOWED', source: 'PEER', info: text(`Token ${req.uid} (${req.type}) is unknown to its owner ${owner.countryCode}/${owner.partyId}`) };
    }
    // 2002: the owner was reached and cannot decide; also an answer, and not a yes.
    if (e.ocpiStatus === OcpiStatus.NOT_ENOUGH_INFORMATION) {
      return { allowed: 'NOT_ALLOWED', source: 'PEER', info: text(`The token owner needs more information to decide (2002)${req.location ? '' : ': give location'}`) };
    }
    throw new Unreachable(e.kind === 'timeout' ? `no answer within ${app.config.AUTHORIZATION_TIMEOUT_MS} ms` : e.message);
  }
  // A peer of another OCPI version answers in its own form (delivery/translations.ts); one whose
  // form carries no Token (2.1.1) is read without it, and our cached copy stands for it.
  const read = app.wireTranslations.answer(peer, 'tokens', data, { method: 'POST', url, body: req.location });
  const info = (read.translated ? AuthorizationInfo.extend({ token: Token.optional() }) : AuthorizationInfo).safeParse(read.body);
  if (!info.success) {
    const first = info.error.issues[0];
    throw new Unreachable(`invalid AuthorizationInfo (${first.path.join('.')}: ${first.message})`);
  }
  const answer = info.data;
  if (answer.token && !ciEquals(answer.token.uid, req.uid)) throw new Unreachable(`the answer is about token ${answer.token.uid}, not ${req.uid}`);
  const token = answer.token ?? stored ?? undefined;
  const result: AuthorizationResult = { allowed: answer.allowed, ...(token ? { token } : {}), source: 'PEER' };
  if (answer.authorization_reference) result.authorization_reference = answer.authorization_reference;
  if (answer.location) result.location = answer.location;
  if (answer.info) result.info = answer.info;
  return result;
}
