/** Mounts admin route definitions: bearer auth, key scopes, the audit log, zod validation, plain JSON answers. */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AppContext } from '../context.js';
import type { RouteDef } from '../ocpi/route.js';
import { noteFailedAuthentication } from '../ocpi/auth-failures.js';
import { type KeyScope, describeScope, scopeAllows } from '../platform/api-keys/scope.js';
import { setCallerKey } from './api-keys.js';
import { auditCall, routeResolver } from './audit.js';
import { AdminError, validationError } from './errors.js';

const READS = new Set(['GET', 'HEAD']);

/**
 * The admin API: `Authorization: Bearer <key>`, ADMIN_API_KEY or a key created at
 * `/admin/api-keys`, whose scope decides what it may call (403 otherwise). Basic credentials,
 * which a browser stores and then attaches to every request to this origin whatever page
 * triggers it, are accepted by the queue dashboard alone (`requireDashboardAccess`), and
 * read-only there. Calls that may change something are recorded in the audit log, refused
 * ones included, once the key is known. `routes`: the declared routes, which name the audit
 * entries.
 */
export function requireAdminKey(app: AppContext, routes: RouteDef[]) {
  const resolve = routeResolver(routes);
  return async (req: Request, res: Response, next: NextFunction) => {
    const presented = presentedKey(req.get('authorization') ?? '');
    const principal = presented?.scheme === 'bearer' ? await app.services.adminKeys.authenticate(presented.key) : null;
    if (!principal) {
      refuseRepeatedFailures(app, req, res);
      res.setHeader('WWW-Authenticate', 'Bearer');
      const hint = presented?.scheme === 'basic' ? ' Basic credentials are accepted by the queue dashboard only.' : '';
      throw new AdminError(401, 'unauthorized', `Missing or wrong admin API key (Authorization: Bearer <key>).${hint}`);
    }
    setCallerKey(res, principal);
    auditCall(app, req, res, principal, req.path, resolve);
    if (!scopeAllows(principal.scope, req.method, req.path)) throw insufficientScope(res, principal.scope);
    next();
  };
}

/**
 * The queue dashboard: Bearer with a key of scope admin (every action of the dashboard) or read
 * (reading only), or HTTP Basic with such a key as password (what a browser can send: reading
 * only, so a page that makes the browser send it cannot retry, clean, pause or remove
 * anything). Party keys have no business there. `res.locals.dashboardScope` tells which board
 * to serve.
 */
export function requireDashboardAccess(app: AppContext) {
  const dashboard = () => ({ route: '/queues/*', params: {} });
  return async (req: Request, res: Response, next: NextFunction) => {
    const presented = presentedKey(req.get('authorization') ?? '');
    const principal = presented ? await app.services.adminKeys.authenticate(presented.key) : null;
    if (!presented || !principal) {
      refuseRepeatedFailures(app, req, res);
      res.setHeader('WWW-Authenticate', 'Bearer, Basic realm="admin"');
      throw new AdminError(401, 'unauthorized', 'Missing or wrong admin API key (Authorization: Bearer <key>, or Basic with the key as password)');
    }
    auditCall(app, req, res, principal, `/queues${req.path === '/' ? '' : req.path}`, dashboard);
    if (principal.scope.kind === 'party') throw insufficientScope(res, principal.scope, 'the queue dashboard needs scope admin or read');
    const reading = READS.has(req.method);
    if (presented.scheme === 'basic' && !reading) {
      throw new AdminError(403, 'read_only', 'The dashboard is read-only with Basic credentials; changes need Authorization: Bearer <key> with scope admin');
    }
    if (!reading && principal.scope.kind !== 'admin') throw insufficientScope(res, principal.scope);
    res.locals.dashboardScope = presented.scheme === 'bearer' && principal.scope.kind === 'admin' ? 'admin' : 'read';
    next();
  };
}

function insufficientScope(res: Response, scope: KeyScope, why?: string): AdminError {
  res.setHeader('WWW-Authenticate', 'Bearer error="insufficient_scope"');
  return new AdminError(403, 'insufficient_scope', `This key's ${describeScope(scope)}${why ? `; ${why}` : ''}`);
}

/** Counts a refused key per client address (summarised in the log); 429 past the limit. */
export function refuseRepeatedFailures(app: AppContext, req: Request, res: Response): void {
  const wait = noteFailedAuthentication(app, req, res);
  if (wait <= 0) return;
  res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
  throw new AdminError(429, 'too_many_failures', 'Too many failed authentications from this address');
}

/** Bearer <key>, or Basic with the key as password (what a browser can send to the dashboard). */
function presentedKey(header: string): { scheme: 'bearer' | 'basic'; key: string } | null {
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return { scheme: 'bearer', key: bearer[1].trim() };
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? { scheme: 'basic', key: decoded.slice(colon + 1) } : null;
}

export function mountAdminRoutes(app: AppContext, routes: RouteDef[]): Router {
  const router = express.Router();
  for (const route of routes) {
    router[route.method](route.path, async (req: Request, res: Response) => {
      const params = parse(route.params, req.params, 'path');
      const query = parse(route.query, req.query, 'query');
      const body = parse(route.body, req.body, 'body');
      const result = await route.handler({ req, res, params, query, body, app });
      for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
      if (result.data === undefined) res.status(result.httpStatus ?? 204).end();
      else res.status(result.httpStatus ?? route.successStatus ?? 200).json(result.data);
    });
  }
  return router;
}

function parse(schema: RouteDef['params'], value: unknown, where: string) {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw validationError(parsed.error, where);
  return parsed.data;
}
