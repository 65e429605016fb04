/** How delivery and the pull crawl translate CDRs for a 2.1.1 peer (delivery/translations.ts). */
import type { TranslationContext, WireTranslation } from '../../../delivery/translations.js';
import type { Cdr } from '../../../model/cdr.js';
import type { PeerRecord } from '../../../platform/peers/peer-store.js';
import { peerOwner } from '../shared/wire.js';
import { cdrTokenOf, ownLocation } from '../sessions/lookups.js';
import { Cdr211 } from './schemas.js';
import { cdrFrom211, cdrLocationTo211, cdrTo211 } from './translate.js';

/** One of our CDRs in the 2.1.1 form, its location embedded from our store. */
export async function cdrOutbound(cdr: Cdr, ctx: TranslationContext) {
  // Ours, else (relayed by our hub) the owner's, read from it.
  const stored = (await ownLocation(ctx, cdr, cdr.cdr_location.id)) ?? (await ctx.services.relayedLocations.find(cdr, cdr.cdr_location.id));
  return cdrTo211(cdr, cdrLocationTo211(cdr.cdr_location, stored, cdr.last_updated));
}

/** A CDR a 2.1.1 peer sent (listed, or posted through our hub), as our model: its auth_id names the token (cdrTokenOf). */
export async function cdrInbound(raw: unknown, peer: PeerRecord, ctx: TranslationContext) {
  const parsed = Cdr211.safeParse(raw);
  const owner = peerOwner(peer);
  if (!parsed.success || !owner) return raw;
  const token = await cdrTokenOf(ctx, peer, parsed.data.auth_id);
  return token ? cdrFrom211(parsed.data, owner, token) : raw;
}

export const cdrs211Translation: WireTranslation = {
  outbound: (message, _peer, ctx) => cdrOutbound(message.body as Cdr, ctx),
  inbound: cdrInbound,
};
