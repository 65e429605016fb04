/**
 * What to do after a failed delivery: retry later (and when), or give up. Network errors,
 * timeouts, HTTP 5xx/408/429, broken answers and OCPI 3xxx/4xxx are worth retrying; a peer that
 * answers with an OCPI 2xxx or a plain 4xx refused this message and will refuse it again.
 */
import { OcpiCallError } from '../ocpi/client.js';

export interface RetrySettings {
  baseMs: number;
  maxMs: number;
}

export type FailureVerdict = { retry: true; peerLevel: boolean; retryAfterMs?: number; reason: string } | { retry: false; reason: string };

export function judgeFailure(error: unknown): FailureVerdict {
  const reason = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
  if (!(error instanceof OcpiCallError)) return { retry: true, peerLevel: false, reason };
  switch (error.kind) {
    case 'policy':
      return { retry: false, reason };
    case 'network':
    case 'timeout':
      return { retry: true, peerLevel: true, reason };
    case 'envelope':
      return { retry: true, peerLevel: false, reason };
    case 'http': {
      const status = error.httpStatus ?? 0;
      if (status === 429 || status === 408 || status >= 500) return { retry: true, peerLevel: true, retryAfterMs: error.retryAfterMs, reason };
      return { retry: false, reason };
    }
    case 'ocpi': {
      const code = error.ocpiStatus ?? 0;
      if (code >= 2000 && code < 3000) return { retry: false, reason };
      return { retry: true, peerLevel: code >= 4000, retryAfterMs: error.retryAfterMs, reason };
    }
  }
}

/**
 * The peer does not hold the object a PATCH addressed: HTTP 404, or OCPI 2003 (unknown location)
 * / 2004 (unknown token) whatever the HTTP status. The sender then PUTs the whole object.
 */
export function isUnknownObject(error: unknown): boolean {
  if (!(error instanceof OcpiCallError) || (error.kind !== 'ocpi' && error.kind !== 'http')) return false;
  return error.httpStatus === 404 || error.ocpiStatus === 2003 || error.ocpiStatus === 2004;
}

/**
 * Exponential backoff with jitter (half fixed, half random). A Retry-After replaces it, shorter
 * or longer (the peer knows when it will take more), but never below a quarter of the backoff,
 * so a peer answering "Retry-After: 0" to every attempt is not called in a tight loop.
 */
export function nextDelayMs(attempt: number, settings: RetrySettings, retryAfterMs?: number, random = Math.random): number {
  const exp = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  return Math.round(retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered / 4) : jittered);
}
