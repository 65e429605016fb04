/** How delivery and the pull crawl translate locations for a 2.1.1 peer (delivery/translations.ts). */
import { NOT_FOR_PEER, type WireTranslation } from '../../../delivery/translations.js';
import type { Connector, Evse, Location } from '../../../model/location.js';
import type { PeerRecord } from '../../../platform/peers/peer-store.js';
import { peerOwner, segmentsBelow } from '../shared/wire.js';
import { unpublished } from './published.js';
import type { z } from 'zod';
import { Connector211, Connector211Patch, Evse211, Evse211Patch, Location211, Location211Patch } from './schemas.js';
import { connectorFrom211, connectorTo211, evseFrom211, evseTo211, locationFrom211, locationTo211 } from './translate.js';

export const locations211Translation: WireTranslation = {
  async outbound(message, peer, ctx) {
    const level = segmentsBelow(peer, 'locations', message.url);
    // 2.1.1 has no publish flag: an unpublished location is not for a 2.1.1 peer at all.
    if (await unpublished(ctx, message.body as { publish?: unknown }, pathBelow(peer, message.url))) return NOT_FOR_PEER;
    if (level >= 5) return connectorTo211(message.body as Partial<Connector>);
    if (level === 4) return evseTo211(message.body as Partial<Evse>);
    return locationTo211(message.body as Partial<Location>);
  },
  inbound(raw, peer, _ctx, hint) {
    // Through our hub the path tells the level (3 a location, 4 an EVSE, 5 a connector); a pull lists locations.
    const level = hint?.path ? hint.path.split('?')[0].split('/').filter(Boolean).length : 3;
    const read = <T>(whole: z.ZodType<T>, part: z.ZodType<Partial<T>>, translate: (v: Partial<T>) => unknown) => {
      const parsed = (hint?.partial ? part : whole).safeParse(raw);
      return parsed.success ? translate(parsed.data as Partial<T>) : raw;
    };
    if (level >= 5) return read(Connector211, Connector211Patch, (c) => connectorFrom211(c));
    if (level === 4) return read(Evse211, Evse211Patch, (e) => evseFrom211(e));
    if (hint?.partial) return read(Location211, Location211Patch, (l) => locationFrom211(l, null));
    const parsed = Location211.safeParse(raw);
    const owner = peerOwner(peer);
    return parsed.success && owner ? locationFrom211(parsed.data, owner) : raw;
  },
};

/** The path segments of `url` below the peer's locations RECEIVER endpoint: {country_code}/{party_id}/{location_id}/... */
function pathBelow(peer: Pick<PeerRecord, 'endpoints'>, url: string): string[] {
  const base = peer.endpoints.find((e) => e.identifier === 'locations' && e.role === 'RECEIVER')?.url.replace(/\/+$/, '') ?? '';
  const rest = url.startsWith(base) ? url.slice(base.length) : new URL(url).pathname;
  return rest.split('?')[0].split('/').filter(Boolean);
}
