/**
 * The operations console (console/, built by `npm run console:build` into console/dist) served at
 * /console: hashed assets cached for good, every other path under /console answered with the
 * application's page (it routes in the browser), strict security headers. The console talks to
 * the platform through the admin API only, so serving it needs no access to anything else.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';

/** Where the build lands, seen from src/http (tsx, jest) and from dist/src/http (compiled). */
export function defaultConsoleDir(): string {
  const candidates = [path.resolve(__dirname, '../../console/dist'), path.resolve(__dirname, '../../../console/dist')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? candidates[0];
}

/** Tiles of the locations map come from OpenStreetMap; nothing else leaves this origin. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https://tile.openstreetmap.org",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  // The map's tile server wants to know the site asking (OpenStreetMap's tile policy): the origin only.
  res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
  next();
}

export function consoleRouter(dir: string = defaultConsoleDir()): express.Router {
  const router = express.Router({ strict: true });
  const index = path.join(dir, 'index.html');
  router.use(securityHeaders);
  router.get('/', (req, res, next) => {
    // `/console` without the slash: the page's relative asset URLs need it.
    if (req.originalUrl.split('?')[0] === '/console') return res.redirect(301, '/console/');
    next();
  });
  // Asset names carry their content hash: a new build has new names, so these never go stale.
  router.use('/assets', express.static(path.join(dir, 'assets'), { index: false, immutable: true, maxAge: '365d', redirect: false }), (_req, res) => {
    res.status(404).type('text/plain').send('No such console asset (an older build? reload the page)\n');
  });
  router.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // Checked per request: a console built while the platform runs is served without a restart.
    if (!fs.existsSync(index)) {
      res.status(503).type('text/plain').send('The console is not built. Run `npm run console:build` (npm start and npm test do it for you), then reload this page.\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
