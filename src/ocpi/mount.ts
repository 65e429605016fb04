/**
 * Turns the registry's module interfaces into Express routers: authentication, the Token A
 * rule, per-peer rate limiting, routing headers, validation, the envelope and 405s are applied
 * here, identically for every module.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AppContext } from '../app-context.js';
import { hubRouter } from '../hub/router.js';
import { hubState } from '../hub/state.js';
import { withHubParties } from '../hub/remote-parties.js';
import { UNAVAILABLE_RETRY_AFTER_SECONDS, isServiceUnavailable } from '../platform/unavailable.js';
import { OcpiError, fromZod, methodNotAllowed, unauthorized } from './errors.js';
import { bindRequestLog, echoRoutingHeaders, parseRoutingHeaders } from './headers.js';
import { writePageHeaders } from './pagination.js';
import type { ModuleInterface } from './registry-types.js';
import type { RouteDef } from './route.js';
import { OcpiStatus, envelope } from './status.js';
import { ciEquals } from './types.js';

export function mountInterfaces(app: AppContext, interfaces: ModuleInterface[]): Router {
  const ocpi = express.Router();
  // Hub URLs first: a request the hub serves locally continues below with a rewritten URL.
  ocpi.use(hubRouter(app));
  // One router per interface holding its routes under their full paths. A request enters only
  // the routers of the interfaces its path belongs to, in registry order: neither is every
  // interface's router offered each request, nor is one router of all routes scanned.
  const mounted = interfaces.map((iface) => ({ accepts: acceptsPath(iface), router: interfaceRouter(app, iface) }));
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

function interfaceRouter(app: AppContext, iface: ModuleInterface): Router {
  const router = express.Router();
  // Guards run per route, not per router: a request that matches no route of this interface
  // falls through untouched to the next one.
  const guards = [authenticate(app, iface), ...(iface.routed ? [resolveRouting(app, iface)] : [])];
  const fullPath = (path: string) => (path === '/' && iface.basePath ? iface.basePath : `${iface.basePath}${path}`);
  const methodsByPath = new Map<string, string[]>();
  for (const route of iface.routes) {
    router[route.method](fullPath(route.path), ...guards, handle(app, route));
    methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method.toUpperCase()]);
  }
  for (const [path, methods] of methodsByPath) {
    router.all(fullPath(path), authenticate(app, iface), (req: Request, res: Response) => {
      res.setHeader('Allow', methods.join(', '));
      throw methodNotAllowed(`${req.method} is not supported here; allowed: ${methods.join(', ')}`);
    });
  }
  return router;
}

export function authenticate(app: AppContext, iface: ModuleInterface) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const peer = await app.peers.authenticate(req.get('authorization'));
    if (!peer) throw unauthorized();
    if (peer.credentialKind === 'A' && !iface.acceptsTokenA) throw unauthorized('CREDENTIALS_TOKEN_A is only valid on versions and credentials');
    if (peer.status === 'SUSPENDED' && iface.routed) {
      throw new OcpiError(OcpiStatus.CLIENT_ERROR, 'This connection is suspended by the platform operator', 403);
    }
    const wait = app.rateLimiter.take(peer.peerId);
    if (wait > 0) {
      throw new OcpiError(OcpiStatus.CLIENT_ERROR, 'Too many requests from this peer', 429, undefined, { 'Retry-After': String(Math.ceil(wait / 1000)) });
    }
    // A hub peer also speaks for the parties its ClientInfo reported behind it.
    req.ocpi.peer = await withHubParties(app, peer);
    bindRequestLog(req.ocpi, { peer_id: peer.peerId });
    next();
  };
}

/**
 * Fills in and checks the routing headers of a functional module: the sender must be one of
 * the caller's registered parties, the receiver one of our local parties with the role that
 * owns this interface. Absent headers fall back to the only candidate (digest §12 #3).
 */
function resolveRouting(app: AppContext, iface: ModuleInterface) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const parsed = parseRoutingHeaders(req);
    req.ocpi.routing = parsed;
    const peer = req.ocpi.peer!;
    let from = parsed.from;
    if (from) {
      if (!peer.roles.some((r) => ciEquals(r.countryCode, from!.countryCode) && ciEquals(r.partyId, from!.partyId))) {
        throw new OcpiError(OcpiStatus.CLIENT_ERROR, `OCPI-from-country-code/OCPI-from-party-id ${from.countryCode}/${from.partyId} is not a party registered by this peer`, 403);
      }
    } else {
      const distinct = uniqueParties(peer.roles);
      if (distinct.length !== 1) throw new OcpiError(OcpiStatus.INVALID_PARAMETERS, 'OCPI-from-country-code and OCPI-from-party-id are required: this peer registered several parties', 400);
      from = distinct[0];
    }
    const localRole = iface.owner === 'CPO' || iface.owner === 'EMSP' ? iface.owner : undefined;
    let to = parsed.to;
    const locals = await app.parties.listCached();
    const candidates = locals.filter((p) => !localRole || p.roles.includes(localRole));
    if (to) {
      const target = to;
      const match = candidates.find((p) => ciEquals(p.countryCode, target.countryCode) && ciEquals(p.partyId, target.partyId));
      if (!match && (await hubState(app).hubParty())) throw new OcpiError(OcpiStatus.UNKNOWN_RECEIVER, `${target.countryCode}/${target.partyId} is not known to the hub`);
      if (!match) throw new OcpiError(OcpiStatus.CLIENT_ERROR, `OCPI-to-country-code/OCPI-to-party-id ${target.countryCode}/${target.partyId} is not a ${localRole ?? ''} party on this platform`.replace('  ', ' '), 404);
      to = { countryCode: match.countryCode, partyId: match.partyId };
    } else {
      if (candidates.length !== 1) throw new OcpiError(OcpiStatus.INVALID_PARAMETERS, 'OCPI-to-country-code and OCPI-to-party-id are required: this platform hosts several parties for this module', 400);
      to = { countryCode: candidates[0].countryCode, partyId: candidates[0].partyId };
    }
    req.ocpi.routing = { from, to };
    next();
  };
}

function uniqueParties(roles: Array<{ countryCode: string; partyId: string }>) {
  const seen = new Map<string, { countryCode: string; partyId: string }>();
  for (const r of roles) seen.set(`${r.countryCode}/${r.partyId}`.toUpperCase(), { countryCode: r.countryCode, partyId: r.partyId });
  return [...seen.values()];
}

function handle(app: AppContext, route: RouteDef) {
  return async (req: Request, res: Response) => {
    const params = parseWith(route.params, req.params, 'path');
    const query = parseWith(route.query, req.query, 'query');
    const body = parseWith(route.body, req.body, 'body');
    const result = await route.handler({ req, res, params, query, body, app });
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
    error = new OcpiError(OcpiStatus.SERVER_ERROR, 'Service temporarily unavailable, please retry later', 503, undefined, { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) });
  } else {
    req.ocpi?.log.error({ err }, 'unhandled error in OCPI request');
    error = new OcpiError(OcpiStatus.SERVER_ERROR, 'Internal server error', 500);
  }
  if (res.headersSent) return;
  echoRoutingHeaders(res, req.ocpi?.routing);
  for (const [k, v] of Object.entries(error.headers)) res.setHeader(k, v);
  if (error.statusCode >= 2000 && error.statusCode < 3000) req.ocpi?.log.info({ status_code: error.statusCode, http_status: error.httpStatus }, error.message);
  res.status(error.httpStatus).json(envelope(error.statusCode, error.data, error.message));
}

/** Unknown paths under /ocpi. */
export function ocpiNotFound(req: Request): never {
  throw new OcpiError(OcpiStatus.CLIENT_ERROR, `No OCPI endpoint at ${req.method} ${req.baseUrl}${req.path}`, 404);
}
