/** Mounts admin route definitions: bearer auth, zod validation, plain JSON answers. */
import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { AppContext } from '../app-context.js';
import type { RouteDef } from '../ocpi/route.js';
import { AdminError, validationError } from './errors.js';

export function requireAdminKey(app: AppContext) {
  const expected = crypto.createHash('sha256').update(app.config.ADMIN_API_KEY).digest();
  return (req: Request, _res: Response, next: NextFunction) => {
    const m = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
    const given = crypto.createHash('sha256').update(m ? m[1].trim() : '').digest();
    if (!m || !crypto.timingSafeEqual(given, expected)) throw new AdminError(401, 'unauthorized', 'Missing or wrong admin API key (Authorization: Bearer <ADMIN_API_KEY>)');
    next();
  };
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
