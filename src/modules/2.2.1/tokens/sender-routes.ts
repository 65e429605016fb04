/**
 * Tokens SENDER interface of our eMSP parties (07-tokens §2.2): CPOs pull the addressed eMSP
 * party's tokens (paginated, for start-up and periodic resync) and ask in real time whether one
 * may charge (`POST {token_uid}/authorize`).
 */
import type { Request } from 'express';
import { z } from 'zod';
import { OcpiError } from '../../../ocpi/errors.js';
import { parsePageRequest } from '../../../ocpi/pagination.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { ciEquals, ciString, optionalList } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { AuthorizationInfo, type LocationReferences } from '../../../model/authorization.js';
import { Token } from '../../../model/token.js';
import { TokenQuery } from './schemas.js';
import { authorizeOwnToken } from './sender-authorize.js';
import { OCPI_VERSION } from '../version.js';
import { callerOf, routingOf } from '../../../ocpi/context.js';

/**
 * The optional body of POST authorize. A POST without a body reaches us as `{}` (Content-Length:
 * 0 is parsed as an empty object), which must mean "no LocationReferences"; location_id is
 * required only once anything else is given.
 */
const AuthorizeBody = z
  .object({
    location_id: ciString(36).optional().describe('Required when the body is given'),
    evse_uids: optionalList(ciString(36)),
  })
  .refine((b) => b.location_id !== undefined || b.evse_uids == null, { path: ['location_id'], message: 'required (LocationReferences.location_id)' })
  .nullish()
  .describe('LocationReferences, optional');

function locationOf(body: z.infer<typeof AuthorizeBody>): LocationReferences | undefined {
  return body?.location_id === undefined ? undefined : { location_id: body.location_id, evse_uids: body.evse_uids };
}

/** Roles that may read our drivers' tokens: CPOs use them, hubs relay them to CPOs. */
const READER_ROLES = ['CPO', 'HUB'];

/**
 * The calling party (OCPI-from-*) must have registered a CPO (or hub) role: tokens carry
 * contract ids of our drivers, which other eMSPs have no use for. HTTP 403 like any other
 * refusal of a registered party.
 */
function assertCpoCaller(req: Request): void {
  const from = routingOf(req).from;
  const ok = callerOf(req).roles.some((r) => READER_ROLES.includes(r.role) && ciEquals(r.countryCode, from.countryCode) && ciEquals(r.partyId, from.partyId));
  if (!ok) throw new OcpiError(OcpiStatus.CLIENT_ERROR, `Party ${from.countryCode}/${from.partyId} did not register a CPO role: tokens are shared with CPOs only`, 403);
}

export const tokensSenderInterface: ModuleInterface = {
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
      summary: 'Tokens of the addressed eMSP party (OCPI-to-*), oldest change first',
      paginated: true,
      response: z.array(Token),
      errors: { 403: 'The calling party did not register a CPO role (2000)' },
      handler: async ({ req, app }) => {
        assertCpoCaller(req);
        const page = parsePageRequest(req.query, app.pagination);
        const to = routingOf(req).to;
        const { documents, total } = await app.services.ownTokens.store.page(partyKey(to.countryCode, to.partyId), page);
        return { rawData: `[${documents.join(',')}]`, returned: documents.length, page: { request: page, total } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/:token_uid/authorize',
      summary: 'Real-time authorization of a token of the addressed eMSP party, optionally at a location',
      description:
        'The body (LocationReferences) is optional. A known token always gets 1000 with the verdict in `allowed`; an unknown one HTTP 404 with 2004 and no data; 2002 when the token may only charge at some locations and none was given.',
      params: z.object({ token_uid: ciString(36) }),
      query: TokenQuery,
      body: AuthorizeBody,
      receives: 'requests',
      response: AuthorizationInfo,
      errors: { 403: 'The calling party did not register a CPO role (2000)', 404: 'Unknown token (2004)' },
      handler: async ({ req, app, params, query, body }) => {
        assertCpoCaller(req);
        return { data: await authorizeOwnToken(app, routingOf(req).to, params.token_uid, query.type, locationOf(body), req.ocpi) };
      },
    }),
  ],
};
