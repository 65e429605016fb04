/**
 * Pulling a peer's SENDER list into the RECEIVER stores of our parties (02-locations, 03-tariffs,
 * 05-sessions, 06-cdrs, 07-tokens: pull is the first sync and the catch-up path). Our eMSP parties
 * pull CPO peers' locations, tariffs, sessions and CDRs; our CPO parties pull eMSP peers' tokens.
 * Every object is read through the receive profile and goes through the same receiver service as
 * a push, so pull and push converge on the newest `last_updated` whichever arrives first. One bad
 * object never stops a page: it is skipped with a warning that names its id and the offending
 * fields (a CDR is quarantined).
 *
 * Routing (transport §9): every request carries OCPI-from = one of our pulling parties and OCPI-to
 * = one owning party of the peer, so a list is read once per (our party, their party). A CPO may
 * scope sessions, CDRs and even tariffs to the requesting eMSP (and an eMSP its tokens to the
 * CPO), so each of our parties reads its own view; for the usual one-to-one connection that is a
 * single crawl.
 *
 * A hub connection is pulled too (transport §9.4, GET All via Hub): OCPI-to = the hub's party,
 * and the hub merges the lists of every owner behind it. An object is stored only when its owner
 * (its own country_code/party_id) is a party the hub reported with the owning role in its
 * ClientInfo; the hub itself owns none of these objects (docs/interop.md, Hub).
 */
import type { z } from 'zod';
import type { AppContext } from '../../../context.js';
import type { PullContext, PullHandler } from '../../../delivery/pulls.js';
import { judgeFailure, nextDelayMs } from '../../../delivery/retry-policy.js';
import type { AuthenticatedPeer, PartyRef } from '../../../ocpi/context.js';
import type { OcpiClient, OcpiRequest } from '../../../ocpi/client.js';
import { OcpiError } from '../../../ocpi/errors.js';
import { type Refusal, receive } from '../../../ocpi/receive-profile.js';
import { ciEquals } from '../../../model/primitives.js';
import type { PeerRecord } from '../../../platform/peers/peer-store.js';

/** Our eMSP parties pull CPO peers (locations, tariffs, sessions, CDRs); our CPO parties pull eMSP peers (tokens). */
type PullingRole = 'EMSP' | 'CPO';
const OWNERS: Record<PullingRole, 'CPO' | 'EMSP'> = { EMSP: 'CPO', CPO: 'EMSP' };

/** What storing one pulled object did. */
export type StoreResult = 'stored' | 'ignored';

export interface PullSpec<S extends z.ZodType> {
  /** The module's id, as in its descriptor. */
  module: string;
  /** The role of our parties that pull (default EMSP); the peer's parties of the other role own the objects. */
  pulledBy?: PullingRole;
  /**
   * The id a warning or the data-quality report files an object under. Default its `id`; tokens
   * return undefined: a token uid identifies a driver's card.
   */
  objectId?(raw: unknown): string | undefined;
  /** The receiver's schema: a pulled object must be exactly what a push of it would have to be. */
  schema: S;
  /**
   * The Sessions SENDER table marks date_from as required (05-sessions P1): a full pull sends the
   * epoch instead of leaving it out.
   */
  dateFromRequired?: boolean;
  /** Sessions and CDRs are for the eMSP party of their cdr_token: one of ours, or not stored. */
  recipientOf?(object: z.output<S>): { country_code: string; party_id: string };
  /** An object no repair could make readable (CDRs: quarantined, never lost). */
  unreadable?(app: AppContext, caller: AuthenticatedPeer, raw: unknown, refusals: Refusal[], recipient: PartyRef): Promise<void>;
  /** Stores through the receiver service, as the peer (`caller`) for our party `recipient`. */
  store(app: AppContext, caller: AuthenticatedPeer, object: z.output<S>, recipient: PartyRef): Promise<StoreResult>;
  /**
   * After a full pull that read every page and found no invalid object: removes what the peer
   * sent before and no longer lists (tariffs). `listed`: every object it listed for our parties.
   */
  retireUnlisted?(app: AppContext, caller: AuthenticatedPeer, listed: Array<z.output<S>>, startedAt: Date): Promise<number>;
}

interface Tally {
  read: number;
  stored: number;
  ignored: number;
  invalid: number;
  foreign: number;
  notOurs: number;
  refused: number;
}

const EPOCH = '1970-01-01T00:00:00.000Z';
/** Attempts per page for a failure worth retrying (5xx, 429, network, timeout, OCPI 3xxx). */
const PAGE_ATTEMPTS = 3;

export function pullHandler<S extends z.ZodType>(spec: PullSpec<S>): PullHandler {
  const pulledBy = spec.pulledBy ?? 'EMSP';
  const owners = OWNERS[pulledBy];
  return {
    module: spec.module,
    async appliesTo(peer, app) {
      if (peer.status !== 'REGISTERED' || !senderUrl(peer, spec.module)) return false;
      // A hub is pulled once it reported an owner: before its ClientInfo arrives, every object would be skipped.
      if (!ownerParties(peer, owners).length && !(hubParties(peer).length && (await ownersBehindHub(app, peer, owners)).length)) return false;
      return (await ourParties(app, pulledBy)).length > 0;
    },
    async pull(ctx) {
      const url = senderUrl(ctx.peer, spec.module);
      if (!url) return 0;
      const tally: Tally = { read: 0, stored: 0, ignored: 0, invalid: 0, foreign: 0, notOurs: 0, refused: 0 };
      // A connection that addresses one local party of ours (OCPI 2.1.1) is read as that party only.
      const local = ctx.peer.localPartyKey;
      const ours = (await ourParties(ctx.app, pulledBy)).filter((p) => !local || `${p.countryCode}${p.partyId}`.toUpperCase() === local);
      const client = retryingClient(ctx.app);
      const caller = await asCaller(ctx.app, ctx.peer, owners);
      const startedAt = new Date();
      const listed: Array<z.output<S>> = [];
      // A full pull that may retire objects notes each one it stores (or tries to). Not through
      // a hub: its GET All may leave out a CPO it could not reach.
      const retire = !ctx.since && !hubParties(ctx.peer).length ? spec.retireUnlisted : undefined;
      const retiring = retire !== undefined;
      const crawled: PullSpec<S> = retiring ? { ...spec, store: (app, c, object, r) => (listed.push(object), spec.store(app, c, object, r)) } : spec;
      for (const from of ours) {
        for (const to of [...ownerParties(ctx.peer, owners), ...hubParties(ctx.peer)]) await crawl(crawled, ctx, client, url, from, to, ours, caller, tally);
      }
      if (retire && tally.invalid === 0) {
        const retired = await retire(ctx.app, caller, listed, startedAt);
        if (retired) ctx.app.log.info({ peer_id: ctx.peer.id, module: spec.module, retired }, 'full pull retired objects the peer no longer lists');
      }
      const skipped = tally.invalid + tally.foreign + tally.notOurs + tally.refused;
      const log = { peer_id: ctx.peer.id, module: spec.module, full: !ctx.since, ...tally };
      if (skipped) ctx.app.log.warn(log, 'pull skipped objects');
      else ctx.app.log.debug(log, 'pull stored');
      return tally.read;
    },
  };
}

async function crawl<S extends z.ZodType>(
  spec: PullSpec<S>,
  ctx: PullContext,
  client: OcpiClient,
  url: string,
  from: PartyRef,
  to: PartyRef,
  ours: PartyRef[],
  caller: AuthenticatedPeer,
  tally: Tally,
): Promise<void> {
  const { app, peer, token, since } = ctx;
  const idOf = spec.objectId ?? idOfObject;
  const dateFrom = since ? since.toISOString() : spec.dateFromRequired ? EPOCH : undefined;
  const req: OcpiRequest = { method: 'GET', url, token, encoding: peer.authEncoding, query: { date_from: dateFrom }, from, to };
  // Warnings name the list and the object's place in it, so an object without a usable id (or one
  // we withhold, a token uid) can still be found on the peer's side.
  const list = `${from.countryCode}/${from.partyId}->${to.countryCode}/${to.partyId}`;
  let position = 0;
  for await (const page of client.paginate<unknown>(req)) {
    for (const listed of page) {
      tally.read++;
      // A peer of another OCPI version lists its version's objects (delivery/translations.ts).
      const raw = await app.wireTranslations.inbound(peer, spec.module, listed, app);
      const where = { peer_id: peer.id, module: spec.module, list, position: position++ };
      // The receive profile, exactly as for a push: repaired where it may be, counted per peer.
      const parsed = receive(spec.schema, raw, { module: spec.module, recipient: from, maxFutureSkewSeconds: app.config.MAX_FUTURE_SKEW_SECONDS });
      if (parsed.repairs.length || !parsed.ok) {
        await app.dataQuality.record(peer.id, spec.module, idOf(raw), { repairs: parsed.repairs, refusals: parsed.ok ? [] : parsed.refusals });
      }
      if (!parsed.ok) {
        tally.invalid++;
        const fields = parsed.refusals.slice(0, 5).map((r) => r.message);
        app.log.warn({ ...where, object_id: idOf(raw), fields }, 'pulled object is unreadable even after repair; skipped');
        if (spec.unreadable) await spec.unreadable(app, caller, raw, parsed.refusals, from);
        continue;
      }
      const object = parsed.data as z.output<S> & { country_code: string; party_id: string; id: string };
      if (!caller.roles.some((r) => ciEquals(r.countryCode, object.country_code) && ciEquals(r.partyId, object.party_id))) {
        // Transport §8: the owner is read from the object; a peer cannot feed us another party's data.
        tally.foreign++;
        app.log.warn(
          { ...where, object_id: idOf(object), owner: `${object.country_code}/${object.party_id}` },
          'pulled object of a party the peer did not register (or its hub did not report); skipped',
        );
        continue;
      }
      let recipient = from;
      if (spec.recipientOf) {
        const named = spec.recipientOf(object);
        const match = ours.find((p) => ciEquals(p.countryCode, named.country_code) && ciEquals(p.partyId, named.party_id));
        if (!match) {
          tally.notOurs++;
          continue;
        }
        recipient = match;
      }
      try {
        tally[await spec.store(app, caller, object, recipient)]++;
      } catch (e) {
        if (!(e instanceof OcpiError)) throw e;
        // The receiver's own rules refused it (e.g. a PUT the service finds inconsistent).
        tally.refused++;
        app.log.warn({ ...where, object_id: idOf(object), err: e.message }, 'pulled object refused by the receiver rules; skipped');
      }
    }
  }
}

/**
 * The shared client with page requests retried a few times with a short backoff when the failure
 * is transient: a 503 in the middle of a long crawl should not throw away the pages already
 * read. Pagination (Link, shrinking sets, self-pointing links) stays the client's.
 */
export function retryingClient(app: AppContext): OcpiClient {
  const client = Object.create(app.client) as OcpiClient;
  const settings = { baseMs: app.config.DELIVERY_BACKOFF_BASE_MS, maxMs: Math.min(app.config.DELIVERY_BACKOFF_MAX_MS, 30_000) };
  client.request = async <T>(req: OcpiRequest) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await app.client.request<T>(req);
      } catch (e) {
        const verdict = judgeFailure(e);
        if (!verdict.retry || attempt >= PAGE_ATTEMPTS) throw e;
        const delay = nextDelayMs(attempt, settings, verdict.retryAfterMs === undefined ? undefined : Math.min(verdict.retryAfterMs, 60_000));
        app.log.info({ module: 'pull', err: verdict.reason, retry_in_ms: delay }, 'page request failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  };
  return client;
}

/**
 * The peer as the receiver services see a caller: the parties it registered decide ownership. A
 * hub's own party owns no pulled object; it speaks for the owners its ClientInfo reported.
 */
async function asCaller(app: AppContext, peer: PeerRecord, owners: 'CPO' | 'EMSP'): Promise<AuthenticatedPeer> {
  const own = peer.roles.filter((r) => r.role !== 'HUB').map((r) => ({ role: r.role, countryCode: r.countryCode, partyId: r.partyId }));
  const behind = hubParties(peer).length ? (await ownersBehindHub(app, peer, owners)).map((p) => ({ role: owners, ...p })) : [];
  return { peerId: peer.id, status: peer.status, credentialKind: 'C', credentialHash: '', roles: [...own, ...behind] };
}

/** The parties of role `owners` a hub connection reported behind it (ClientInfo), other than SUSPENDED ones. */
async function ownersBehindHub(app: AppContext, peer: PeerRecord, owners: 'CPO' | 'EMSP'): Promise<PartyRef[]> {
  // Cached briefly and invalidated by our hubclientinfo RECEIVER: appliesTo runs at every sweep.
  const behind = await app.services.remoteParties.behind(peer.id);
  return behind.filter((r) => r.role === owners).map((r) => ({ countryCode: r.countryCode, partyId: r.partyId }));
}

/** The hub parties of a peer: the `to` of a GET All via Hub. */
function hubParties(peer: PeerRecord): PartyRef[] {
  return peer.roles.filter((r) => r.role === 'HUB').map((r) => ({ countryCode: r.countryCode, partyId: r.partyId }));
}

function senderUrl(peer: PeerRecord, module: string): string | undefined {
  return peer.endpoints.find((e) => e.identifier === module && e.role === 'SENDER')?.url;
}

function ownerParties(peer: PeerRecord, owners: 'CPO' | 'EMSP'): PartyRef[] {
  return peer.roles.filter((r) => r.role === owners).map((r) => ({ countryCode: r.countryCode, partyId: r.partyId }));
}

async function ourParties(app: AppContext, role: PullingRole): Promise<PartyRef[]> {
  return (await app.parties.listCached()).filter((p) => p.roles.includes(role)).map((p) => ({ countryCode: p.countryCode, partyId: p.partyId }));
}

function idOfObject(raw: unknown): string | undefined {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id.slice(0, 64) : undefined;
}
