/**
 * Pulling a CPO peer's SENDER list into the RECEIVER stores of our eMSP parties (02-locations,
 * 03-tariffs, 05-sessions, 06-cdrs: pull is the first sync and the catch-up path). Every object
 * goes through the same receiver service as a push, so pull and push converge on the newest
 * `last_updated` whichever arrives first. One bad object never stops a page: it is skipped with
 * a warning that names its id and the offending fields.
 *
 * Routing (transport §9): every request carries OCPI-from = one of our eMSP parties and OCPI-to =
 * one CPO party of the peer, so a list is read once per (our eMSP party, their CPO party). A CPO
 * may scope sessions, CDRs and even tariffs to the requesting eMSP, so each of our parties reads
 * its own view; for the usual one-to-one connection that is a single crawl.
 *
 * A hub connection is pulled too (transport §9.4, GET All via Hub): OCPI-to = the hub's party,
 * and the hub merges the lists of every CPO behind it. An object is stored only when its owner
 * (its own country_code/party_id) is a party the hub reported as CPO in its ClientInfo; the hub
 * itself owns no locations, tariffs, sessions or CDRs (docs/interop.md, Hub).
 */
import type { z } from 'zod';
import type { AppContext } from '../../../app-context.js';
import type { PullContext, PullHandler } from '../../../delivery/pulls.js';
import { judgeFailure, nextDelayMs } from '../../../delivery/retry-policy.js';
import { remoteParties } from '../../../hub/remote-parties.js';
import type { AuthenticatedPeer, PartyRef } from '../../../ocpi/context.js';
import type { OcpiClient, OcpiRequest } from '../../../ocpi/client.js';
import { OcpiError } from '../../../ocpi/errors.js';
import { type Refusal, receive } from '../../../ocpi/receive-profile.js';
import { ciEquals } from '../../../ocpi/types.js';
import type { PeerRecord } from '../../../platform/peers/peer-store.js';

export type PullModule = 'locations' | 'tariffs' | 'sessions' | 'cdrs';

/** What storing one pulled object did. */
export type StoreResult = 'stored' | 'ignored';

export interface PullSpec<S extends z.ZodType> {
  module: PullModule;
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
  return {
    module: spec.module,
    async appliesTo(peer, app) {
      if (peer.status !== 'REGISTERED' || !senderUrl(peer, spec.module)) return false;
      // A hub is pulled once it reported a CPO: before its ClientInfo arrives, every object would be skipped.
      if (!cpoParties(peer).length && !(hubParties(peer).length && (await cpoBehindHub(app, peer)).length)) return false;
      return (await emspParties(app)).length > 0;
    },
    async pull(ctx) {
      const url = senderUrl(ctx.peer, spec.module);
      if (!url) return 0;
      const tally: Tally = { read: 0, stored: 0, ignored: 0, invalid: 0, foreign: 0, notOurs: 0, refused: 0 };
      const ours = await emspParties(ctx.app);
      const client = retryingClient(ctx.app);
      const caller = await asCaller(ctx.app, ctx.peer);
      const startedAt = new Date();
      const listed: Array<z.output<S>> = [];
      // A full pull that may retire objects notes each one it stores (or tries to). Not through
      // a hub: its GET All may leave out a CPO it could not reach.
      const retiring = !ctx.since && !hubParties(ctx.peer).length && spec.retireUnlisted;
      const crawled: PullSpec<S> = retiring ? { ...spec, store: (app, c, object, r) => (listed.push(object), spec.store(app, c, object, r)) } : spec;
      for (const from of ours) {
        for (const to of [...cpoParties(ctx.peer), ...hubParties(ctx.peer)]) await crawl(crawled, ctx, client, url, from, to, ours, caller, tally);
      }
      if (retiring && tally.invalid === 0) {
        const retired = await spec.retireUnlisted!(ctx.app, caller, listed, startedAt);
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

async function crawl<S extends z.ZodType>(spec: PullSpec<S>, ctx: PullContext, client: OcpiClient, url: string, from: PartyRef, to: PartyRef, ours: PartyRef[], caller: AuthenticatedPeer, tally: Tally): Promise<void> {
  const { app, peer, token, since } = ctx;
  const dateFrom = since ? since.toISOString() : spec.dateFromRequired ? EPOCH : undefined;
  const req: OcpiRequest = { method: 'GET', url, token, encoding: peer.authEncoding, query: { date_from: dateFrom }, from, to };
  for await (const page of client.paginate<unknown>(req)) {
    for (const raw of page) {
      tally.read++;
      // The receive profile, exactly as for a push: repaired where it may be, counted per peer.
      const parsed = receive(spec.schema, raw, { module: spec.module, recipient: from, maxFutureSkewSeconds: app.config.MAX_FUTURE_SKEW_SECONDS });
      if (parsed.repairs.length || !parsed.ok) {
        await app.dataQuality.record(peer.id, spec.module, idOf(raw), { repairs: parsed.repairs, refusals: parsed.ok ? [] : parsed.refusals });
      }
      if (!parsed.ok) {
        tally.invalid++;
        const fields = parsed.refusals.slice(0, 5).map((r) => r.message);
        app.log.warn({ peer_id: peer.id, module: spec.module, object_id: idOf(raw), fields }, 'pulled object is unreadable even after repair; skipped');
        if (spec.unreadable) await spec.unreadable(app, caller, raw, parsed.refusals, from);
        continue;
      }
      const object = parsed.data as z.output<S> & { country_code: string; party_id: string; id: string };
      if (!caller.roles.some((r) => ciEquals(r.countryCode, object.country_code) && ciEquals(r.partyId, object.party_id))) {
        // Transport §8: the owner is read from the object; a peer cannot feed us another party's data.
        tally.foreign++;
        app.log.warn({ peer_id: peer.id, module: spec.module, object_id: object.id, owner: `${object.country_code}/${object.party_id}` }, 'pulled object of a party the peer did not register (or its hub did not report as CPO); skipped');
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
        app.log.warn({ peer_id: peer.id, module: spec.module, object_id: object.id, err: e.message }, 'pulled object refused by the receiver rules; skipped');
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
 * hub's own party owns no pulled object; it speaks for the CPOs its ClientInfo reported.
 */
async function asCaller(app: AppContext, peer: PeerRecord): Promise<AuthenticatedPeer> {
  const own = peer.roles.filter((r) => r.role !== 'HUB').map((r) => ({ role: r.role, countryCode: r.countryCode, partyId: r.partyId }));
  const behind = hubParties(peer).length ? (await cpoBehindHub(app, peer)).map((p) => ({ role: 'CPO', ...p })) : [];
  return { peerId: peer.id, status: peer.status, credentialKind: 'C', credentialHash: '', roles: [...own, ...behind] };
}

/** The CPO parties a hub connection reported behind it (ClientInfo), other than SUSPENDED ones. */
async function cpoBehindHub(app: AppContext, peer: PeerRecord): Promise<PartyRef[]> {
  // Cached briefly and invalidated by our hubclientinfo RECEIVER: appliesTo runs at every sweep.
  const behind = await remoteParties(app).behind(peer.id);
  return behind.filter((r) => r.role === 'CPO').map((r) => ({ countryCode: r.countryCode, partyId: r.partyId }));
}

/** The hub parties of a peer: the `to` of a GET All via Hub. */
function hubParties(peer: PeerRecord): PartyRef[] {
  return peer.roles.filter((r) => r.role === 'HUB').map((r) => ({ countryCode: r.countryCode, partyId: r.partyId }));
}

function senderUrl(peer: PeerRecord, module: string): string | undefined {
  return peer.endpoints.find((e) => e.identifier === module && e.role === 'SENDER')?.url;
}

function cpoParties(peer: PeerRecord): PartyRef[] {
  return peer.roles.filter((r) => r.role === 'CPO').map((r) => ({ countryCode: r.countryCode, partyId: r.partyId }));
}

async function emspParties(app: AppContext): Promise<PartyRef[]> {
  return (await app.parties.listCached()).filter((p) => p.roles.includes('EMSP')).map((p) => ({ countryCode: p.countryCode, partyId: p.partyId }));
}

function idOf(raw: unknown): string | undefined {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id.slice(0, 64) : undefined;
}
