/** How delivery and the pull crawl translate CDRs for a 2.1.1 peer (delivery/translations.ts). */
import type { TranslationContext, WireTranslation } from '../../../delivery/translations.js';
import type { Cdr } from '../../../model/cdr.js';
import type { PeerRecord } from '../../../platform/peers/peer-store.js';
import { peerOwner } from '../shared/wire.js';
import { cdrTokenFor, localPartyOf, ownLocation } from '../sessions/lookups.js';
import { Cdr211 } from './schemas.js';
import { cdrFrom211, cdrLocationTo211, cdrTo211 } from './translate.js';

/** One of our CDRs in the 2.1.1 form, its location embedded from our store. */
export async function cdrOutbound(cdr: Cdr, ctx: TranslationContext) {
  const stored = await ownLocation(ctx, cdr, cdr.cdr_location.id);
  return cdrTo211(cdr, cdrLocationTo211(cdr.cdr_location, stored, cdr.last_updated));
}

export async function cdrInbound(raw: unknown, peer: PeerRecord, ctx: TranslationContext) {
  const parsed = Cdr211.safeParse(raw);
  const owner = peerOwner(peer);
  const ours = await localPartyOf(ctx, peer);
  if (!parsed.success || !owner || !ours) return raw;
  return cdrFrom211(parsed.data, owner, await cdrTokenFor(ctx, ours, parsed.data.auth_id));
}

export const cdrs211Translation: WireTranslation = {
  outbound: (message, _peer, ctx) => cdrOutbound(message.body as Cdr, ctx),
  inbound: cdrInbound,
};
