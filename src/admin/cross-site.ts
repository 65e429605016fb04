/**
 * Requests a browser makes on behalf of another site never reach the admin API or the queue
 * dashboard. Fetch metadata (`Sec-Fetch-Site`) and `Origin` are set by the browser and cannot
 * be forged by a page; tools such as curl send neither and are not affected. Changes must come
 * as JSON: the body types a page may send cross-site without a CORS preflight (text/plain,
 * forms) are refused, so a browser that sends no fetch metadata still cannot make them.
 */
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../context.js';
import { AdminError } from './errors.js';

export function refuseCrossSite(app: AppContext) {
  const publicOrigin = new URL(app.config.PUBLIC_BASE_URL).origin;
  return (req: Request, _res: Response, next: NextFunction) => {
    const site = req.get('sec-fetch-site');
    // same-site is refused too: a sibling sub-domain is another application.
    if (site === 'cross-site' || site === 'same-site') throw new AdminError(403, 'cross_site', `Cross-site requests are refused (Sec-Fetch-Site: ${site})`);
    const origin = req.get('origin');
    if (origin !== undefined && !sameOrigin(origin, req, publicOrigin)) throw new AdminError(403, 'cross_site', 'Cross-site requests are refused (Origin is not this platform)');
    next();
  };
}

function sameOrigin(origin: string, req: Request, publicOrigin: string): boolean {
  if (origin === publicOrigin) return true;
  try {
    // The origin the browser was on is the host it sent this request to (any scheme: a TLS
    // proxy in front makes ours differ from the browser's).
    return new URL(origin).host === req.get('host');
  } catch {
    return false; // "null" (sandboxed frames, file://) and anything unparsable
  }
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A change with a body must label it JSON (application/json or any +json type). */
export function jsonBodiesOnly(req: Request, _res: Response, next: NextFunction): void {
  if (SAFE.has(req.method)) return next();
  const type = req.get('content-type');
  const length = Number(req.get('content-length') ?? 0);
  const hasBody = type !== undefined || length > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type ?? '')) {
    throw new AdminError(415, 'unsupported_media_type', `Changes take a JSON body (Content-Type: application/json), not ${type ?? 'an unlabelled body'}`);
  }
  next();
}
