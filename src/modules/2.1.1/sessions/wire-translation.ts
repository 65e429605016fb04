/**
 * How delivery and the pull crawl translate sessions for a 2.1.1 peer (delivery/translations.ts).
 * Outbound the embedded Location is read from our store; inbound the `auth_id` is looked up
 * among the tokens of the eMSP party the connection presents (lookups.ts).
 */
import type { InboundHint, TranslationContext, WireTranslation } from '../../../delivery/translations.js';
import type { Session } from '../../../model/session.js';
import type { PeerRecord } from '../../../platform/peers/peer-store.js';
import { peerOwner } from '../shared/wire.js';
import { cdrTokenOf, ownLocation } from './lookups.js';
import { Session211, Session211Patch } from './schemas.js';
import { embeddedLocation211, sessionFrom211, sessionTo211 } from './translate.js';

/** The CPO party of a pushed session: the body's, else the `{country_code}/{party_id}` of the URL (a PATCH). */
function ownerOf(body: Partial<Session>, url: string | undefined): { country_code: string; party_id: string } | null {
  if (body.country_code && body.party_id) return { country_code: body.country_code, party_id: body.party_id };
  if (!url) return null;
  const [country_code, party_id] = new URL(url).pathname.split('/').filter(Boolean).slice(-3);
  return country_code && party_id ? { country_code, party_id } : null;
}

/** Our session (or a PATCH of it) in the 2.1.1 form, its location embedded from our store. `url`: where a PATCH goes (names the CPO party). */
export async function sessionOutbound(body: Partial<Session>, url: string | undefined, ctx: TranslationContext) {
  const owner = ownerOf(body, url);
  const { location_id, evse_uid, connector_id } = body;
  // Ours, else (relayed by our hub) the owner's, read from it.
  const stored = owner && location_id ? ((await ownLocation(ctx, owner, location_id)) ?? (await ctx.services.relayedLocations.find(owner, location_id))) : null;
  const location = stored && location_id && evse_uid && connector_id ? embeddedLocation211(stored, { location_id, evse_uid, connector_id }) : undefined;
  return sessionTo211(body, location);
}

/**
 * A session a 2.1.1 peer sent (listed, or pushed through our hub), as our model. A PATCH (`hint`)
 * carries part of one: translated field by field, its auth_id (if any) still naming the token.
 */
export async function sessionInbound(raw: unknown, peer: PeerRecord, ctx: TranslationContext, hint?: InboundHint) {
  if (hint?.partial) {
    const patch = Session211Patch.safeParse(raw);
    if (!patch.success) return raw;
    const token = patch.data.auth_id ? await cdrTokenOf(ctx, peer, patch.data.auth_id) : null;
    return sessionFrom211(patch.data, null, token ?? undefined);
  }
  const parsed = Session211.safeParse(raw);
  const owner = peerOwner(peer);
  if (!parsed.success || !owner) return raw;
  const token = await cdrTokenOf(ctx, peer, parsed.data.auth_id);
  return token ? sessionFrom211(parsed.data, owner, token) : raw;
}

export const sessions211Translation: WireTranslation = {
  outbound: (message, _peer, ctx) => sessionOutbound(message.body as Partial<Session>, message.url, ctx),
  inbound: sessionInbound,
};
