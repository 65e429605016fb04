/**
 * A route is declared once, with its zod schemas, and that declaration is used three times: to
 * validate the request, to serve it, and to describe it in the OpenAPI documents.
 */
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { AppContext } from '../app-context.js';
import type { PageRequest } from './pagination.js';

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

type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteDef<PS extends z.ZodType | undefined = any, QS extends z.ZodType | undefined = any, BS extends z.ZodType | undefined = any> {
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
  handler: (input: RouteInput<Infer<PS>, Infer<QS>, Infer<BS>>) => Promise<RouteResult>;
}

export function defineRoute<PS extends z.ZodType | undefined = undefined, QS extends z.ZodType | undefined = undefined, BS extends z.ZodType | undefined = undefined>(
  def: RouteDef<PS, QS, BS>,
): RouteDef<PS, QS, BS> {
  return def;
}
