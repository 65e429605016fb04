/**
 * Admin API keys: create one per party backend (or for read-only tools), list them, revoke them;
 * and `GET /whoami`, which tells any valid key its own name and scope.
 */
import type { Response } from 'express';
import { z } from 'zod';
import { defineRoute } from '../ocpi/route.js';
import { type AdminPrincipal, BOOTSTRAP_KEY_NAME } from '../platform/api-keys/admin-keys.js';
import type { ApiKeyRecord } from '../platform/api-keys/key-store.js';
import { ScopeText, parseScope } from '../platform/api-keys/scope.js';
import { AdminError, notFound } from './errors.js';

/** Set by the admin guard (mount.ts) once the key is known; every admin handler runs after it. */
export function callerKey(res: Response): AdminPrincipal {
  const principal: unknown = res.locals.adminKey;
  if (!principal) throw new Error('admin route mounted without requireAdminKey');
  return principal as AdminPrincipal;
}

export function setCallerKey(res: Response, principal: AdminPrincipal): void {
  res.locals.adminKey = principal;
}

const KeyName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._@:-]*$/, 'must start with a letter or digit and hold only letters, digits, spaces and . _ @ : -')
  .refine((n) => n.toUpperCase() !== BOOTSTRAP_KEY_NAME, `${BOOTSTRAP_KEY_NAME} is the name of the bootstrap key`);

const ApiKeyCreate = z.object({
  name: KeyName.describe('Unique among keys that are not revoked (case-insensitively), e.g. "NL-CPO backend"'),
  scope: ScopeText.describe("admin (everything), read (every GET and HEAD) or party:{country_code}/{party_id} (that party's backend API under /admin/parties/{cc}/{pid}/)"),
});

const ApiKeyView = z.object({
  id: z.string().uuid(),
  name: z.string(),
  scope: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable().describe('Updated at most once a minute'),
  revoked_at: z.string().nullable(),
});

const ApiKeyPath = z.object({ id: z.string().uuid() });

function view(k: ApiKeyRecord): z.infer<typeof ApiKeyView> {
  return {
    id: k.id,
    name: k.name,
    scope: k.scope,
    created_at: k.createdAt.toISOString(),
    last_used_at: k.lastUsedAt?.toISOString() ?? null,
    revoked_at: k.revokedAt?.toISOString() ?? null,
  };
}

export const apiKeyRoutes = [
  defineRoute({
    method: 'post',
    path: '/api-keys',
    successStatus: 201,
    summary: 'Create an admin API key; the key itself is in this answer only',
    description:
      "Only a hash of the key is stored: keep the `key` of this answer, it cannot be shown again. A party scope needs the party to exist; the key then reaches only that party's backend API.",
    body: ApiKeyCreate,
    response: ApiKeyView.extend({ key: z.string().describe('Authorization: Bearer <key>. Shown once.') }),
    errors: { 400: 'Invalid name or scope (named in the error), or the party of the scope does not exist', 409: 'A key that is not revoked has this name' },
    handler: async ({ app, body }) => {
      const scope = parseScope(body.scope);
      if (scope?.kind === 'party' && !(await app.parties.find(scope.countryCode, scope.partyId))) {
        const message = `party ${scope.countryCode}/${scope.partyId} does not exist`;
        throw new AdminError(400, 'validation_failed', `body.scope: ${message}`, [{ path: 'body.scope', message }]);
      }
      const created = await app.services.adminKeys.create(body.name, body.scope);
      if (!created) {
        const message = `a key named ${body.name} exists already (revoke it first, or choose another name)`;
        throw new AdminError(409, 'conflict', `body.name: ${message}`, [{ path: 'body.name', message }]);
      }
      return { data: { ...view(created.record), key: created.key } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api-keys',
    summary: 'List admin API keys (never the keys themselves), oldest first',
    query: z.object({ include_revoked: z.enum(['true', 'false']).default('true').describe('false: only keys that are not revoked') }),
    response: z.array(ApiKeyView),
    handler: async ({ app, query }) => ({ data: (await app.services.adminKeys.store.list({ includeRevoked: query.include_revoked === 'true' })).map(view) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api-keys/:id',
    summary: 'One admin API key (never the key itself)',
    params: ApiKeyPath,
    response: ApiKeyView,
    errors: { 404: 'Unknown key' },
    handler: async ({ app, params }) => {
      const key = await app.services.adminKeys.store.get(params.id);
      if (!key) throw notFound('API key');
      return { data: view(key) };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api-keys/:id',
    summary: 'Revoke an admin API key: every API process refuses it from the moment this answers',
    description: 'Revoking a key revoked before answers 204 too. A 503 means the other API processes could not be told: repeat the call.',
    params: ApiKeyPath,
    errors: { 404: 'Unknown key', 503: 'Revoked, but not every API process could be told yet: repeat the call' },
    handler: async ({ app, params }) => {
      if (!(await app.services.adminKeys.revoke(params.id))) throw notFound('API key');
      return {};
    },
  }),
  defineRoute({
    method: 'get',
    path: '/whoami',
    summary: 'The key of this call: its name and scope (allowed for every valid key)',
    response: z.object({ name: z.string().describe(`${BOOTSTRAP_KEY_NAME} for the bootstrap key`), scope: z.string().describe('admin, read or party:{country_code}/{party_id}') }),
    handler: async ({ res }) => {
      const key = callerKey(res);
      return { data: { name: key.name, scope: key.scopeText } };
    },
  }),
];
