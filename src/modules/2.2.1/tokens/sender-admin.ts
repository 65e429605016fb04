/**
 * eMSP backend API for tokens: the eMSP's own system issues, changes, blocks and unblocks the
 * tokens of its drivers; the platform stores them, pushes every change to the CPO peers and
 * answers their real-time authorizations from them.
 */
import { z } from 'zod';
import { OwnTokenInput, OwnTokenPatch, OwnTokenView } from './sender-schemas.js';
import { tokenView } from './sender-service.js';
import { defineRoute } from '../../../ocpi/route.js';
import { DateTime, ciString } from '../../../model/primitives.js';
import { TokenType } from '../../../model/cdr.js';
import { emspParty } from '../../../admin/emsp-party.js';
import { notFound } from '../../../admin/errors.js';
import { PartyPath } from '../../../admin/schemas.js';

const base = '/parties/:country_code/:party_id/tokens';
const TokenPathParams = PartyPath.extend({ uid: ciString(36).min(1, { message: 'must not be empty' }) });
/** `type` is part of a token's identity (07-tokens P2); RFID when absent, as in OCPI. */
const TypeQuery = z.object({ type: TokenType.default('RFID') });

const TokenList = z.object({ total: z.number().int(), offset: z.number().int(), limit: z.number().int(), items: z.array(OwnTokenView) });

const Params404 = 'Not an eMSP party of this platform, or unknown token';

function validity(valid: boolean, summary: string) {
  return defineRoute({
    method: 'post',
    path: `${base}/:uid/${valid ? 'unblock' : 'block'}`,
    summary,
    description: 'Nothing is pushed when the token already has that validity.',
    params: TokenPathParams,
    query: TypeQuery,
    response: OwnTokenView,
    errors: { 404: Params404 },
    handler: async ({ app, params, query }) => ({ data: tokenView(await app.services.ownTokens.setValid(await emspParty(app, params), params.uid, query.type, valid)) }),
  });
}

export const emspTokenRoutes = [
  defineRoute({
    method: 'put',
    path: `${base}/:uid`,
    summary: 'Create (201) or replace (200) a token; pushed as a PUT to every CPO peer with a tokens RECEIVER',
    description:
      'A complete OCPI Token. country_code, party_id and uid must be those of the path, type that of `?type=` when given. last_updated is set by the platform when absent. `expires_at` and `allowed_locations` are platform rules for POST authorize, never sent to peers.',
    params: TokenPathParams,
    query: z.object({ type: TokenType.optional() }),
    body: OwnTokenInput,
    response: OwnTokenView,
    errors: {
      201: 'Token created',
      400: 'Invalid token or identity not matching the path (fields named)',
      404: 'Not an eMSP party of this platform',
      409: 'Older than the stored version',
    },
    handler: async ({ app, params, query, body }) => {
      const { record, created } = await app.services.ownTokens.put(await emspParty(app, params), params.uid, query.type, body);
      return { data: tokenView(record), httpStatus: created ? 201 : 200 };
    },
  }),
  defineRoute({
    method: 'patch',
    path: `${base}/:uid`,
    summary: 'Change some fields of a token; the changed OCPI fields are pushed as a PATCH with last_updated',
    description: 'Identity fields may be repeated but not changed. A change of `expires_at` or `allowed_locations` alone is not pushed and keeps last_updated.',
    params: TokenPathParams,
    query: TypeQuery,
    body: OwnTokenPatch,
    response: OwnTokenView,
    errors: { 400: 'Invalid fields (named)', 404: Params404, 409: 'Older than the stored version' },
    handler: async ({ app, params, query, body }) => ({ data: tokenView(await app.services.ownTokens.patch(await emspParty(app, params), params.uid, query.type, body)) }),
  }),
  validity(false, 'Block a token (valid: false); pushed as a PATCH {valid, last_updated}'),
  validity(true, 'Unblock a token (valid: true); pushed as a PATCH {valid, last_updated}'),
  defineRoute({
    method: 'get',
    path: base,
    summary: "The party's tokens, oldest change first",
    params: PartyPath,
    query: z.object({
      valid: z
        .enum(['true', 'false'])
        .transform((v) => v === 'true')
        .optional(),
      updated_since: DateTime.optional().describe('Only tokens with last_updated at or after this time'),
      offset: z.coerce.number().int().min(0).default(0),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
    response: TokenList,
    errors: { 404: 'Not an eMSP party of this platform' },
    handler: async ({ app, params, query }) => {
      const party = await emspParty(app, params);
      const { records, total } = await app.services.ownTokens.list(party, {
        valid: query.valid,
        updatedSince: query.updated_since ? new Date(query.updated_since) : undefined,
        offset: query.offset,
        limit: query.limit,
      });
      return { data: { total, offset: query.offset, limit: query.limit, items: records.map(tokenView) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: `${base}/:uid`,
    summary: 'Read a token as stored, with its platform rules',
    params: TokenPathParams,
    query: TypeQuery,
    response: OwnTokenView,
    errors: { 404: Params404 },
    handler: async ({ app, params, query }) => {
      const record = await app.services.ownTokens.get(await emspParty(app, params), params.uid, query.type);
      if (!record) throw notFound(`Token ${params.uid} of type ${query.type}`);
      return { data: tokenView(record) };
    },
  }),
];
