/**
 * CPO backend API for locations: the CPO's own system PUTs and PATCHes OCPI-shaped objects at
 * location, EVSE or connector level; the platform stores them and pushes them to every peer.
 * It lists its own locations from the table (the read model serves OCPI pages only).
 */
import { z } from 'zod';
import { BackendConnectorPatch, BackendEvsePatch, BackendLocationPatch, ConnectorPath, EvsePath, LocationPath } from './schemas.js';
import { Connector, Evse, EvseStatus, Location } from '../../../model/location.js';
import { type Level } from './service.js';
import { defineRoute } from '../../../ocpi/route.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { notFound } from '../../../admin/errors.js';
import { cpoParty } from '../../../admin/cpo-party.js';
import { PartyPath } from '../../../admin/schemas.js';
import { pageOf, pageSchema } from '../shared/admin-received-query.js';
import { BooleanParam, OWN_LIST_ERRORS, ownListFields, ownedFilter, updatedRule } from '../shared/owned-admin-query.js';

const LocationsQuery = z
  .object({
    ...ownListFields,
    publish: BooleanParam.describe('Only locations with this publish flag'),
    status: EvseStatus.optional().describe('Locations with at least one EVSE in this status'),
  })
  .superRefine(updatedRule);

const listRoute = defineRoute({
  method: 'get',
  path: '/parties/:country_code/:party_id/locations',
  summary: "This CPO party's own locations, by last_updated (then id), with the total of the filtered set",
  params: PartyPath,
  query: LocationsQuery,
  response: pageSchema(Location),
  errors: OWN_LIST_ERRORS,
  handler: async ({ app, params, query }) => {
    const filter = { ...ownedFilter(await cpoParty(app, params), query), publish: query.publish, evseStatus: query.status };
    return { data: pageOf(query, await app.services.ownLocations.store.list(filter)) };
  },
});

const base = '/parties/:country_code/:party_id/locations/:location_id';

const levels = [
  {
    path: base,
    params: PartyPath.merge(LocationPath),
    full: Location,
    patch: BackendLocationPatch,
    name: 'location',
    level: (_p: Record<string, string>): Level => ({ kind: 'location' }),
  },
  {
    path: `${base}/:evse_uid`,
    params: PartyPath.merge(EvsePath),
    full: Evse,
    patch: BackendEvsePatch,
    name: 'EVSE',
    level: (p: Record<string, string>): Level => ({ kind: 'evse', evseUid: p.evse_uid }),
  },
  {
    path: `${base}/:evse_uid/:connector_id`,
    params: PartyPath.merge(ConnectorPath),
    full: Connector,
    patch: BackendConnectorPatch,
    name: 'connector',
    level: (p: Record<string, string>): Level => ({ kind: 'connector', evseUid: p.evse_uid, connectorId: p.connector_id }),
  },
];

const levelRoutes = levels.flatMap((l) => [
  defineRoute({
    method: 'put',
    path: l.path,
    summary: `Create or replace a ${l.name} (complete object); pushed to every receiving peer`,
    params: l.params,
    body: l.full,
    response: l.full,
    errors: { 400: 'Invalid object or ids not matching the path', 404: 'Unknown party or parent', 409: 'Older than the stored version' },
    handler: async ({ app, params, body }) => ({
      data: await app.services.ownLocations.put(await cpoParty(app, params), params.location_id, l.level(params), body as Record<string, unknown>),
    }),
  }),
  defineRoute({
    method: 'patch',
    path: l.path,
    summary: `Change some fields of a ${l.name} (last_updated defaults to now); parents' last_updated follows`,
    params: l.params,
    body: l.patch,
    response: l.full,
    errors: { 400: 'Invalid fields', 404: 'Unknown party or object', 409: 'Older than the stored version' },
    handler: async ({ app, params, body }) => ({
      data: await app.services.ownLocations.patch(await cpoParty(app, params), params.location_id, l.level(params), body as Record<string, unknown>),
    }),
  }),
  defineRoute({
    method: 'get',
    path: l.path,
    summary: `Read a ${l.name} as stored`,
    params: l.params,
    response: l.full,
    handler: async ({ app, params }) => {
      const party = await cpoParty(app, params);
      const found = await app.services.ownLocations.find([partyKey(party.countryCode, party.partyId)], params.location_id, l.level(params));
      if (!found) throw notFound(`${l.name[0].toUpperCase()}${l.name.slice(1)}`);
      return { data: found };
    },
  }),
]);

export const cpoLocationRoutes = [listRoute, ...levelRoutes];
