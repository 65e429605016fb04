/**
 * Tokens RECEIVER interface of our CPO parties (07-tokens §2.1): eMSP peers push their tokens
 * (PUT/PATCH) into our whitelist cache and read back our copy (GET). No POST, no DELETE: a
 * token is withdrawn with `valid: false`.
 */
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { written, OWNER_SENDS } from '../shared/client-owned.js';
import { defineRoute } from '../../../ocpi/route.js';
import { ReceiverTokenQuery, TokenPath } from './schemas.js';
import { Token, TokenPatch } from '../../../model/token.js';
import { OCPI_VERSION } from '../version.js';
import { callerOf } from '../../../ocpi/context.js';

const PATH = '/:country_code/:party_id/:token_uid';

/** PUT/PATCH answer without `data` (the spec defines none); 201 only for a new token. */

export const tokensReceiverInterface: ModuleInterface = {
  identifier: 'tokens',
  role: 'RECEIVER',
  owner: 'CPO',
  basePath: `/cpo/${OCPI_VERSION}/tokens`,
  acceptsTokenA: false,
  routed: true,
  routing: OWNER_SENDS,
  routes: [
    defineRoute({
      method: 'get',
      path: PATH,
      summary: "Our stored copy of one of the caller's tokens",
      params: TokenPath,
      query: ReceiverTokenQuery,
      response: Token,
      errors: { 404: 'Unknown token (2004), or a party the caller did not register (2000)' },
      handler: async ({ req, app, params, query }) => ({ data: await app.services.receivedTokens.get(callerOf(req), params, query.type) }),
    }),
    defineRoute({
      method: 'put',
      path: PATH,
      summary: 'Create (201) or replace (200) a token; an older version than ours is acknowledged and ignored',
      params: TokenPath,
      query: ReceiverTokenQuery,
      body: Token,
      errors: { 201: 'Token created', 404: 'A party the caller did not register (2000)' },
      handler: async ({ req, app, params, query, body }) => written(await app.services.receivedTokens.put(callerOf(req), params, query.type, body)),
    }),
    defineRoute({
      method: 'patch',
      path: PATH,
      summary: 'Change some fields of a known token; last_updated is required',
      params: TokenPath,
      query: ReceiverTokenQuery,
      body: TokenPatch,
      errors: { 404: 'Unknown token (2004), or a party the caller did not register (2000)' },
      handler: async ({ req, app, params, query, body }) => written(await app.services.receivedTokens.patch(callerOf(req), params, query.type, body)),
    }),
  ],
};
