/**
 * Rules shared by every RECEIVER of Client Owned Objects (transport §8): only the owner may
 * write under its `{country_code}/{party_id}`, PUT answers 201 when it creates and 200 when it
 * replaces, and an update older than what we hold is acknowledged but not applied.
 */
import type { AuthenticatedPeer } from '../../../ocpi/context.js';
import { notFound } from '../../../ocpi/errors.js';
import type { RouteResult, RoutingHint } from '../../../ocpi/route.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { ciEquals } from '../../../model/primitives.js';

/** What a PUT or PATCH did: `written()` turns it into HTTP 201/200 and a status message. */
export type WriteOutcome = { kind: 'created' } | { kind: 'replaced' } | { kind: 'updated' } | { kind: 'ignored'; message: string };

/**
 * A peer that left out OCPI-from-* speaks for the owner its URL (or the pushed object) names,
 * when that party is one of its own: the only party that may write there anyway.
 */
export const OWNER_SENDS: RoutingHint = { senderInPath: true, senderInBody: true };

/**
 * Sessions and CDRs are for the eMSP whose token charged: without OCPI-to-*, the `cdr_token`
 * of the pushed object names our party.
 */
export const OWNER_SENDS_TO_TOKEN_EMSP: RoutingHint = {
  ...OWNER_SENDS,
  receiverInBody: (body) => {
    const token = (body as { cdr_token?: { country_code?: unknown; party_id?: unknown } } | null)?.cdr_token;
    return typeof token?.country_code === 'string' && typeof token.party_id === 'string' ? { countryCode: token.country_code, partyId: token.party_id } : undefined;
  },
};

/** For route documentation of the 404 `assertCallerOwns` answers. */
export const PARTY_404 = 'a party the caller did not register (2000)';

/** HTTP 404 (MAY, transport §8) when the URL names a party the calling peer did not register. */
export function assertCallerOwns(peer: AuthenticatedPeer, countryCode: string, partyId: string, objects: string): void {
  const owns = peer.roles.some((r) => ciEquals(r.countryCode, countryCode) && ciEquals(r.partyId, partyId));
  if (!owns) throw notFound(`Party ${countryCode}/${partyId} is not a party registered by this peer: a peer may only push its own ${objects}`);
}

export function ignoredAsOlder(given: string, stored: string | undefined): WriteOutcome {
  return { kind: 'ignored', message: `Ignored: last_updated ${given} is older than the stored version (${stored ?? 'unknown'})` };
}

export function written(outcome: WriteOutcome): RouteResult {
  const httpStatus = outcome.kind === 'created' ? 201 : 200;
  return { statusCode: OcpiStatus.SUCCESS, httpStatus, message: outcome.kind === 'ignored' ? outcome.message : undefined };
}
