/**
 * CPO backend API for real-time token authorization: the backend (a charger presenting an RFID
 * card, an app start) asks whether a token may charge, and gets the verdict with what it needs
 * to open the Session (contract_id, authorization_reference, auth_method).
 */
import { z } from 'zod';
import { LocationReferences } from '../../../model/authorization.js';
import { authorizeToken } from './authorize.js';
import { AllowedType, Token } from '../../../model/token.js';
import { defineRoute } from '../../../ocpi/route.js';
import { CountryCode, DisplayText, PartyId, ciString } from '../../../model/primitives.js';
import { TokenType } from '../../../model/cdr.js';
import { cpoParty } from '../../../admin/cpo-party.js';
import { PartyPath } from '../../../admin/schemas.js';

const AuthorizeInput = z.object({
  uid: ciString(36).min(1, { message: 'must not be empty' }),
  // The same default as the OCPI `?type=` (P2).
  type: TokenType.default('RFID'),
  token_owner: z
    .object({ country_code: CountryCode, party_id: PartyId })
    .optional()
    .describe("The token's eMSP, when the backend knows it: needed for tokens the eMSP did not push to us"),
  location: LocationReferences.optional().describe('Where the driver wants to charge; sent to the eMSP, which answers the allowed EVSEs'),
});

const AuthorizationView = z.object({
  allowed: AllowedType,
  source: z.enum(['STORE', 'PEER', 'FALLBACK']).describe('STORE: the cached token decided; PEER: the eMSP answered; FALLBACK: the eMSP could not be reached in time'),
  auth_method: z.enum(['AUTH_REQUEST', 'WHITELIST']).describe('What to put in the Session and CDR'),
  authorization_reference: z.string().optional().describe('Copy into the Session and CDR (P8)'),
  contract_id: z.string().optional(),
  visual_number: z.string().nullish(),
  group_id: z.string().nullish(),
  token: Token.optional(),
  location: LocationReferences.optional(),
  info: DisplayText.optional(),
});

export const cpoAuthorizeRoutes = [
  defineRoute({
    method: 'post',
    path: '/parties/:country_code/:party_id/authorize',
    summary: "Authorize a token: from the cache or in real time with the token's eMSP, as its whitelist requires",
    params: PartyPath,
    body: AuthorizeInput,
    response: AuthorizationView,
    errors: { 400: 'Invalid body (the field is named)', 404: 'Not a CPO party of this platform' },
    handler: async ({ app, params, body }) => {
      const party = await cpoParty(app, params);
      const result = await authorizeToken(app, party, { uid: body.uid, type: body.type, tokenOwner: body.token_owner, location: body.location });
      const token = result.token;
      return {
        data: {
          allowed: result.allowed,
          source: result.source,
          // Only a PEER answer is a real-time authorization; a fallback used no eMSP answer (§4).
          auth_method: result.source === 'PEER' ? 'AUTH_REQUEST' : 'WHITELIST',
          ...(result.authorization_reference ? { authorization_reference: result.authorization_reference } : {}),
          ...(token ? { contract_id: token.contract_id, visual_number: token.visual_number ?? null, group_id: token.group_id ?? null, token } : {}),
          ...(result.location ? { location: result.location } : {}),
          ...(result.info ? { info: result.info } : {}),
        },
      };
    },
  }),
];
