/**
 * Paginated list GETs (transport §7): offset/limit/date_from/date_to in, X-Total-Count,
 * X-Limit and an absolute `Link: <...>; rel="next"` out. The Link is built from the configured
 * public base URL, never from the Host header, and repeats every original filter.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { fromZod } from './errors.js';
import { HEADER } from './headers.js';
import { DateTime } from '../model/primitives.js';

export interface PageRequest {
  offset: number;
  limit: number;
  dateFrom?: Date;
  dateTo?: Date;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export const PaginationQuery = z.object({
  offset: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  date_from: DateTime.optional(),
  date_to: DateTime.optional(),
});

export interface PaginationSettings {
  publicBaseUrl: string;
  defaultLimit: number;
  maxLimit: number;
}

export function parsePageRequest(query: unknown, settings: PaginationSettings): PageRequest {
  const parsed = PaginationQuery.safeParse(query);
  if (!parsed.success) throw fromZod(parsed.error);
  const q = parsed.data;
  return {
    offset: q.offset ?? 0,
    limit: Math.min(q.limit ?? settings.defaultLimit, settings.maxLimit),
    dateFrom: q.date_from ? new Date(q.date_from) : undefined,
    dateTo: q.date_to ? new Date(q.date_to) : undefined,
  };
}

/**
 * Sets X-Total-Count, X-Limit and, when more objects follow, the next-page Link. X-Limit is the
 * limit this page was cut at (the client's, or the default, capped at our maximum): a client that
 * asked for 10 reads 10, one that asked for 2000 reads the cap (transport §7 example), and it
 * stays the same when the page holds fewer objects.
 */
export function writePageHeaders(req: Request, res: Response, page: PageRequest, returned: number, total: number, settings: PaginationSettings): void {
  res.setHeader(HEADER.totalCount, String(total));
  res.setHeader(HEADER.limit, String(Math.min(page.limit, settings.maxLimit)));
  const nextOffset = page.offset + returned;
  if (returned > 0 && nextOffset < total) {
    res.setHeader(HEADER.link, `<${nextPageUrl(req, nextOffset, page.limit, settings.publicBaseUrl)}>; rel="next"`);
  }
}

function nextPageUrl(req: Request, offset: number, limit: number, publicBaseUrl: string): string {
  const original = new URL(req.originalUrl, 'http://placeholder');
  const params = new URLSearchParams(original.search);
  params.delete('offset');
  params.delete('limit');
  params.append('offset', String(offset));
  params.append('limit', String(limit));
  return `${publicBaseUrl}${original.pathname}?${params.toString()}`;
}

declare module '../context.js' {
  interface AppContext {
    pagination: PaginationSettings;
  }
}
