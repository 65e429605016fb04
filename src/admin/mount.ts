/** Mounts admin route definitions: bearer auth, zod validation, plain JSON answers. */
import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AppContext } from '../context.js';
import type { RouteDef } from '../ocpi/route.js';
import { noteFailedAuthentication } from '../ocpi/auth-failures.js';
import { AdminError, validationError } from './errors.js';

/**
 * The admin API: `Authorization: Bearer <ADMIN_API_KEY>` only. Basic credentials, which a
 * browser stores and then attaches to every request to this origin whatever page triggers it,
 * are accepted by the queue dashboard alone (`requireDashboardAccess`), and read-only there.
 */
export function requireAdminKey(app: AppContext) {
  const check = keyCheck(app);
  return (req: Request, res: Response, next: NextFunction) => {
    const presented = check(req.get('authorization') ?? '');
    if (presented === 'bearer') return next();
    refuseRepeatedFailures(app, req, res);
    res.setHeader('WWW-Authenticate', 'Bearer');
    const hint = presented === 'basic' ? ' Basic credentials are accepted by the queue dashboard only.' : '';
    throw new AdminError(401, 'unauthorized', `Missing or wrong admin API key (Authorization: Bearer <ADMIN_API_KEY>).${hint}`);
  };
}

/**
 * The queue dashboard: Bearer (the admin scope: every action of the dashboard), or HTTP Basic
 * with the key as password (what a browser can send: reading only, so a page that makes the
 * browser send it cannot retry, clean, pause or remove anything). `res.locals.dashboardScope`
 * tells which board to serve.
 */
export function requireDashboardAccess(app: AppContext) {
  const check = keyCheck(app);
  return (req: Request, res: Response, next: NextFunction) => {
    const presented = check(req.get('authorization') ?? '');
    if (!presented) {
      refuseRepeatedFailures(app, req, res);
      res.setHeader('WWW-Authenticate', 'Bearer, Basic realm="admin"');
      throw new AdminError(401, 'unauthorized', 'Missing or wrong admin API key (Authorization: Bearer <ADMIN_API_KEY>, or Basic with the key as password)');
    }
    if (presented === 'basic' && req.method !== 'GET' && req.method !== 'HEAD') {
      throw new AdminError(403, 'read_only', 'The dashboard is read-only with Basic credentials; changes need Authorization: Bearer <ADMIN_API_KEY>');
    }
    res.locals.dashboardScope = presented === 'bearer' ? 'admin' : 'read';
    next();
  };
}

/** Counts a refused key per client address (summarised in the log); 429 past the limit. */
export function refuseRepeatedFailures(app: AppContext, req: Request, res: Response): void {
  const wait = noteFailedAuthentication(app, req, res);
  if (wait <= 0) return;
  res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
  throw new AdminError(429, 'too_many_failures', 'Too many failed authentications from this address');
}

/** Which valid form of the admin key the header carries, if any (constant-time compare). */
function keyCheck(app: AppContext): (header: string) => 'bearer' | 'basic' | null {
  const expected = crypto.createHash('sha256').update(app.config.ADMIN_API_KEY).digest();
  return (header) => {
    const presented = presentedKey(header);
    const given = crypto
      .createHash('sha256')
      .update(presented?.key ?? '')
      .digest();
    return presented && crypto.timingSafeEqual(given, expected) ? presented.scheme : null;
  };
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
