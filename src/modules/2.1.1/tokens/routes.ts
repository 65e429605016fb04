/**
 * Tokens RECEIVER interface of our CPO parties for 2.1.1 eMSP peers (the CPO interface): PUT,
 * PATCH and GET of one token. Bodies are read in the 2.1.1 form, owned by the party in the path,
 * and written through the same receiver service as a 2.2.1 push. 2.1.1 has no `?type=`: the
 * body's type names the token, else the only token with that uid.
 */
import { z } from 'zod';
import { CountryCode, PartyId, ciString, formatDateTime } from '../../../model/primitives.js';
import { Token } from '../../../model/token.js';
import { callerOf } from '../../../ocpi/context.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { asModel, written } from '../shared/wire.js';
import { OCPI_VERSION } from '../version.js';
import { Token211, Token211Patch } from './schemas.js';
import { tokenFrom211, tokenTo211 } from './translate.js';

const TokenPath = z.object({ country_code: CountryCode, party_id: PartyId, token_uid: ciString(36) });
const PATH = '/:country_code/:party_id/:token_uid';

export const tokens211ReceiverInterface: ModuleInterface = {
  identifier: 'tokens',
  role: 'RECEIVER',
  owner: 'CPO',
  basePath: `/cpo/${OCPI_VERSION}/tokens`,
  acceptsTokenA: false,
  routed: true,
  routing: { senderInPath: true },
  routes: [
    defineRoute({
      method: 'get',
      path: PATH,
      summary: "Our stored copy of one of the caller's tokens (2.1.1 form)",
      params: TokenPath,
      response: Token211,
      errors: { 404: 'Unknown token, or a party the caller did not register' },
      handler: async ({ req, app, params }) => ({ data: tokenTo211(await app.services.receivedTokens.get(callerOf(req), params, undefined)) }),
    }),
    defineRoute({
      method: 'put',
      path: PATH,
      summary: 'Create (201) or replace (200) a token sent in the 2.1.1 form; an older version than ours is acknowledged and ignored',
      params: TokenPath,
      body: Token211,
      errors: { 201: 'Token created', 404: 'A party the caller did not register' },
      handler: async ({ req, app, params, body }) => {
        const token = asModel(Token, tokenFrom211(body, { country_code: params.country_code, party_id: params.party_id }));
        return written(await app.services.receivedTokens.put(callerOf(req), params, token.type, token));
      },
    }),
    defineRoute({
      method: 'patch',
      path: PATH,
      summary: 'Change some fields of a known token (2.1.1 form); without last_updated the time of receipt stands for it',
      params: TokenPath,
      body: Token211Patch,
      errors: { 404: 'Unknown token, or a party the caller did not register' },
      handler: async ({ req, app, params, body }) => {
        const patch = asModel(Token.partial(), tokenFrom211(body, null));
        const lastUpdated = body.last_updated ?? formatDateTime(new Date());
        return written(await app.services.receivedTokens.patch(callerOf(req), params, body.type ?? undefined, { ...patch, last_updated: lastUpdated }));
      },
    }),
  ],
};
