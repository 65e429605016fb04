/**
 * Per-peer token bucket for incoming OCPI requests, so one peer in a retry storm cannot starve
 * the others. Kept in process memory: each API process enforces the limit on its own share of
 * the traffic (see README, "Scaling"), which costs no round trip on the hot path.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.perSecond > 0;
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  /** Returns 0 when the request may pass, else the milliseconds until a token is available. */
  take(key: string): number {
    if (!this.enabled) return 0;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) / this.perSecond) * 1000);
  }
}

declare module '../context.js' {
  interface AppContext {
    rateLimiter: RateLimiter;
  }
}
