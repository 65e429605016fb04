/**
 * The one way out: every outbound HTTP request of the process (handshakes, pulls, pushes,
 * callbacks, hub relays, party backend webhooks) leaves through one undici Agent, whose pooled
 * keep-alive connections are opened only to addresses the URL policy accepts. Callers above it
 * (OcpiClient) add the protocol; this layer only moves bytes and normalises failures.
 */
import { Agent } from 'undici';
import { type UrlPolicy, UrlPolicyError } from './url-policy.js';

/** What a request is for: counted by the tests that prove every call goes this way. */
export type OutboundKind = 'ocpi' | 'webhook';

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface OutboundRequest {
  kind: OutboundKind;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

/** A failure below HTTP: `code` is ETIMEDOUT for a timeout, the socket's code otherwise; `cause` holds a policy refusal. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly refusal?: UrlPolicyError,
  ) {
    super(message);
  }
}

/** The URL policy's refusal, wherever undici wrapped it in its error chain. */
export function policyRefusal(e: unknown): UrlPolicyError | null {
  for (let cur = e, depth = 0; cur && depth < 5; cur = (cur as { cause?: unknown }).cause, depth++) {
    if (cur instanceof UrlPolicyError) return cur;
    if (cur instanceof TransportError && cur.refusal) return cur.refusal;
  }
  return null;
}

export class OutboundTransport {
  private readonly agent: Agent;

  constructor(policy: UrlPolicy) {
    // The policy's lookup judges every address DNS returns before a socket is opened.
    this.agent = new Agent({ keepAliveTimeout: 30_000, connect: { lookup: policy.lookup as never } });
  }

  /**
   * One exchange through the agent's dispatcher with a minimal handler: no stream objects, no
   * AbortSignal and no async resource per request, which undici's `request()` builds for every
   * call (a worker sends thousands a second). The reply body is collected as bytes, decoded once.
   * `timeoutMs` bounds the whole exchange, from the call (a wait for a connection included) to
   * the last byte of the answer; no redirect is followed (a 3xx is an answer like any other).
   */
  send(req: OutboundRequest): Promise<RawReply> {
    let origin: string;
    let path: string;
    try {
      ({ origin, path } = this.split(req.url));
    } catch (e) {
      return Promise.reject(new TransportError((e as Error).message, 'ERR_INVALID_URL'));
    }
    return new Promise<RawReply>((resolve, reject) => {
      const exchange = new Exchange(resolve, reject, req.timeoutMs);
      try {
        this.agent.dispatch(
          { origin, path, method: req.method as 'GET', headers: req.headers, body: req.body, headersTimeout: req.timeoutMs, bodyTimeout: req.timeoutMs },
          exchange as never,
        );
      } catch (e) {
        exchange.onError(e);
      }
    });
  }

  /** The origin undici pools by (one pool per origin) and the request target, as `new URL` reads them. */
  private split(url: string): { origin: string; path: string } {
    const u = new URL(url);
    return { origin: u.origin, path: `${u.pathname}${u.search}` };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/**
 * undici's handler of one exchange, as a plain object with prototype methods: one allocation per
 * request instead of a closure per callback. Settles its promise once: with the answer, with the
 * failure, or at the deadline (then the request is aborted, at once or as soon as it starts).
 */
class Exchange {
  private settled = false;
  private abort: ((err: Error) => void) | null = null;
  private status = 0;
  private rawHeaders: Buffer[] = [];
  private readonly chunks: Buffer[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly resolve: (reply: RawReply) => void,
    private readonly reject: (error: TransportError) => void,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(Exchange.expire, timeoutMs, this);
    this.timer.unref();
  }

  private static expire(exchange: Exchange): void {
    const timeout = new TransportError('timeout', 'ETIMEDOUT');
    exchange.onError(timeout);
    exchange.abort?.(timeout);
  }

  onConnect(abort: (err: Error) => void): void {
    if (this.settled) abort(new TransportError('timeout', 'ETIMEDOUT'));
    else this.abort = abort;
  }

  onHeaders(statusCode: number, headers: Buffer[]): boolean {
    this.status = statusCode;
    this.rawHeaders = headers;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    const { chunks } = this;
    const body = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
    this.resolve({ status: this.status, headers: headerRecord(this.rawHeaders), body });
  }

  onError(e: unknown): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.reject(translate(e));
  }
}

/** Raw header pairs as one lower-case record; repeated headers joined with ", " (as RFC 9110 allows). */
function headerRecord(raw: Buffer[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toString('latin1').toLowerCase();
    const value = raw[i + 1].toString('latin1');
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return headers;
}

/** Every failure as TransportError: a policy refusal, a timeout (ETIMEDOUT), or the socket's code. */
function translate(e: unknown): TransportError {
  if (e instanceof TransportError) return e;
  const refusal = policyRefusal(e);
  if (refusal) return new TransportError('refused', undefined, refusal);
  const err = e as { code?: string; name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (
    err.name === 'TimeoutError' ||
    err.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    err.code === 'UND_ERR_BODY_TIMEOUT' ||
    err.code === 'UND_ERR_CONNECT_TIMEOUT' ||
    err.code === 'UND_ERR_ABORTED'
  ) {
    return new TransportError('timeout', 'ETIMEDOUT');
  }
  return new TransportError(err.cause?.message ?? err.message ?? 'network error', err.cause?.code ?? err.code);
}
