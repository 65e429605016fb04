/**
 * CPO backend API for tariffs: the CPO's own system PUTs complete OCPI Tariffs and deletes
 * them; the platform stores them and pushes every change to every receiving peer.
 */
import { z } from 'zod';
import { Tariff } from '../../../model/tariff.js';
import { TariffPath } from './schemas.js';
import { defineRoute } from '../../../ocpi/route.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { notFound } from '../../../admin/errors.js';
import { cpoParty } from '../../../admin/cpo-party.js';
import { PartyPath } from '../../../admin/schemas.js';
import { pageOf, pageSchema } from '../shared/admin-received-query.js';
import { OWN_LIST_ERRORS, ownListFields, ownedFilter, updatedRule } from '../shared/owned-admin-query.js';

const path = '/parties/:country_code/:party_id/tariffs/:tariff_id';
const Params = PartyPath.merge(TariffPath);

/** Only a local CPO party owns tariffs; any other party is unknown here. */

export const cpoTariffRoutes = [
  defineRoute({
    method: 'get',
    path: '/parties/:country_code/:party_id/tariffs',
    summary: "This CPO party's own tariffs (deleted ones are gone), by last_updated (then id), with the total of the filtered set",
    params: PartyPath,
    query: z.object(ownListFields).superRefine(updatedRule),
    response: pageSchema(Tariff),
    errors: OWN_LIST_ERRORS,
    handler: async ({ app, params, query }) => ({
      data: pageOf(query, await app.services.ownTariffs.store.list(ownedFilter(await cpoParty(app, params), query))),
    }),
  }),
  defineRoute({
    method: 'put',
    path,
    summary: 'Create or replace a tariff (complete object); pushed to every receiving peer',
    description: 'id, country_code and party_id of the body must be those of the path. The tariff must pass the tariff engine validation.',
    params: Params,
    body: Tariff,
    response: Tariff,
    errors: { 400: 'Invalid tariff or ids not matching the path', 404: 'Unknown CPO party', 409: 'Older than the stored version (or than its deletion)' },
    handler: async ({ app, params, body }) => ({ data: await app.services.ownTariffs.put(await cpoParty(app, params), params.tariff_id, body) }),
  }),
  defineRoute({
    method: 'get',
    path,
    summary: 'Read a tariff as stored',
    params: Params,
    response: Tariff,
    errors: { 404: 'Unknown CPO party or tariff' },
    handler: async ({ app, params }) => {
      const party = await cpoParty(app, params);
      const found = await app.services.ownTariffs.find(partyKey(party.countryCode, party.partyId), params.tariff_id);
      if (!found) throw notFound(`Tariff ${params.tariff_id}`);
      return { data: found };
    },
  }),
  defineRoute({
    method: 'delete',
    path,
    summary: 'Delete a tariff for good; a DELETE is pushed to every receiving peer',
    description: 'OCPI advises to first remove the tariff id from every connector that lists it.',
    params: Params,
    successStatus: 204,
    errors: { 404: 'Unknown CPO party or tariff' },
    handler: async ({ app, params }) => {
      await app.services.ownTariffs.remove(await cpoParty(app, params), params.tariff_id);
      return {};
    },
  }),
];
