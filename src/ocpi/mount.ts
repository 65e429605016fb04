/**
 * Turns the registry's module interfaces into Express routers: authentication, the Token A
 * rule, per-peer rate limiting, routing headers, validation, the envelope and 405s are applied
 * here, identically for every module. Transport knows no hub: the hub plugs in through
 * `TransportHooks` (its router runs first, its ClientInfo widens a caller's parties).
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { AppContext } from '../context.js';
import { UNAVAILABLE_RETRY_AFTER_SECONDS, isServiceUnavailable } from '../platform/unavailable.js';
import { noteFailedAuthentication } from './auth-failures.js';
import { OcpiError, fromZod, methodNotAllowed, unauthorized } from './errors.js';
import { type Refusal, type Repair, receive } from './receive-profile.js';
import { bindRequestLog, echoRoutingHeaders, parseRoutingHeader } from './headers.js';
import { writePageHeaders } from './pagination.js';
import { type ModuleInterface, ownerRoles, servedRoles } from './registry-types.js';
import { type AuthenticatedPeer, type PartyRef, type RoutingHeaders, callerOf } from './context.js';
import type { RouteDef, RouteResult, RoutingHint } from './route.js';
import { OcpiStatus, envelope } from './status.js';
import { ciEquals } from '../model/primitives.js';

export interface TransportHooks {
  /** Offered every request before the interfaces (the hub's URLs); one may rewrite the URL and continue. */
  before?: RequestHandler[];
  /**
   * The parties an authenticated caller speaks for besides those it registered. `named`: the
   * party a client-owned URL names (`/{country_code}/{party_id}/...`) and the role such a sender
   * plays towards this interface, for a hook that learns parties from what a relay sends.
   */
  peerParties?: (app: AppContext, peer: AuthenticatedPeer, named?: NamedSender) => Promise<AuthenticatedPeer>;
  /** Whether an OCPI-to-* we do not know is answered as a hub answers it (2003 unknown receiver). */
  answersAsHub?: (app: AppContext) => Promise<boolean>;
}

/** The sender a request's client-owned URL names, in the role it plays towards the interface. */
export interface NamedSender {
  party: PartyRef;
  role: string;
}

export function mountInterfaces(app: AppContext, interfaces: ModuleInterface[], hooks: TransportHooks = {}): Router {
  const ocpi = express.Router();
  for (const handler of hooks.before ?? []) ocpi.use(handler);
  // One router per interface holding its routes under their full paths. A request enters only
  // the routers of the interfaces its path belongs to, in registry order: neither is every
  // interface's router offered each request, nor is one router of all routes scanned.
  const mounted = interfaces.map((iface) => ({ accepts: acceptsPath(iface), router: interfaceRouter(app, iface, hooks, interfaces) }));
  ocpi.use((req: Request, res: Response, next: NextFunction) => {
    const path = req.path.toLowerCase();
    let i = 0;
    const nextInterface = (err?: unknown) => {
      if (err) return next(err);
      while (i < mounted.length) {
        const m = mounted[i++];
        if (m.accepts(path)) return m.router(req, res, nextInterface);
      }
      next();
    };
    nextInterface();
  });
  return ocpi;
}

/**
 * Whether a (lower-cased) path may belong to an interface, as Express matches a mount path: the
 * base path itself or below it, in any case. An interface at the root (versions) has fixed
 * paths, matched exactly (optional trailing slash).
 */
function acceptsPath(iface: ModuleInterface): (path: string) => boolean {
  const base = iface.basePath.toLowerCase();
  if (base !== '') return (path) => path === base || (path.startsWith(base) && path[base.length] === '/');
  if (iface.routes.some((r) => r.path.includes(':') || r.path.includes('*'))) return () => true;
  const paths = new Set(iface.routes.map((r) => r.path.toLowerCase()));
  return (path) => paths.has(path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);
}

function interfaceRouter(app: AppContext, iface: ModuleInterface, hooks: TransportHooks, all: readonly ModuleInterface[]): Router {
  const router = express.Router();
  const roles = servedRoles(iface, all);
  // Guards run per route, not per router: a request that matches no route of this interface
  // falls through untouched to the next one.
  const guards = (route: RouteDef) => [
    authenticate(app, iface, hooks),
    ...(iface.routed ? [resolveRouting(app, { served: roles, own: ownerRoles(iface) }, { ...iface.routing, ...route.routing }, hooks)] : []),
  ];
  const fullPath = (path: string) => (path === '/' && iface.basePath ? iface.basePath : `${iface.basePath}${path}`);
  const methodsByPath = new Map<string, string[]>();
  for (const route of iface.routes) {
    router[route.method](fullPath(route.path), ...guards(route), handle(app, iface, route));
    methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method.toUpperCase()]);
  }
  for (const [path, methods] of methodsByPath) {
    router.all(fullPath(path), authenticate(app, iface, hooks), (req: Request, res: Response) => {
      res.setHeader('Allow', methods.join(', '));
      throw methodNotAllowed(`${req.method} is not supported here; allowed: ${methods.join(', ')}`);
    });
  }
  return router;
}

export function authenticate(app: AppContext, iface: ModuleInterface, hooks: Pick<TransportHooks, 'peerParties'> = {}) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const peer = await app.peers.authenticate(req.get('authorization'));
    if (!peer) throw refuseUnauthenticated(app, req, res);
    if (peer.credentialKind === 'A' && !iface.acceptsTokenA) throw unauthorized('CREDENTIALS_TOKEN_A is only valid on versions and credentials');
    if (peer.status === 'SUSPENDED' && iface.routed) {
      throw new OcpiError(OcpiStatus.CLIENT_ERROR, 'This connection is suspended by the platform operator', 403);
    }
    const wait = app.rateLimiter.take(peer.peerId);
    if (wait > 0) {
      throw new OcpiError(OcpiStatus.CLIENT_ERROR, 'Too many requests from this peer', 429, undefined, { 'Retry-After': String(Math.ceil(wait / 1000)) });
    }
    // E.g. a hub peer also speaks for the parties its ClientInfo reported behind it.
    req.ocpi.peer = hooks.peerParties ? await hooks.peerParties(app, peer, namedSender(iface, req)) : peer;
    bindRequestLog(req.ocpi, { peer_id: peer.peerId });
    next();
  };
}

/** The owner a client-owned RECEIVER URL names; the sender of such a push plays the role opposite the interface's owner. */
function namedSender(iface: ModuleInterface, req: Request): NamedSender | undefined {
  if (!iface.routing?.senderInPath || iface.role !== 'RECEIVER') return undefined;
  const party = partyOf(req.params);
  if (!party) return undefined;
  return { party, role: iface.owner === 'CPO' ? 'EMSP' : 'CPO' };
}

/** 401, or 429 past the address's budget of failures; summarised in the log, not one line each. */
function refuseUnauthenticated(app: AppContext, req: Request, res: Response): OcpiError {
  const wait = noteFailedAuthentication(app, req, res);
  if (wait <= 0) return unauthorized();
  return new OcpiError(OcpiStatus.CLIENT_ERROR, 'Too many failed authentications from this address', 429, undefined, { 'Retry-After': String(Math.ceil(wait / 1000)) });
}

/**
 * Fills in and checks the routing headers of a functional module: the sender must be one of
 * the caller's registered parties, the receiver one of our local parties with the role that
 * owns this interface. A header that is absent is no reason to refuse a request (digest §12
 * #3): the party is inferred from the only candidate, else from what the route's hint says
 * names it (URL, body, the stored record a callback URL identifies). Only when nothing does:
 * HTTP 200 with 2001 naming the headers. `req.ocpi.routing` holds a side only once it is
 * established, so that no answer, error answers included, names a party that is not a
 * checked sender or one of ours.
 */
function resolveRouting(app: AppContext, roles: { served: readonly string[]; own: readonly string[] }, hint: RoutingHint, hooks: TransportHooks) {
  const localRoles = roles.served;
  const localRole = localRoles.length ? localRoles.join('/') : undefined;
  return async (req: Request, _res: Response, next: NextFunction) => {
    // A malformed pair is answered (2001) once the other side is established, so that the
    // answer still carries what can be named.
    let malformed: unknown;
    const read = (side: 'from' | 'to') => {
      try {
        return parseRoutingHeader(req, side);
      } catch (err) {
        malformed ??= err;
        return undefined;
      }
    };
    const parsed = { from: read('from'), to: read('to') };
    const routing: RoutingHeaders = {};
    req.ocpi.routing = routing;
    const peer = callerOf(req);
    const senders = uniqueParties(peer.roles);
    const parties = await app.parties.listCached();
    const receivers = uniqueParties(parties.filter((p) => !localRoles.length || p.roles.some((r) => localRoles.includes(r))));
    if (parsed.from) {
      const from = parsed.from;
      if (!findParty(senders, from))
        throw new OcpiError(OcpiStatus.CLIENT_ERROR, `OCPI-from-country-code/OCPI-from-party-id ${from.countryCode}/${from.partyId} is not a party registered by this peer`, 403);
      routing.from = from;
    }
    routing.from ??=
      only(senders) ?? (hint.senderInPath ? findParty(senders, partyOf(req.params)) : undefined) ?? (hint.senderInBody ? findParty(senders, partyOf(req.body)) : undefined);
    if (parsed.to) {
      const target = parsed.to;
      const match = findParty(receivers, target);
      if (!match && (await hooks.answersAsHub?.(app))) throw new OcpiError(OcpiStatus.UNKNOWN_RECEIVER, `${target.countryCode}/${target.partyId} is not known to the hub`);
      if (!match)
        throw new OcpiError(
          OcpiStatus.CLIENT_ERROR,
          `OCPI-to-country-code/OCPI-to-party-id ${target.countryCode}/${target.partyId} is not a ${localRole ?? ''} party on this platform`.replace('  ', ' '),
          404,
        );
      routing.to = match;
    }
    // Unnamed, the receiver is inferred among the parties this interface exists for; those it
    // answers for beside another interface of the module (servedRoles) must be named.
    const ownReceivers = roles.own.length
      ? receivers.filter((r) => parties.some((p) => p.roles.some((role) => roles.own.includes(role)) && ciEquals(p.countryCode, r.countryCode) && ciEquals(p.partyId, r.partyId)))
      : receivers;
    // A connection that addresses one local party (its credentials named one: OCPI 2.1.1) needs no header.
    routing.to ??= findParty(ownReceivers, peer.localParty) ?? only(ownReceivers) ?? (hint.receiverInBody ? findParty(receivers, hint.receiverInBody(req.body)) : undefined);
    if (malformed) throw malformed;
    if ((!routing.from || !routing.to) && hint.lookup) {
      const found = await hint.lookup({ app, params: req.params as Record<string, string>, body: req.body, peer, receivers, to: routing.to });
      routing.from ??= findParty(senders, found?.from);
      routing.to ??= findParty(receivers, found?.to);
    }
    if (!routing.from || !routing.to) throw missingRouting(routing);
    next();
  };
}

/** HTTP 200 (an authenticated, well-formed request to an existing path) with 2001 naming the headers. */
function missingRouting(routing: RoutingHeaders): OcpiError {
  const missing = [
    ...(routing.from ? [] : ['OCPI-from-country-code/OCPI-from-party-id (this peer registered several parties and the request names none of them)']),
    ...(routing.to ? [] : ['OCPI-to-country-code/OCPI-to-party-id (this platform hosts several parties for this module and the request names none of them)']),
  ];
  return new OcpiError(OcpiStatus.INVALID_PARAMETERS, `Routing headers required: ${missing.join('; ')}`);
}

function uniqueParties(roles: Array<{ countryCode: string; partyId: string }>): PartyRef[] {
  const seen = new Map<string, PartyRef>();
  for (const r of roles) seen.set(`${r.countryCode}/${r.partyId}`.toUpperCase(), { countryCode: r.countryCode, partyId: r.partyId });
  return [...seen.values()];
}

function only(parties: PartyRef[]): PartyRef | undefined {
  return parties.length === 1 ? parties[0] : undefined;
}

/** The candidate `ref` names (case-insensitively), in the candidate's own spelling. */
function findParty(parties: PartyRef[], ref: PartyRef | undefined): PartyRef | undefined {
  if (!ref) return undefined;
  return parties.find((p) => ciEquals(p.countryCode, ref.countryCode) && ciEquals(p.partyId, ref.partyId));
}

/** `country_code`/`party_id` of a path or an unvalidated body, when both are strings. */
function partyOf(value: unknown): PartyRef | undefined {
  const v = value as { country_code?: unknown; party_id?: unknown } | null | undefined;
  if (typeof v?.country_code !== 'string' || typeof v.party_id !== 'string') return undefined;
  return { countryCode: v.country_code, partyId: v.party_id };
}

function handle(app: AppContext, iface: ModuleInterface, route: RouteDef) {
  return async (req: Request, res: Response) => {
    const params = parseWith(route.params, req.params, 'path');
    const query = parseWith(route.query, req.query, 'query');
    const read: BodyRead = route.body ? await readBody(app, iface, route.body, route, req) : { body: undefined, repairs: [] };
    const result =
      'unreadable' in read
        ? await read.serveUnreadable({ req, res, app, raw: req.body, refusals: read.unreadable })
        : await serve(app, iface, route, { req, res, params, query, body: read.body, app });
    if (read.repairs.length && result.message === undefined && (result.statusCode ?? OcpiStatus.SUCCESS) === OcpiStatus.SUCCESS) result.message = repairedMessage(read.repairs);
    echoRoutingHeaders(res, req.ocpi.routing);
    for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
    if (result.page) writePageHeaders(req, res, result.page.request, result.returned ?? (Array.isArray(result.data) ? result.data.length : 0), result.page.total, app.pagination);
    if (result.rawData !== undefined) {
      // Stored JSON goes out as it is: no parse, no re-serialisation of the documents. The parts
      // are copied once into one body: a res.write() per document costs far more than its bytes.
      const tail = `,${JSON.stringify(envelope(result.statusCode ?? OcpiStatus.SUCCESS, undefined, result.message)).slice(1)}`;
      const data = Array.isArray(result.rawData) ? result.rawData : [result.rawData];
      let length = DATA_OPEN.length + Buffer.byteLength(tail);
      for (const part of data) length += typeof part === 'string' ? Buffer.byteLength(part) : part.length;
      const buffer = takeBody(length);
      const body = buffer.length === length ? buffer : buffer.subarray(0, length);
      let at = DATA_OPEN.copy(body, 0);
      for (const part of data) at += typeof part === 'string' ? body.write(part, at) : part.copy(body, at);
      body.write(tail, at);
      res.status(result.httpStatus ?? 200);
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.setHeader('Content-Length', String(length));
      if (buffer.length >= POOLED_BODY) res.once('finish', () => returnBody(buffer));
      res.end(body);
      return;
    }
    res.status(result.httpStatus ?? 200).json(envelope(result.statusCode ?? OcpiStatus.SUCCESS, result.data, result.message));
  };
}

const DATA_OPEN = Buffer.from('{"data":');

/**
 * Bodies of large raw-data answers (a page of locations is ~200 KB) are reused: allocating that
 * much per request costs twice the copy into it (fresh memory is faulted in page by page). A
 * buffer comes back once its response has finished, i.e. every byte was handed to the kernel; a
 * response cut short never returns its buffer (the garbage collector takes it).
 */
const POOLED_BODY = 32 * 1024;
const POOL_BYTES = 16 * 1024 * 1024;
const bodyPool: Buffer[] = [];
let pooledBytes = 0;

function takeBody(length: number): Buffer {
  if (length < POOLED_BODY) return Buffer.allocUnsafe(length);
  for (let i = bodyPool.length - 1; i >= 0; i--) {
    if (bodyPool[i].length >= length) {
      const [buffer] = bodyPool.splice(i, 1);
      pooledBytes -= buffer.length;
      return buffer;
    }
  }
  // Rounded up, so that pages of about the same size share buffers.
  return Buffer.allocUnsafeSlow(Math.ceil(length / POOLED_BODY) * POOLED_BODY);
}

function returnBody(buffer: Buffer): void {
  if (pooledBytes + buffer.length > POOL_BYTES) return;
  bodyPool.push(buffer);
  pooledBytes += buffer.length;
}

/**
 * Runs the handler; a 2001 its rules give a received object (ids against the URL, ownership) is
 * counted in the peer's data-quality report like the profile's own refusals.
 */
async function serve(app: AppContext, iface: ModuleInterface, route: RouteDef, input: Parameters<RouteDef['handler']>[0]): Promise<RouteResult> {
  try {
    return await route.handler(input);
  } catch (e) {
    const peerId = input.req.ocpi.peer?.peerId;
    if (route.body && peerId && e instanceof OcpiError && e.statusCode === OcpiStatus.INVALID_PARAMETERS) {
      await app.dataQuality.record(peerId, iface.identifier, objectIdOf(input.req), { refusals: [{ path: '(object)', rule: 'receiver_rule', message: e.message }] });
    }
    throw e;
  }
}

type BodyRead = { body: unknown; repairs: Repair[] } | { unreadable: Refusal[]; repairs: Repair[]; serveUnreadable: NonNullable<RouteDef['unreadableBody']> };

/**
 * A peer's body goes through the receive profile (src/ocpi/receive-profile.ts): repaired where
 * the profile allows, counted in the peer's data-quality report, refused with 2001 only for what
 * no repair can make readable, or handed to the route's `unreadableBody` (CDRs are never lost).
 */
async function readBody(app: AppContext, iface: ModuleInterface, schema: NonNullable<RouteDef['body']>, route: RouteDef, req: Request): Promise<BodyRead> {
  const received = receive(schema, req.body ?? undefined, {
    module: iface.identifier,
    recipient: req.ocpi.routing?.to,
    drops: route.receives !== 'requests',
    maxFutureSkewSeconds: app.config.MAX_FUTURE_SKEW_SECONDS,
  });
  const peerId = req.ocpi.peer?.peerId;
  if (received.ok && received.repairs.length === 0) return { body: received.data, repairs: [] };
  const objectId = objectIdOf(req);
  if (received.ok) {
    if (peerId) await app.dataQuality.record(peerId, iface.identifier, objectId, { repairs: received.repairs });
    req.ocpi.log.info({ module: iface.identifier, object_id: objectId, repairs: received.repairs.map((r) => `${r.path}: ${r.rule}`) }, 'received object repaired');
    return { body: received.data, repairs: received.repairs };
  }
  if (peerId) await app.dataQuality.record(peerId, iface.identifier, objectId, { repairs: received.repairs, refusals: received.refusals });
  if (route.unreadableBody) return { unreadable: received.refusals, repairs: received.repairs, serveUnreadable: route.unreadableBody };
  throw fromZod(received.error, '');
}

/** The id a data-quality example is filed under: the object the URL or the body names. */
function objectIdOf(req: Request): string | undefined {
  const p = req.params as Record<string, string | undefined>;
  const body = req.body as { id?: unknown; uid?: unknown } | undefined;
  const fromBody = typeof body?.id === 'string' ? body.id : typeof body?.uid === 'string' ? body.uid : undefined;
  return p.location_id ?? p.session_id ?? p.tariff_id ?? p.token_uid ?? p.uid ?? p.id ?? fromBody;
}

/** Tells the sender what we repaired, in the status_message of a success (the fields, never values). */
function repairedMessage(repairs: Repair[]): string {
  const fields = [...new Set(repairs.map((r) => `${r.path} (${r.rule})`))];
  return `Accepted with repairs: ${fields.slice(0, 10).join(', ')}${fields.length > 10 ? ', ...' : ''}`;
}

function parseWith(schema: RouteDef['params'], value: unknown, where: string) {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!parsed.success) throw fromZod(parsed.error, where === 'body' ? '' : where);
  return parsed.data;
}

/** Errors inside /ocpi always leave as an OCPI envelope, whatever their origin. */
export function ocpiErrorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const e = err as { type?: string; status?: number } & Error;
  let error: OcpiError;
  if (err instanceof OcpiError) error = err;
  else if (e?.type === 'entity.parse.failed') error = new OcpiError(OcpiStatus.CLIENT_ERROR, 'Request body is not valid JSON', 400);
  else if (e?.type === 'entity.too.large') error = new OcpiError(OcpiStatus.CLIENT_ERROR, 'Request body is too large', 413);
  else if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') error = new OcpiError(OcpiStatus.CLIENT_ERROR, 'Unsupported body encoding', 415);
  else if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) error = new OcpiError(OcpiStatus.CLIENT_ERROR, e.message || 'Bad request', e.status);
  else if (isServiceUnavailable(err)) {
    // Storage unreachable for a moment: a retryable answer, not a 500 (docs/reliability.md).
    req.ocpi?.log.warn({ err: e?.message }, 'storage unavailable during OCPI request');
    error = new OcpiError(OcpiStatus.SERVER_ERROR, 'Service temporarily unavailable, please retry later', 503, undefined, {
      'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS),
    });
  } else {
    req.ocpi?.log.error({ err }, 'unhandled error in OCPI request');
    error = new OcpiError(OcpiStatus.SERVER_ERROR, 'Internal server error', 500);
  }
  if (res.headersSent) return;
  echoRoutingHeaders(res, req.ocpi?.routing);
  for (const [k, v] of Object.entries(error.headers)) res.setHeader(k, v);
  if (error.statusCode >= 2000 && error.statusCode < 3000 && !res.locals.unlogged)
    req.ocpi?.log.info({ status_code: error.statusCode, http_status: error.httpStatus }, error.message);
  res.status(error.httpStatus).json(envelope(error.statusCode, error.data, error.message));
}

/** Unknown paths under /ocpi. */
export function ocpiNotFound(req: Request): never {
  throw new OcpiError(OcpiStatus.CLIENT_ERROR, `No OCPI endpoint at ${req.method} ${req.baseUrl}${req.path}`, 404);
}
