/**
 * Requests that fail authentication (OCPI tokens, the admin key, the metrics token), per client
 * address: past AUTH_FAILURE_LIMIT_PER_MINUTE
 * an address gets 429 instead of 401, and the log gets one summary line per address and minute
 * instead of one line per request. Only failures count: a valid token is never held back by
 * what other clients behind the same address (NAT, a reverse proxy) get wrong.
 */
import net from 'node:net';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { AppContext } from '../context.js';
import { RateLimiter } from './rate-limit.js';

const SUMMARY_INTERVAL_MS = 60_000;
/** Addresses remembered at most; past it, those whose last failure is oldest are forgotten. */
const MAX_ADDRESSES = 10_000;

interface Tally {
  refused: number;
  limited: number;
  since: number;
  lastAt: number;
}

export class AuthFailures {
  private readonly limiter: RateLimiter;
  private readonly tallies = new Map<string, Tally>();

  constructor(
    perMinute: number,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.limiter = new RateLimiter(perMinute / 60, Math.max(1, perMinute), now);
  }

  /** Records a failed authentication; returns the ms until the address may fail again (0: answer 401). */
  note(address: string | undefined): number {
    const key = clientKey(address);
    const wait = this.limiter.take(key);
    const now = this.now();
    let tally = this.tallies.get(key);
    const first = !tally;
    if (!tally) {
      if (this.tallies.size >= MAX_ADDRESSES) this.forgetOldest();
      tally = { refused: 0, limited: 0, since: now, lastAt: now };
      this.tallies.set(key, tally);
    }
    // Map order is insertion order: re-inserting keeps the most recent failures last.
    this.tallies.delete(key);
    this.tallies.set(key, tally);
    if (wait > 0) tally.limited++;
    else tally.refused++;
    tally.lastAt = now;
    if (first || now - tally.since >= SUMMARY_INTERVAL_MS) this.summarise(key, tally, now);
    return wait;
  }

  private summarise(key: string, tally: Tally, now: number): void {
    this.log.warn({ client: key, refused_401: tally.refused, refused_429: tally.limited, seconds: Math.round((now - tally.since) / 1000) }, 'unauthenticated requests refused');
    tally.refused = 0;
    tally.limited = 0;
    tally.since = now;
  }

  private forgetOldest(): void {
    const drop = Math.ceil(MAX_ADDRESSES / 10);
    let i = 0;
    for (const key of this.tallies.keys()) {
      if (i++ >= drop) break;
      this.tallies.delete(key);
      this.limiter.forget(key);
    }
  }
}

/** One key per IPv4 address, and per /64 for IPv6 (what one subscriber usually holds). */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!net.isIPv6(address)) return address;
  const [head, tail = ''] = address.split('%')[0].toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * For a request whose credentials were refused (OCPI, admin, /metrics): counts the failure
 * and keeps the request out of the access log. Returns the ms to wait (0: answer 401).
 */
export function noteFailedAuthentication(app: AppContext, req: Request, res: Response): number {
  res.locals.unlogged = true;
  return app.services.authFailures.note(req.ip ?? req.socket.remoteAddress);
}

declare module '../context.js' {
  interface Services {
    authFailures: AuthFailures;
  }
}
