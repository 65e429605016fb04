/**
 * The outbound client: every request we make goes through here, over the one pooled transport
 * (transport.ts). For peers it adds the OCPI parts, so the Authorization encoding,
 * request/correlation ids, routing headers and envelope parsing are the same for the
 * credentials handshake, pushes, pulls, callbacks and hub relays; for party backends it sends a
 * body the caller signed. The URL policy and timeouts are the same for all.
 */
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import type { PartyRef } from './context.js';
import { HEADER, routingRequestHeaders } from './headers.js';
import { isSuccess } from './status.js';
import { OutboundTransport, type RawReply, TransportError, policyRefusal } from './transport.js';
import type { UrlPolicy } from './url-policy.js';

export type { RawReply } from './transport.js';

export type AuthEncoding = 'base64' | 'raw';
export type CallFailureKind = 'policy' | 'network' | 'timeout' | 'http' | 'envelope' | 'ocpi';

/** A failed call to a peer. The message never contains the token. */
export class OcpiCallError extends Error {
  constructor(
    readonly kind: CallFailureKind,
    message: string,
    readonly httpStatus?: number,
    readonly ocpiStatus?: number,
    readonly retryAfterMs?: number,
    /** The envelope's `data` of a 2xxx/3xxx answer: some carry a result object (08-commands P5). */
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export function authorizationHeader(token: string, encoding: AuthEncoding): string {
  return `Token ${encoding === 'base64' ? Buffer.from(token, 'utf8').toString('base64') : token}`;
}

export interface OcpiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  token: string;
  encoding: AuthEncoding;
  body?: unknown;
  /**
   * The body already serialised, sent as it is instead of `JSON.stringify(body)`: a change that
   * goes to many peers is serialised once, not once per peer (the delivery engine keeps it).
   */
  bodyText?: string;
  query?: Record<string, string | number | undefined>;
  from?: PartyRef;
  to?: PartyRef;
  requestId?: string;
  correlationId?: string;
  timeoutMs?: number;
}

export interface OcpiReply<T = unknown> {
  data: T;
  statusCode: number;
  statusMessage?: string;
  httpStatus: number;
  headers: Record<string, string>;
  requestId: string;
}

export interface OcpiClientOptions {
  timeoutMs: number;
  policy: UrlPolicy;
  logger: Logger;
}

/** A POST to a party's own backend: the caller signs the body, the client sends it the one way out. */
export interface WebhookRequest {
  url: string;
  /** The exact bytes that were signed. */
  body: string;
  headers: Record<string, string>;
  timeoutMs?: number;
}

const transports = new WeakMap<UrlPolicy, OutboundTransport>();

/** The transport of a URL policy: every client built on the same policy shares one connection pool. */
export function transportFor(policy: UrlPolicy): OutboundTransport {
  let transport = transports.get(policy);
  if (!transport) transports.set(policy, (transport = new OutboundTransport(policy)));
  return transport;
}

/** `scheme://authority` of a URL written plainly (http/https, no backslash), else null. */
const AUTHORITY = /^https?:\/\/[^/?#\\]*/;

/** How many authorities a client remembers as allowed by its policy before it starts over. */
const ALLOWED_AUTHORITIES = 10_000;

export class OcpiClient {
  readonly transport: OutboundTransport;
  /**
   * Authorities (`scheme://userinfo@host:port`, as written) the URL policy accepted. Its verdict
   * on the text depends on the scheme and the authority alone, so a peer's thousand object
   * URLs are judged once, not a thousand times. Addresses are still judged at every connect.
   */
  private readonly allowed = new Set<string>();

  constructor(private readonly options: OcpiClientOptions) {
    // One pool per URL policy, so one per process: clients built on app.urlPolicy share it.
    this.transport = transportFor(options.policy);
  }

  /**
   * POSTs a signed body to a party backend's webhook under the same URL policy, timeouts and
   * redirect rule as every OCPI call. A 2xx answer returns its body (parsed when it is JSON);
   * anything else throws OcpiCallError ('http' with the status, or policy/network/timeout).
   */
  async webhook(req: WebhookRequest): Promise<unknown> {
    const reply = await this.deliver('webhook', 'POST', req.url, { 'Content-Type': 'application/json', ...req.headers }, req.body, req.timeoutMs);
    if (reply.status < 200 || reply.status >= 300) {
      throw new OcpiCallError('http', `webhook answered HTTP ${reply.status}`, reply.status, undefined, retryAfter(reply.headers));
    }
    try {
      return reply.body === '' ? undefined : JSON.parse(reply.body);
    } catch {
      return reply.body;
    }
  }

  async request<T = unknown>(req: OcpiRequest): Promise<OcpiReply<T>> {
    const { reply, requestId } = await this.exchange(req);
    return parseReply<T>(req, reply, requestId);
  }

  /**
   * The call without reading the envelope: whatever the peer answered (any HTTP or OCPI
   * status) comes back as it is. The hub relays answers this way; transport failures still
   * throw OcpiCallError (policy, network, timeout).
   */
  async exchange(req: OcpiRequest): Promise<{ reply: RawReply; requestId: string }> {
    const requestId = req.requestId ?? crypto.randomUUID();
    const headers: Record<string, string> = {
      Authorization: authorizationHeader(req.token, req.encoding),
      [HEADER.requestId]: requestId,
      [HEADER.correlationId]: req.correlationId ?? crypto.randomUUID(),
      Accept: 'application/json',
      ...routingRequestHeaders(req.from, req.to),
    };
    const body = req.bodyText ?? (req.body === undefined ? undefined : JSON.stringify(req.body));
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const reply = await this.deliver('ocpi', req.method, withQuery(req.url, req.query), headers, body, req.timeoutMs, requestId);
    return { reply, requestId };
  }

  /** The URL policy on the text, then the transport (which checks every resolved address); failures as OcpiCallError. */
  private async deliver(
    kind: 'ocpi' | 'webhook',
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs?: number,
    requestId?: string,
  ): Promise<RawReply> {
    try {
      this.checkPolicy(url);
    } catch (e) {
      throw new OcpiCallError('policy', `Refused to call ${safeUrl(url)}: ${(e as Error).message}`);
    }
    const started = Date.now();
    let res: RawReply;
    try {
      res = await this.transport.send({ kind, method, url, headers, body, timeoutMs: timeoutMs ?? this.options.timeoutMs });
    } catch (e) {
      const refusal = policyRefusal(e);
      if (refusal) throw new OcpiCallError('policy', `Refused to call ${safeUrl(url)}: ${refusal.message}`);
      const code = e instanceof TransportError ? e.code : (e as { code?: string }).code;
      if (code === 'ETIMEDOUT') throw new OcpiCallError('timeout', `${method} ${safeUrl(url)} timed out`);
      throw new OcpiCallError('network', `${method} ${safeUrl(url)} failed: ${code ?? (e as Error).message ?? 'network error'}`);
    }
    if (this.options.logger.isLevelEnabled('debug')) {
      this.options.logger.debug({ kind, method, url: safeUrl(url), status: res.status, ms: Date.now() - started, request_id: requestId }, 'outbound call');
    }
    return res;
  }

  /** The URL policy on the text of `url`, once per authority (see `allowed`); throws its refusal. */
  private checkPolicy(url: string): void {
    const authority = AUTHORITY.exec(url)?.[0];
    if (authority !== undefined && this.allowed.has(authority)) return;
    this.options.policy.check(url);
    if (authority === undefined) return;
    if (this.allowed.size >= ALLOWED_AUTHORITIES) this.allowed.clear();
    this.allowed.add(authority);
  }

  /**
   * Walks a paginated list by following `Link: rel="next"`, yielding one page at a time.
   * Survives sloppy peers: stops on a Link it has already visited or on an empty page, needs no
   * X-Total-Count, and when the total shrinks mid-crawl it re-reads the page it just got from
   * an earlier offset (transport §7.2), so no object slips through. Duplicates are possible;
   * consumers store idempotently.
   */
  async *paginate<T>(req: OcpiRequest, maxPages = 100000): AsyncGenerator<T[]> {
    const visited = new Set<string>();
    let url = withQuery(req.url, req.query);
    let lastTotal: number | undefined;
    for (let pages = 0; pages < maxPages; pages++) {
      visited.add(url);
      const reply: OcpiReply<T[]> = await this.request<T[]>({ ...req, url, query: undefined, requestId: undefined });
      const items = Array.isArray(reply.data) ? reply.data : [];
      const header = reply.headers['x-total-count'];
      const total = header !== undefined && Number.isFinite(Number(header)) ? Number(header) : undefined;
      const offset = Number(new URL(url).searchParams.get('offset') ?? '0');
      if (total !== undefined && lastTotal !== undefined && total < lastTotal && offset > 0) {
        // Step back by as many objects as left the set (the spec's "offset - 1" for one).
        url = setOffset(url, Math.max(0, offset - (lastTotal - total)));
        lastTotal = total;
        visited.delete(url);
        if (items.length) yield items;
        continue;
      }
      if (total !== undefined) lastTotal = total;
      yield items;
      const link = parseNextLink(reply.headers['link']);
      if (!link || items.length === 0) return;
      if (visited.has(link)) {
        this.options.logger.warn({ url: safeUrl(link) }, 'peer Link points at a page already fetched; stopping');
        return;
      }
      url = link;
    }
  }
}

function withQuery(url: string, query: OcpiRequest['query']): string {
  if (!query) return url;
  const u = new URL(url);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
  return u.toString();
}

function setOffset(url: string, offset: number): string {
  const u = new URL(url);
  u.searchParams.set('offset', String(offset));
  return u.toString();
}

function parseReply<T>(req: OcpiRequest, res: RawReply, requestId: string): OcpiReply<T> {
  const headers = res.headers;
  // Named only in errors: parsing the URL for every successful answer costs a worker measurably.
  const where = () => `${req.method} ${safeUrl(req.url)}`;
  /** What a peer's JSON answer may hold; nothing is trusted until checked below. */
  let body: { status_code?: unknown; status_message?: unknown; data?: unknown } | undefined;
  try {
    const parsed: unknown = res.body === '' ? undefined : JSON.parse(res.body);
    body = parsed !== null && typeof parsed === 'object' ? (parsed as typeof body) : undefined;
  } catch {
    throw new OcpiCallError(res.status >= 400 ? 'http' : 'envelope', `${where()}: HTTP ${res.status} with a body that is not JSON`, res.status, undefined, retryAfter(headers));
  }
  const statusCode = body && Number.isInteger(body.status_code) ? (body.status_code as number) : undefined;
  if (statusCode === undefined || !body) {
    if (res.status >= 200 && res.status < 300) throw new OcpiCallError('envelope', `${where()}: answer has no OCPI status_code`, res.status);
    throw new OcpiCallError('http', `${where()}: HTTP ${res.status}`, res.status, undefined, retryAfter(headers));
  }
  const statusMessage = typeof body.status_message === 'string' ? body.status_message.slice(0, 500) : undefined;
  if (!isSuccess(statusCode)) {
    throw new OcpiCallError('ocpi', `${where()}: OCPI ${statusCode}${statusMessage ? ` ${statusMessage}` : ''}`, res.status, statusCode, retryAfter(headers), body.data);
  }
  if (res.status >= 400) throw new OcpiCallError('http', `${where()}: HTTP ${res.status} with OCPI ${statusCode}`, res.status, statusCode, retryAfter(headers));
  return { data: body.data as T, statusCode, statusMessage, httpStatus: res.status, headers, requestId };
}

function retryAfter(headers: Record<string, string>): number | undefined {
  const value = headers['retry-after'];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export function parseNextLink(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    if (m && /rel\s*=\s*"?next"?/i.test(m[2])) return m[1];
  }
  return null;
}

/** A URL as it may appear in logs and errors: no userinfo, no query (it may carry filters only, but stay safe). */
export function safeUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

declare module '../context.js' {
  interface AppContext {
    client: OcpiClient;
  }
}
