/**
 * What an admin API key may do. One rule, on the concrete path under /admin, so that every route
 * (declared ones, the queue dashboard, paths that match nothing) is judged the same way:
 *
 * - `admin`: everything;
 * - `read`: GET and HEAD, anywhere;
 * - `party:CC/PID`: the party's own backend API, every path strictly below
 *   `/parties/{cc}/{pid}/` (any method; country code and party id compared case-insensitively).
 *
 * Every key may ask `GET /whoami` who it is.
 */
import { z } from 'zod';

export type KeyScope = { kind: 'admin' } | { kind: 'read' } | { kind: 'party'; countryCode: string; partyId: string };

const PARTY_SCOPE = /^party:([A-Za-z]{2})\/([A-Za-z0-9]{3})$/;

/** `admin`, `read` or `party:CC/PID` (the party in any case); the value is the scope as stored (upper-cased party). */
export const ScopeText = z
  .string()
  .regex(/^(admin|read|party:[A-Za-z]{2}\/[A-Za-z0-9]{3})$/, 'must be admin, read or party:{country_code}/{party_id}, e.g. party:NL/CPO')
  .transform((text, ctx) => {
    const scope = parseScope(text);
    if (scope) return formatScope(scope);
    ctx.addIssue({ code: 'custom', message: 'must be admin, read or party:{country_code}/{party_id}' });
    return z.NEVER;
  });

export function parseScope(text: string): KeyScope | null {
  if (text === 'admin' || text === 'read') return { kind: text };
  const party = PARTY_SCOPE.exec(text);
  return party ? { kind: 'party', countryCode: party[1].toUpperCase(), partyId: party[2].toUpperCase() } : null;
}

export function formatScope(scope: KeyScope): string {
  return scope.kind === 'party' ? `party:${scope.countryCode}/${scope.partyId}` : scope.kind;
}

const READS = new Set(['GET', 'HEAD']);
// Express matches routes case-insensitively: so does this rule.
const UNDER_PARTY = /^\/parties\/([^/]+)\/([^/]+)\/[^/]/i;
const WHOAMI = /^\/whoami\/?$/i;

/** `path`: as the router sees it under /admin (percent-encoded, no query string). */
export function scopeAllows(scope: KeyScope, method: string, path: string): boolean {
  if (scope.kind === 'admin') return true;
  if (READS.has(method) && WHOAMI.test(path)) return true;
  if (scope.kind === 'read') return READS.has(method);
  const party = partyOfPath(path);
  return party !== null && party.countryCode === scope.countryCode && party.partyId === scope.partyId;
}

/** The party a path below `/parties/{cc}/{pid}/` names, upper-cased; null for any other path. */
export function partyOfPath(path: string): { countryCode: string; partyId: string } | null {
  const m = UNDER_PARTY.exec(path);
  if (!m) return null;
  try {
    return { countryCode: decodeURIComponent(m[1]).toUpperCase(), partyId: decodeURIComponent(m[2]).toUpperCase() };
  } catch {
    return null; // malformed percent-encoding: the router would not match it either
  }
}

/** For a 403: the key's scope and what it allows. */
export function describeScope(scope: KeyScope): string {
  switch (scope.kind) {
    case 'admin':
      return 'scope admin allows every call';
    case 'read':
      return 'scope read allows GET and HEAD of the admin API only';
    case 'party':
      return `scope ${formatScope(scope)} allows the backend API of party ${scope.countryCode}/${scope.partyId} only (any method under /admin/parties/${scope.countryCode}/${scope.partyId}/), and GET /admin/whoami`;
  }
}
