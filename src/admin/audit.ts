/**
 * The admin audit log: what gets recorded (every call but GET and HEAD made with a valid key,
 * carried out or refused: who, which route and target, the outcome; never a body, a key or a
 * token) and `GET /admin/audit` to read it.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { CountryCode, PartyId } from '../model/primitives.js';
import type { RouteDef } from '../ocpi/route.js';
import { defineRoute } from '../ocpi/route.js';
import type { AdminPrincipal } from '../platform/api-keys/admin-keys.js';
import { partyOfPath } from '../platform/api-keys/scope.js';
import { partyKey } from '../platform/parties/party-store.js';

export interface RouteMatch {
  route: string;
  params: Record<string, string>;
}

export type RouteResolver = (method: string, path: string) => RouteMatch | null;

/**
 * The declared route a method and path reach, matched the way the router does (in declaration
 * order, case-insensitively, an optional trailing slash, decoded parameters). Resolved after the
 * answer, so that a call refused before routing (a scope refusal) is recorded with its route too.
 */
export function routeResolver(routes: RouteDef[]): RouteResolver {
  const compiled = routes.map((r) => {
    const names: string[] = [];
    const source = r.path
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(segment.slice(1));
        return '([^/]+)';
      })
      .join('/');
    return { method: r.method.toUpperCase(), route: r.path, names, pattern: new RegExp(`^${source}/?$`, 'i') };
  });
  return (method, path) => {
    for (const c of compiled) {
      if (c.method !== method) continue;
      const m = c.pattern.exec(path);
      if (m) return { route: c.route, params: Object.fromEntries(c.names.map((n, i) => [n, decode(m[i + 1])])) };
    }
    return null;
  };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const UNAUDITED = new Set(['GET', 'HEAD']);
/** Status recorded when the client left before its answer was complete (nginx's convention). */
const CLIENT_CLOSED = 499;

/**
 * Records this call once its answer is decided, if it is one that may change something. `path`
 * is under /admin; `resolve` names the route (the queue dashboard gives a fixed one). Called
 * once the key is known: unauthenticated calls are counted by the auth-failure summary instead.
 */
export function auditCall(app: AppContext, req: Request, res: Response, principal: AdminPrincipal, path: string, resolve: RouteResolver): void {
  if (UNAUDITED.has(req.method)) return;
  const method = req.method;
  const requestId = req.ocpi?.requestId ?? null;
  let recorded = false;
  const record = () => {
    if (recorded) return;
    recorded = true;
    try {
      const finished = res.writableFinished;
      const match = resolve(method, path);
      const params = match?.params ?? {};
      // A route whose target is not in its path (a created record, the parties a body named) adds it.
      const target = { ...auditTargetOf(res), ...params };
      app.services.adminAudit.record({
        at: new Date(),
        keyId: principal.id,
        keyName: principal.name,
        keyScope: principal.scopeText,
        method,
        route: match?.route ?? null,
        path,
        target,
        partyKey: partyNamed(params, path),
        status: finished ? res.statusCode : CLIENT_CLOSED,
        // Set by the admin error handler: the code only, never the message (it may quote input).
        errorCode: finished ? (typeof res.locals.errorCode === 'string' ? res.locals.errorCode : null) : 'client_closed_request',
        requestId,
      });
    } catch (e) {
      app.log.error({ err: (e as Error).message, method, status: res.statusCode }, 'could not record an admin audit entry');
    }
  };
  res.once('finish', record);
  res.once('close', record);
}

/**
 * Lets a route name what a call acted on when its path does not (the id it created, the
 * parties it linked): identifiers only, never a body field that may carry a secret.
 */
export function setAuditTarget(res: Response, target: Record<string, string>): void {
  res.locals.auditTarget = target;
}

function auditTargetOf(res: Response): Record<string, string> {
  const t: unknown = res.locals.auditTarget;
  if (typeof t !== 'object' || t === null) return {};
  return Object.fromEntries(Object.entries(t).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function partyNamed(params: Record<string, string>, path: string): string | null {
  const cc = params.country_code;
  const pid = params.party_id;
  if (cc !== undefined && pid !== undefined) return /^[A-Za-z]{2}$/.test(cc) && /^[A-Za-z0-9]{3}$/.test(pid) ? partyKey(cc, pid) : null;
  const party = partyOfPath(path);
  return party && /^[A-Z]{2}$/.test(party.countryCode) && /^[A-Z0-9]{3}$/.test(party.partyId) ? party.countryCode + party.partyId : null;
}

const MAX_LIMIT = 500;
const Instant = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time, e.g. 2025-06-01T08:00:00Z');

const AuditQuery = z
  .object({
    key_name: z.string().min(1).max(64).optional().describe('Name of the key (ADMIN_API_KEY for the bootstrap key), case-insensitively'),
    key_id: z.string().uuid().optional(),
    method: z
      .string()
      .transform((m) => m.toUpperCase())
      .pipe(z.enum(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']))
      .optional(),
    route: z.string().max(200).optional().describe('Path template as in the audit entry, e.g. /peers/:id/rotate'),
    party: z
      .string()
      .regex(/^[A-Za-z]{2}\*[A-Za-z0-9]{3}$/, 'must be COUNTRY*PARTY, e.g. NL*CPO')
      .optional()
      .describe('The party the call named in its path, as COUNTRY*PARTY; or give country_code and party_id'),
    country_code: CountryCode.optional(),
    party_id: PartyId.optional(),
    target: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('Any value of the call’s target (a path parameter such as a peer or location id; a delegation’s parties), case-insensitively'),
    outcome: z.enum(['ok', 'refused', 'failed']).optional().describe('ok: answered below 400; refused: 401 or 403; failed: any other error (499: the client left first)'),
    status: z.coerce.number().int().min(100).max(599).optional().describe('Exact HTTP status'),
    from: Instant.optional().describe('Calls at or after this time'),
    to: Instant.optional().describe('Calls before this time'),
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(50).describe(`Page size, at most ${MAX_LIMIT}`),
  })
  .superRefine((q, ctx) => {
    if (q.party !== undefined && (q.country_code !== undefined || q.party_id !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['party'], message: 'give either party or country_code and party_id, not both' });
    } else if ((q.country_code === undefined) !== (q.party_id === undefined)) {
      ctx.addIssue({ code: 'custom', path: [q.country_code === undefined ? 'country_code' : 'party_id'], message: 'country_code and party_id go together' });
    }
    if (q.from !== undefined && q.to !== undefined && Date.parse(q.from) > Date.parse(q.to)) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    }
  });

const AuditEntryView = z.object({
  id: z.string(),
  at: z.string(),
  key_id: z.string().nullable().describe('null for ADMIN_API_KEY'),
  key_name: z.string(),
  key_scope: z.string(),
  method: z.string(),
  route: z.string().nullable().describe('Path template of the route; null when none matched'),
  path: z.string().describe('The path under /admin, without query string'),
  target: z.record(z.string(), z.string()).describe('Path parameters of the call, and what a route adds (a created id, the parties it linked)'),
  status: z.number().int(),
  error_code: z.string().nullable(),
  request_id: z.string().nullable(),
});

export const auditRoutes = [
  defineRoute({
    method: 'get',
    path: '/audit',
    summary: 'Admin calls that change something, newest first: who, which route and target, the outcome',
    description:
      'Every call but GET and HEAD made with a valid key is recorded once answered, whether carried out or refused (403). Calls without a valid key are not (they are summarised in the log). Bodies, keys and tokens are never recorded.',
    query: AuditQuery,
    response: z.object({
      total: z.number().int().describe('Entries matching the filters, all pages'),
      offset: z.number().int(),
      limit: z.number().int(),
      items: z.array(AuditEntryView),
    }),
    errors: { 400: 'A query parameter is invalid (named in the error)' },
    handler: async ({ app, query }) => {
      const party = query.party ? query.party.replace('*', '') : query.country_code && query.party_id ? query.country_code + query.party_id : undefined;
      const page = await app.services.adminAudit.list({
        keyName: query.key_name,
        keyId: query.key_id,
        method: query.method,
        route: query.route,
        partyKey: party?.toUpperCase(),
        target: query.target,
        outcome: query.outcome,
        status: query.status,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
        offset: query.offset,
        limit: query.limit,
      });
      return {
        data: {
          total: page.total,
          offset: query.offset,
          limit: query.limit,
          items: page.items.map((e) => ({
            id: String(e.id),
            at: e.at.toISOString(),
            key_id: e.keyId,
            key_name: e.keyName,
            key_scope: e.keyScope,
            method: e.method,
            route: e.route,
            path: e.path,
            target: e.target,
            status: e.status,
            error_code: e.errorCode,
            request_id: e.requestId,
          })),
        },
      };
    },
  }),
];
