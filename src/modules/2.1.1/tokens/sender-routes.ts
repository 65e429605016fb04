/**
 * Tokens SENDER interface of our eMSP parties for 2.1.1 CPO peers (the eMSP interface): the
 * paginated list of the presented party's tokens and real-time authorization
 * (`POST {token_uid}/authorize`), both in the 2.1.1 form. The verdict comes from the same rules
 * as a 2.2.1 request (app.services.ownTokenAuthorization); the answer leaves out the Token and
 * the authorization_reference, which 2.1.1 does not know.
 */
import type { Request } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import type { Token } from '../../../model/token.js';
import { ciString } from '../../../model/primitives.js';
import { type PartyRef, callerOf, routingOf } from '../../../ocpi/context.js';
import { OcpiError } from '../../../ocpi/errors.js';
import { parsePageRequest } from '../../../ocpi/pagination.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { documentOf } from '../shared/wire.js';
import { OCPI_VERSION } from '../version.js';
import { AuthorizationInfo211, LocationReferences211, Token211, TokenType211 } from './schemas.js';
import { authorizationTo211, locationReferencesFrom211, tokenTo211 } from './translate.js';

/** An empty POST body reaches us as `{}`: no LocationReferences. */
const AuthorizeBody = LocationReferences211.partial()
  .refine((b) => b.location_id !== undefined || (b.evse_uids == null && b.connector_ids == null), {
    path: ['location_id'],
    message: 'required (LocationReferences.location_id)',
  })
  .nullish()
  .describe('LocationReferences, optional');

/** Tokens carry our drivers' contract ids: only a CPO (or a hub relaying to one) reads them. */
function assertCpoCaller(req: Request): void {
  if (!callerOf(req).roles.some((r) => r.role === 'CPO' || r.role === 'HUB')) {
    throw new OcpiError(OcpiStatus.CLIENT_ERROR, 'The calling party is not a CPO: tokens are shared with CPOs only', 403);
  }
}

/**
 * The type a 2.1.1 CPO names: RFID as it is; OTHER is also how our APP_USER and AD_HOC_USER
 * tokens reached it (2.1.1 has no such types), so those are tried after OTHER itself.
 */
async function storedType(app: AppContext, party: PartyRef, uid: string, type: TokenType211): Promise<string> {
  if (type === 'RFID') return type;
  for (const candidate of ['OTHER', 'APP_USER', 'AD_HOC_USER']) {
    if (await app.services.ownTokens.get(party, uid, candidate)) return candidate;
  }
  return type;
}

export const tokens211SenderInterface: ModuleInterface = {
  identifier: 'tokens',
  role: 'SENDER',
  owner: 'EMSP',
  basePath: `/emsp/${OCPI_VERSION}/tokens`,
  acceptsTokenA: false,
  routed: true,
  routes: [
    defineRoute({
      method: 'get',
      path: '/',
      summary: 'Tokens of the eMSP party this connection presents, oldest change first (2.1.1 form)',
      paginated: true,
      response: z.array(Token211),
      errors: { 403: 'The calling party is not a CPO (2000)' },
      handler: async ({ req, app }) => {
        assertCpoCaller(req);
        const page = parsePageRequest(req.query, app.pagination);
        const to = routingOf(req).to;
        const { documents, total } = await app.services.ownTokens.store.page(partyKey(to.countryCode, to.partyId), page);
        return { data: documents.map((d) => tokenTo211(documentOf<Token>(d))), page: { request: page, total } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/:token_uid/authorize',
      summary: 'Real-time authorization of a token of the presented eMSP party, optionally at a location (2.1.1 form)',
      description:
        'The body (LocationReferences) is optional; connector_ids are accepted and not judged (the EVSEs decide). A known token gets 1000 with the verdict in `allowed`; an unknown one HTTP 404 (2.1.1 has no 2004: 2000); 2002 when the token may only charge at some locations and none was given.',
      params: z.object({ token_uid: ciString(36) }),
      query: z.object({ type: TokenType211.default('RFID') }),
      body: AuthorizeBody,
      receives: 'requests',
      response: AuthorizationInfo211,
      errors: { 403: 'The calling party is not a CPO (2000)', 404: 'Unknown token (2000)' },
      handler: async ({ req, app, params, query, body }) => {
        assertCpoCaller(req);
        const party = routingOf(req).to;
        const location = body?.location_id === undefined ? undefined : locationReferencesFrom211({ ...body, location_id: body.location_id });
        const type = await storedType(app, party, params.token_uid, query.type);
        try {
          return { data: authorizationTo211(await app.services.ownTokenAuthorization.authorize(party, params.token_uid, type, location, req.ocpi)) };
        } catch (e) {
          // 2004 is a 2.2.1 code: a 2.1.1 CPO reads the unknown token from HTTP 404 with 2000.
          if (e instanceof OcpiError && e.statusCode === OcpiStatus.UNKNOWN_TOKEN) throw new OcpiError(OcpiStatus.CLIENT_ERROR, e.message, 404);
          throw e;
        }
      },
    }),
  ],
};
