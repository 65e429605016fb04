/**
 * A location of a CPO behind the hub, read from that CPO when a translation needs it: a 2.1.1
 * Session embeds its Location, which a 2.2.1 session only names by id, and the hub stores no
 * CPO's locations. Read party to party (as a forwarded GET), in the stored model, and kept a
 * minute: a session's PUT and the PATCHes that change its ids ask for the same one.
 */
import type { AppContext } from '../context.js';
import { Location } from '../model/location.js';
import { ciKey } from '../model/primitives.js';
import { toModel } from './bridge.js';
import { endpointOf, isConnected } from './directory.js';
import { isOneParty } from './policy.js';

const KEEP_MS = 60_000;
const MAX_KEPT = 10_000;

export class RelayedLocations {
  private readonly kept = new Map<string, { at: number; value: Promise<Location | null> }>();

  constructor(private readonly app: AppContext) {}

  /** The owner's location, or null when it cannot be read (not behind the hub, not connected, no such location). */
  find(owner: { country_code: string; party_id: string }, locationId: string): Promise<Location | null> {
    const key = `${ciKey(owner.country_code)}${ciKey(owner.party_id)}/${ciKey(locationId)}`;
    const now = Date.now();
    const hit = this.kept.get(key);
    if (hit && now - hit.at < KEEP_MS) return hit.value;
    if (this.kept.size >= MAX_KEPT) this.kept.clear();
    const value = this.read(owner, locationId).catch((e: Error) => {
      this.app.log.warn({ owner: `${owner.country_code}/${owner.party_id}`, location_id: locationId, err: e.message }, 'hub: location of a relayed session not readable');
      this.kept.delete(key);
      return null;
    });
    this.kept.set(key, { at: now, value });
    return value;
  }

  private async read(owner: { country_code: string; party_id: string }, locationId: string): Promise<Location | null> {
    const hub = await this.app.services.hubState.hubParty();
    const found = hub && (await this.app.services.hubDirectory.find({ countryCode: owner.country_code, partyId: owner.party_id }));
    if (!hub || !found || found.kind !== 'peer' || !isConnected(found.peer)) return null;
    const url = endpointOf(found.peer, 'locations', 'SENDER');
    if (!url) return null;
    const reply = await this.app.client.request({
      method: 'GET',
      url: `${url.replace(/\/+$/, '')}/${encodeURIComponent(locationId)}`,
      token: this.app.secrets.decrypt(found.peer.peerTokenEnc),
      encoding: found.peer.authEncoding,
      ...(isOneParty(this.app, found.peer) ? {} : { from: hub, to: found.party }),
    });
    const parsed = Location.safeParse(await toModel(this.app, found.peer, 'locations', reply.data));
    return parsed.success ? parsed.data : null;
  }
}

declare module '../context.js' {
  interface Services {
    /** Locations of CPOs behind the hub, read when a relayed session must embed one (2.1.1). */
    relayedLocations: RelayedLocations;
  }
}
