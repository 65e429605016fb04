/**
 * Locations RECEIVER interface of our eMSP parties (02-locations §3): CPO peers push their
 * locations, EVSEs and connectors (PUT/PATCH) and read back our copy (GET). No POST, no
 * DELETE: an EVSE is retired with PATCH `status: REMOVED`.
 */
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { written, PARTY_404, OWNER_SENDS } from '../shared/client-owned.js';
import { defineRoute } from '../../../ocpi/route.js';
import { ReceiverConnectorPath, ReceiverEvsePath, ReceiverLocationPath, type Patch } from './receiver-service.js';
import { Connector, ConnectorPatch, Evse, EvsePatch, Location, LocationPatch } from '../../../model/location.js';
import { OCPI_VERSION } from '../version.js';
import { callerOf } from '../../../ocpi/context.js';

const LOCATION = '/:country_code/:party_id/:location_id';
const EVSE = `${LOCATION}/:evse_uid`;
const CONNECTOR = `${EVSE}/:connector_id`;

/** PUT/PATCH answer without `data` (the spec defines none); 201 only for a new object. */

export const locationsReceiverInterface: ModuleInterface = {
  identifier: 'locations',
  role: 'RECEIVER',
  owner: 'EMSP',
  basePath: `/emsp/${OCPI_VERSION}/locations`,
  acceptsTokenA: false,
  routed: true,
  routing: OWNER_SENDS,
  routes: [
    defineRoute({
      method: 'get',
      path: LOCATION,
      summary: "Our stored copy of one of the caller's locations",
      params: ReceiverLocationPath,
      response: Location,
      errors: { 404: `Unknown location (2003), or ${PARTY_404}` },
      handler: async ({ req, app, params }) => ({ data: await app.services.receivedLocations.getLocation(callerOf(req), params) }),
    }),
    defineRoute({
      method: 'put',
      path: LOCATION,
      summary: 'Create (201) or replace (200) a location; an older version than ours is acknowledged and ignored',
      params: ReceiverLocationPath,
      body: Location,
      errors: { 201: 'Location created', 404: PARTY_404 },
      handler: async ({ req, app, params, body }) => {
        return written(await app.services.receivedLocations.putLocation(callerOf(req), params, body, req.ocpi.routing?.to));
      },
    }),
    defineRoute({
      method: 'patch',
      path: LOCATION,
      summary: 'Change some fields of a known location; last_updated is required, a list replaces the whole list',
      params: ReceiverLocationPath,
      body: LocationPatch,
      errors: { 404: `Unknown location (2003), or ${PARTY_404}` },
      handler: async ({ req, app, params, body }) => {
        return written(await app.services.receivedLocations.patchLocation(callerOf(req), params, body as Patch<Location>, req.ocpi.routing?.to));
      },
    }),
    defineRoute({
      method: 'get',
      path: EVSE,
      summary: "Our stored copy of one EVSE of the caller's locations",
      params: ReceiverEvsePath,
      response: Evse,
      errors: { 404: `Unknown location (2003), unknown EVSE (2000), or ${PARTY_404}` },
      handler: async ({ req, app, params }) => ({ data: await app.services.receivedLocations.getEvse(callerOf(req), params) }),
    }),
    defineRoute({
      method: 'put',
      path: EVSE,
      summary: 'Add (201) or replace (200) an EVSE of a known location; its last_updated is copied to the location',
      params: ReceiverEvsePath,
      body: Evse,
      errors: { 201: 'EVSE created', 404: `Unknown location (2003): PUT the full location, or ${PARTY_404}` },
      handler: async ({ req, app, params, body }) => {
        return written(await app.services.receivedLocations.putEvse(callerOf(req), params, body, req.ocpi.routing?.to));
      },
    }),
    defineRoute({
      method: 'patch',
      path: EVSE,
      summary: 'Change some fields of a known EVSE (e.g. status); last_updated is required and copied to the location',
      params: ReceiverEvsePath,
      body: EvsePatch,
      errors: { 404: `Unknown location (2003), unknown EVSE (2000), or ${PARTY_404}` },
      handler: async ({ req, app, params, body }) => {
        return written(await app.services.receivedLocations.patchEvse(callerOf(req), params, body as Patch<Evse>, req.ocpi.routing?.to));
      },
    }),
    defineRoute({
      method: 'get',
      path: CONNECTOR,
      summary: "Our stored copy of one connector of the caller's locations",
      params: ReceiverConnectorPath,
      response: Connector,
      errors: { 404: `Unknown location (2003), unknown EVSE or connector (2000), or ${PARTY_404}` },
      handler: async ({ req, app, params }) => ({ data: await app.services.receivedLocations.getConnector(callerOf(req), params) }),
    }),
    defineRoute({
      method: 'put',
      path: CONNECTOR,
      summary: 'Add (201) or replace (200) a connector of a known EVSE; its last_updated is copied to the EVSE and location',
      params: ReceiverConnectorPath,
      body: Connector,
      errors: { 201: 'Connector created', 404: `Unknown location (2003), unknown EVSE (2000), or ${PARTY_404}` },
      handler: async ({ req, app, params, body }) => {
        return written(await app.services.receivedLocations.putConnector(callerOf(req), params, body, req.ocpi.routing?.to));
      },
    }),
    defineRoute({
      method: 'patch',
      path: CONNECTOR,
      summary: 'Change some fields of a known connector; last_updated is required and copied to the EVSE and location',
      params: ReceiverConnectorPath,
      body: ConnectorPatch,
      errors: { 404: `Unknown location (2003), unknown EVSE or connector (2000), or ${PARTY_404}` },
      handler: async ({ req, app, params, body }) => {
        return written(await app.services.receivedLocations.patchConnector(callerOf(req), params, body as Patch<Connector>, req.ocpi.routing?.to));
      },
    }),
  ],
};
