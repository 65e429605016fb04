/** The HTTP application: health, OCPI under /ocpi, the admin API under /admin, docs under /docs, the console under /console. */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import swaggerUi from 'swagger-ui-express';
import { adminErrorHandler, AdminError } from '../admin/errors.js';
import { jsonBodiesOnly, refuseCrossSite } from '../admin/cross-site.js';
import { mountAdminRoutes, requireAdminKey, requireDashboardAccess } from '../admin/mount.js';
import { adminRoutes } from '../admin/routes.js';
import type { AppContext } from '../context.js';
import { hubTransportHooks } from '../hub/router.js';
import { requestIds } from '../ocpi/headers.js';
import { mountInterfaces, ocpiErrorHandler, ocpiNotFound } from '../ocpi/mount.js';
import { consoleRouter } from './console.js';
import { buildAdminDocument, ocpiDocuments } from './openapi.js';
import { operationsRouter } from './operations.js';

export interface HttpHooks {
  /** Middleware run before everything else (tests record the requests an instance receives). */
  before?: express.RequestHandler[];
  /** Extra routers mounted under /admin by later layers (delivery dashboards, role APIs). */
  adminExtensions?: Array<(router: express.Router) => void>;
}

export function createHttpApp(app: AppContext, hooks: HttpHooks = {}): { http: Express; close(): Promise<void> } {
  const http = express();
  http.disable('x-powered-by');
  http.set('etag', false);
  http.set('query parser', 'simple');
  for (const handler of hooks.before ?? []) http.use(handler);
  http.use(requestIds(app.log));
  http.use(accessLog(app));
  http.use(app.metrics.http());

  // Entered only for its own paths: every request passing through a router costs a little.
  const health = healthRouter(app);
  http.use((req: Request, res: Response, next: NextFunction) => (req.path.startsWith('/health/') ? health(req, res, next) : next()));

  // Peers do not always label their bodies; any body on /ocpi is read as JSON (tolerant reader).
  const ocpiJson = express.json({ limit: app.config.BODY_LIMIT, type: () => true, strict: false });
  // The hub plugs into transport here: transport itself knows no hub.
  http.use('/ocpi', ocpiJson, mountInterfaces(app, app.interfaces, hubTransportHooks(app)), ocpiNotFound, ocpiErrorHandler);

  // One OCPI document per version that has modules.
  const urls: Array<{ url: string; name: string }> = [];
  for (const [name, doc] of Object.entries(ocpiDocuments(app.interfaces, app.descriptors))) {
    http.get(`/openapi/${name}`, (_req, res) => {
      res.json(doc);
    });
    urls.push({ url: `/openapi/${name}`, name: `OCPI ${doc.info.version}` });
  }
  const adminDoc = buildAdminDocument(adminRoutes);
  http.get('/openapi/admin.json', (_req, res) => {
    res.json(adminDoc);
  });
  const docs = { swaggerOptions: { urls: [...urls, { url: '/openapi/admin.json', name: 'Admin API' }] } };
  http.use('/docs', swaggerUi.serveFiles(undefined, docs), swaggerUi.setup(undefined, docs));
  // The operations console: static files; it reaches the platform through the admin API only.
  http.use('/console', consoleRouter());

  // Cross-site refusal first: a page in the operator's browser gets nowhere, whatever it sends.
  const crossSite = refuseCrossSite(app);
  const operations = operationsRouter(app, [crossSite, requireDashboardAccess(app)]);
  http.use(operations.router);

  const admin = express.Router();
  admin.use(crossSite, jsonBodiesOnly, express.json({ limit: app.config.BODY_LIMIT }), requireAdminKey(app, adminRoutes));
  admin.use(mountAdminRoutes(app, adminRoutes));
  for (const extend of hooks.adminExtensions ?? []) extend(admin);
  admin.use((req: Request) => {
    throw new AdminError(404, 'not_found', `No admin endpoint at ${req.method} ${req.baseUrl}${req.path}`);
  });
  http.use('/admin', admin, adminErrorHandler);

  http.use((req: Request, res: Response) => {
    res.status(404).json({ error: { code: 'not_found', message: `Nothing at ${req.method} ${req.path}` } });
  });
  http.use(adminErrorHandler);
  // Audit entries of the last calls are written before the database pool closes.
  return { http, close: async () => void (await Promise.all([operations.close(), app.services.adminAudit.flush()])) };
}

/** Liveness and readiness; served by the api role and, alone, by a worker-only process. */
export function healthRouter(app: AppContext): express.Router {
  const router = express.Router();
  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/health/ready', async (_req, res) => {
    const checks = await readiness(app);
    const ok = Object.values(checks).every((c) => c === 'ok');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks });
  });
  return router;
}

function accessLog(app: AppContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    // Asked per request, so a level changed at run time takes effect; below info, no listener at all.
    if (!app.log.isLevelEnabled('info')) return next();
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // Refused authentications are summarised per client address instead (ocpi/auth-failures.ts).
      if (res.locals.unlogged) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // Only method, path and status: query strings and headers may carry secrets. The full path:
      // inside a router, req.path has lost the mount point (/admin).
      req.ocpi.log.info({ method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}

async function readiness(app: AppContext): Promise<Record<string, string>> {
  // unref: a finished probe's timer must not keep a stopping process alive for 2 s.
  const withTimeout = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref())]);
  const [db, redis] = await Promise.allSettled([withTimeout(app.db.$queryRawUnsafe('SELECT 1')), withTimeout(app.redis.ping())]);
  return {
    postgres: db.status === 'fulfilled' ? 'ok' : 'unreachable',
    redis: redis.status === 'fulfilled' ? 'ok' : 'unreachable',
  };
}
