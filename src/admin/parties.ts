/** Admin API: local parties (the tenants this platform speaks for). */
import { z } from 'zod';
import { defineRoute } from '../ocpi/route.js';
import type { LocalParty } from '../platform/parties/party-store.js';
import { syncLoopback } from '../platform/delegations/loopback.js';
import { conflict, notFound } from './errors.js';
import { PartyCreate, PartyPatch, PartyPath, PartyView } from './schemas.js';

export function partyView(p: LocalParty): z.infer<typeof PartyView> {
  return {
    country_code: p.countryCode,
    party_id: p.partyId,
    roles: p.roles,
    business_details: p.businessDetails as z.infer<typeof PartyView>['business_details'],
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

export const partyRoutes = [
  defineRoute({
    method: 'post',
    path: '/parties',
    successStatus: 201,
    summary: 'Register a local party (CPO, EMSP and/or SCSP)',
    body: PartyCreate,
    response: PartyView,
    errors: { 400: 'Invalid body', 409: 'Party exists' },
    handler: async ({ app, body }) => {
      const roles = body.roles ?? (body.role ? [body.role] : null);
      if (!roles) throw new Error('PartyCreate gives role or roles (its refine), never neither');
      const created = await app.parties.create({
        countryCode: body.country_code,
        partyId: body.party_id,
        roles,
        businessDetails: body.business_details,
      });
      if (!created) throw conflict(`Party ${body.country_code}/${body.party_id} exists already`);
      return { data: partyView(created) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/parties',
    summary: 'List local parties',
    response: z.array(PartyView),
    handler: async ({ app }) => ({ data: (await app.parties.list()).map(partyView) }),
  }),
  defineRoute({
    method: 'get',
    path: '/parties/:country_code/:party_id',
    summary: 'One local party',
    params: PartyPath,
    response: PartyView,
    errors: { 404: 'Unknown party' },
    handler: async ({ app, params }) => {
      const party = await app.parties.find(params.country_code, params.party_id);
      if (!party) throw notFound('Party');
      return { data: partyView(party) };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/parties/:country_code/:party_id',
    summary: 'Change the roles or business details of a local party',
    params: PartyPath,
    body: PartyPatch,
    response: PartyView,
    errors: { 404: 'Unknown party' },
    handler: async ({ app, params, body }) => {
      const updated = await app.parties.update(params.country_code, params.party_id, { roles: body.roles, businessDetails: body.business_details });
      if (!updated) throw notFound('Party');
      await syncLoopback(app);
      return { data: partyView(updated) };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/parties/:country_code/:party_id',
    summary: 'Remove a local party; its API keys (scope party:{cc}/{pid}) are revoked with it',
    params: PartyPath,
    errors: { 404: 'Unknown party' },
    handler: async ({ app, params }) => {
      if (!(await app.parties.delete(params.country_code, params.party_id))) throw notFound('Party');
      await app.services.adminKeys.revokePartyKeys(params.country_code, params.party_id);
      await syncLoopback(app);
      return {};
    },
  }),
];
