/**
 * A route is declared once, with its zod schemas, and that declaration is used three times: to
 * validate the request, to serve it, and to describe it in the OpenAPI documents.
 */
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { AppContext } from '../context.js';
import type { AuthenticatedPeer, PartyRef } from './context.js';
import type { PageRequest } from './pagination.js';
import type { Refusal } from './receive-profile.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteInput<P, Q, B> {
  req: Request;
  res: Response;
  params: P;
  query: Q;
  body: B;
  app: AppContext;
}

export interface RouteResult {
  data?: unknown;
  /** `data` already serialised as JSON text (documents served straight from storage). */
  rawData?: string | Buffer | Buffer[];
  /** OCPI status code (OCPI routes) — default 1000. */
  statusCode?: number;
  httpStatus?: number;
  message?: string;
  headers?: Record<string, string>;
  /** Set by list endpoints: the wrapper writes X-Total-Count, X-Limit and Link. */
  page?: { request: PageRequest; total: number };
  /** Number of objects in a page given as rawData. */
  returned?: number;
}

/**
 * Where a request names its parties when the peer left out the routing headers. The routing
 * guard tries these in order and checks whatever they yield: a sender must be one of the
 * caller's parties, a receiver one of ours with the interface's role (docs/interop.md).
 */
export interface RoutingHint {
  /** `:country_code/:party_id` of the path name the object's owner: the sender (client-owned URLs). */
  senderInPath?: boolean;
  /** `country_code`/`party_id` of the (unvalidated) body name the object's owner: the sender. */
  senderInBody?: boolean;
  /** The party of ours the (unvalidated) body is meant for, e.g. the eMSP of a session's `cdr_token`. */
  receiverInBody?: (body: unknown) => PartyRef | undefined;
  /**
   * A stored record the URL identifies (the request a callback answers, one of our objects)
   * names the parties. `receivers`: our parties with the interface's role. May throw a 404 when
   * the URL identifies nothing this caller may reach.
   */
  lookup?: (input: {
    app: AppContext;
    params: Record<string, string>;
    /** The request body as sent (not yet validated). */
    body: unknown;
    peer: AuthenticatedPeer;
    receivers: PartyRef[];
    /** The receiver, when established before the lookup. */
    to?: PartyRef;
  }) => Promise<{ from?: PartyRef; to?: PartyRef } | undefined>;
}

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

// A list of routes holds routes of every shape: the defaults say "some schema", and the handler is
// a method (bivariant), so a route typed by its own schemas fits a RouteDef[].
export interface RouteDef<
  PS extends z.ZodType | undefined = z.ZodType | undefined,
  QS extends z.ZodType | undefined = z.ZodType | undefined,
  BS extends z.ZodType | undefined = z.ZodType | undefined,
> {
  method: HttpMethod;
  /** Express path relative to the interface base, e.g. `/:country_code/:party_id/:uid`. */
  path: string;
  summary: string;
  description?: string;
  params?: PS;
  query?: QS;
  body?: BS;
  /** Schema of the `data` field (OCPI) or of the whole body (admin). */
  response?: z.ZodType;
  /** HTTP status of a successful answer (admin routes; OCPI answers 200 unless told). */
  successStatus?: number;
  /** Paginated list: documented with the pagination query and headers. */
  paginated?: boolean;
  /** HTTP statuses worth documenting besides 200. */
  errors?: Record<number, string>;
  /** Routed interfaces: what names the parties when routing headers are absent (adds to the interface's hint). */
  routing?: RoutingHint;
  handler(input: RouteInput<Infer<PS>, Infer<QS>, Infer<BS>>): Promise<RouteResult>;
  /**
   * OCPI routes: serves a body the receive profile could not read even after repair, instead of
   * the 2001 refusal (a CDR is quarantined, never lost). `raw` is the body as received.
   */
  /**
   * OCPI routes: `requests` for a body that asks something (a command, an authorization, a charging
   * profile): the receive profile normalises its values but never drops a field, since that would
   * change the question. Default `objects`: what a peer tells us about its own objects.
   */
  receives?: 'objects' | 'requests';
  unreadableBody?: (input: { req: Request; res: Response; app: AppContext; raw: unknown; refusals: Refusal[] }) => Promise<RouteResult>;
}

export function defineRoute<PS extends z.ZodType | undefined = undefined, QS extends z.ZodType | undefined = undefined, BS extends z.ZodType | undefined = undefined>(
  def: RouteDef<PS, QS, BS>,
): RouteDef<PS, QS, BS> {
  return def;
}
