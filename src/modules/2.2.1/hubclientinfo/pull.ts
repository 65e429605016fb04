/**
 * This platform as a client of a hub: GET the hub's ClientInfo list (its hubclientinfo SENDER,
 * 04-hubclientinfo §1 pull model) when the connection is new and then on the pull schedule,
 * beside what the hub PUTs to our RECEIVER. A hub that never pushes is then still usable: the
 * CPOs it lists are pulled (shared/pull-sync.ts) and reachable for commands (shared/cpo-target.ts)
 * and real-time authorization reaches the eMSPs it lists (tokens/authorize.ts).
 *
 * A configuration module: no routing headers. Each entry is stored by the same rule as a PUT
 * (older `last_updated` ignored). A full read that completes replaces the list: entries the hub
 * no longer lists are forgotten.
 */
import type { PullHandler } from '../../../delivery/pulls.js';
import { receive } from '../../../ocpi/receive-profile.js';
import { ClientInfo } from '../../../model/client-info.js';
import { forgetUnlisted, storeClientInfo } from './service.js';

export const hubClientInfoPull: PullHandler = {
  module: 'hubclientinfo',
  async appliesTo(peer, app) {
    if (peer.status !== 'REGISTERED' || !peer.roles.some((r) => r.role === 'HUB')) return false;
    if (!peer.endpoints.some((e) => e.identifier === 'hubclientinfo' && e.role === 'SENDER')) return false;
    // Only a platform with a CPO or eMSP party has our RECEIVER (hub/endpoints.ts): the same parties use the list.
    const roles = await app.parties.localRoles();
    return roles.has('CPO') || roles.has('EMSP');
  },
  async pull({ app, peer, token, since }) {
    const url = peer.endpoints.find((e) => e.identifier === 'hubclientinfo' && e.role === 'SENDER')?.url;
    if (!url) return 0;
    const listed: ClientInfo[] = [];
    let read = 0;
    let invalid = 0;
    for await (const page of app.client.paginate<unknown>({ method: 'GET', url, token, encoding: peer.authEncoding, query: { date_from: since?.toISOString() } })) {
      for (const raw of page) {
        read++;
        // The receive profile, exactly as for a pushed ClientInfo (a far-future last_updated included).
        const parsed = receive(ClientInfo, raw, { module: 'hubclientinfo', maxFutureSkewSeconds: app.config.MAX_FUTURE_SKEW_SECONDS });
        if (parsed.repairs.length || !parsed.ok) {
          await app.dataQuality.record(peer.id, 'hubclientinfo', undefined, { repairs: parsed.repairs, refusals: parsed.ok ? [] : parsed.refusals });
        }
        if (!parsed.ok) {
          invalid++;
          const fields = parsed.refusals.slice(0, 5).map((r) => r.message);
          app.log.warn({ peer_id: peer.id, module: 'hubclientinfo', fields }, 'pulled ClientInfo is invalid; skipped');
          continue;
        }
        listed.push(parsed.data);
        await storeClientInfo(app, peer.id, parsed.data);
      }
    }
    // An invalid entry may be a party still listed: forgetting would drop a live route.
    const forgotten = !since && invalid === 0 ? await forgetUnlisted(app, peer.id, listed) : 0;
    app.log.info({ peer_id: peer.id, module: 'hubclientinfo', full: !since, read, invalid, forgotten }, 'hub ClientInfo read');
    return read;
  },
};
