/**
 * Pulling an eMSP peer's tokens into our CPO parties' whitelist cache (07-tokens §5: the CPO
 * resyncs by reading the eMSP's Sender list; transport §4: pull is what gets a receiver back in
 * sync). The mirror of the eMSP pulls in shared/pull-sync.ts: full at first, then incremental
 * with date_from, every token read through the receive profile and stored through the same
 * Receiver service a push goes through, so push and pull accept the same tokens and converge on
 * the newest `last_updated` whichever arrives first.
 *
 * Routing (transport §9): OCPI-from = one of our CPO parties, OCPI-to = one eMSP party of the
 * peer, so the list is read once per (our CPO party, their eMSP party). An eMSP may show each CPO
 * a different set of tokens; the cache is one per token owner, so overlapping lists are simply
 * stored idempotently.
 */
import type { AppContext } from '../../../app-context.js';
import type { PullContext, PullHandler } from '../../../delivery/pulls.js';
import type { OcpiClient, OcpiRequest } from '../../../ocpi/client.js';
import type { AuthenticatedPeer, PartyRef } from '../../../ocpi/context.js';
import { OcpiError } from '../../../ocpi/errors.js';
import { receive } from '../../../ocpi/receive-profile.js';
import { ciEquals } from '../../../ocpi/types.js';
import type { PeerRecord } from '../../../platform/peers/peer-store.js';
import { retryingClient } from '../shared/pull-sync.js';
import { Token } from './schemas.js';
import { receivedTokens } from './service.js';

interface Tally {
  read: number;
  stored: number;
  ignored: number;
  invalid: number;
  foreign: number;
  refused: number;
}

export const tokensPull: PullHandler = {
  module: 'tokens',
  async appliesTo(peer, app) {
    if (peer.status !== 'REGISTERED' || !senderUrl(peer) || !emspParties(peer).length) return false;
    return (await cpoParties(app)).length > 0;
  },
  async pull(ctx) {
    const url = senderUrl(ctx.peer);
    if (!url) return 0;
    const tally: Tally = { read: 0, stored: 0, ignored: 0, invalid: 0, foreign: 0, refused: 0 };
    const client = retryingClient(ctx.app);
    const caller = asCaller(ctx.peer);
    for (const from of await cpoParties(ctx.app)) {
      for (const to of emspParties(ctx.peer)) await crawl(ctx, client, url, from, to, caller, tally);
    }
    const log = { peer_id: ctx.peer.id, module: 'tokens', full: !ctx.since, ...tally };
    if (tally.invalid + tally.foreign + tally.refused) ctx.app.log.warn(log, 'pull skipped objects');
    else ctx.app.log.debug(log, 'pull stored');
    return tally.read;
  },
};

async function crawl(ctx: PullContext, client: OcpiClient, url: string, from: PartyRef, to: PartyRef, caller: AuthenticatedPeer, tally: Tally): Promise<void> {
  const { app, peer, token, since } = ctx;
  // The Tokens Sender GET has no required date_from: a full pull leaves it out.
  const req: OcpiRequest = { method: 'GET', url, token, encoding: peer.authEncoding, query: { date_from: since?.toISOString() }, from, to };
  const tokens = receivedTokens(app);
  // A token's uid identifies a driver: warnings name its place in this crawl, never the uid.
  const where = (position: number) => ({ peer_id: peer.id, module: 'tokens', list: `${from.countryCode}/${from.partyId}->${to.countryCode}/${to.partyId}`, position });
  let position = 0;
  for await (const page of client.paginate<unknown>(req)) {
    for (const raw of page) {
      tally.read++;
      const at = position++;
      // The receive profile, exactly as for a pushed token: repaired where it may be, counted per peer.
      const parsed = receive(Token, raw, { module: 'tokens', recipient: from, maxFutureSkewSeconds: app.config.MAX_FUTURE_SKEW_SECONDS });
      if (parsed.repairs.length || !parsed.ok) {
        await app.dataQuality.record(peer.id, 'tokens', undefined, { repairs: parsed.repairs, refusals: parsed.ok ? [] : parsed.refusals });
      }
      if (!parsed.ok) {
        tally.invalid++;
        const fields = parsed.refusals.slice(0, 5).map((r) => r.message);
        app.log.warn({ ...where(at), fields }, 'pulled object is unreadable even after repair; skipped');
        continue;
      }
      const object = parsed.data;
      if (!caller.roles.some((r) => ciEquals(r.countryCode, object.country_code) && ciEquals(r.partyId, object.party_id))) {
        // Transport §8: the owner is read from the object; a peer cannot feed us another eMSP's tokens.
        tally.foreign++;
        app.log.warn({ ...where(at), owner: `${object.country_code}/${object.party_id}` }, 'pulled object of a party the peer did not register; skipped');
        continue;
      }
      try {
        // A PUT of the whole token, keyed on its own type, exactly as a push of it would be.
        const outcome = await tokens.put(caller, { country_code: object.country_code, party_id: object.party_id, token_uid: object.uid }, object.type, object);
        tally[outcome.kind === 'ignored' ? 'ignored' : 'stored']++;
      } catch (e) {
        if (!(e instanceof OcpiError)) throw e;
        tally.refused++;
        app.log.warn({ ...where(at), err: e.message }, 'pulled object refused by the receiver rules; skipped');
      }
    }
  }
}

/** The peer as the Receiver service sees a caller: the parties it registered own its tokens. */
function asCaller(peer: PeerRecord): AuthenticatedPeer {
  const roles = peer.roles.filter((r) => r.role !== 'HUB').map((r) => ({ role: r.role, countryCode: r.countryCode, partyId: r.partyId }));
  return { peerId: peer.id, status: peer.status, credentialKind: 'C', credentialHash: '', roles };
}

function senderUrl(peer: PeerRecord): string | undefined {
  return peer.endpoints.find((e) => e.identifier === 'tokens' && e.role === 'SENDER')?.url;
}

/** The token owners of a direct connection; a hub's tokens are not pulled (docs/interop.md). */
function emspParties(peer: PeerRecord): PartyRef[] {
  return peer.roles.filter((r) => r.role === 'EMSP').map((r) => ({ countryCode: r.countryCode, partyId: r.partyId }));
}

async function cpoParties(app: AppContext): Promise<PartyRef[]> {
  return (await app.parties.listCached()).filter((p) => p.roles.includes('CPO')).map((p) => ({ countryCode: p.countryCode, partyId: p.partyId }));
}
