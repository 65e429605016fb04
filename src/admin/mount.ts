/** Mounts admin route definitions: bearer auth, zod validation, plain JSON answers. */
import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AppContext } from '../app-context.js';
import type { RouteDef } from '../ocpi/route.js';
import { AdminError, validationError } from './errors.js';

export function requireAdminKey(app: AppContext) {
  const expected = crypto.createHash('sha256').update(app.config.ADMIN_API_KEY).digest();
  return (req: Request, res: Response, next: NextFunction) => {
    const presented = presentedKey(req.get('authorization') ?? '');
    const given = crypto.createHash('sha256').update(presented ?? '').digest();
    if (presented === null || !crypto.timingSafeEqual(given, expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer, Basic realm="admin"');
      throw new AdminError(401, 'unauthorized', 'Missing or wrong admin API key (Authorization: Bearer <ADMIN_API_KEY>)');
    }
    next();
  };
}

/** Bearer <key>, or Basic with the key as password (what a browser can send to the dashboard). */
function presentedKey(header: string): string | null {
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return bearer[1].trim();
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : null;
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
