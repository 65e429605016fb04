/**
 * The one way out: every outbound HTTP request of the process (handshakes, pulls, pushes,
 * callbacks, hub relays, party backend webhooks) leaves through one undici Agent, whose pooled
 * keep-alive connections are opened only to addresses the URL policy accepts. Callers above it
 * (OcpiClient) add the protocol; this layer only moves bytes and normalises failures.
 */
import { Agent, request as undiciRequest } from 'undici';
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

  async send(req: OutboundRequest): Promise<RawReply> {
    try {
      // headersTimeout/bodyTimeout bound each wait; the signal bounds the whole exchange, connect included.
      const res = await undiciRequest(req.url, {
        method: req.method as 'GET',
        headers: req.headers,
        body: req.body,
        dispatcher: this.agent,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
        maxRedirections: 0,
        signal: AbortSignal.timeout(req.timeoutMs),
      });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
      return { status: res.statusCode, headers, body: await res.body.text() };
    } catch (e) {
      const refusal = policyRefusal(e);
      if (refusal) throw new TransportError('refused', undefined, refusal);
      const err = e as { code?: string; name?: string; cause?: { code?: string; message?: string }; message?: string };
      if (
        err.name === 'TimeoutError' ||
        err.code === 'UND_ERR_HEADERS_TIMEOUT' ||
        err.code === 'UND_ERR_BODY_TIMEOUT' ||
        err.code === 'UND_ERR_CONNECT_TIMEOUT' ||
        err.code === 'UND_ERR_ABORTED'
      ) {
        throw new TransportError('timeout', 'ETIMEDOUT');
      }
      throw new TransportError(err.cause?.message ?? err.message ?? 'network error', err.cause?.code ?? err.code);
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
