/**
 * Locations RECEIVER interface of our eMSP parties for 2.1.1 CPO peers (the eMSP interface):
 * PUT/PATCH/GET at location, EVSE and connector level. Bodies are read in the 2.1.1 form,
 * translated, and written through the same receiver service as a 2.2.1 push.
 */
import { z } from 'zod';
import { Connector, Evse, Location } from '../../../model/location.js';
import { CountryCode, PartyId, ciString } from '../../../model/primitives.js';
import { callerOf } from '../../../ocpi/context.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { asModel, written } from '../shared/wire.js';
import { OCPI_VERSION } from '../version.js';
import { Connector211, Connector211Patch, Evse211, Evse211Patch, Location211, Location211Patch } from './schemas.js';
import { connectorFrom211, connectorTo211, evseFrom211, evseTo211, locationFrom211, locationTo211 } from './translate.js';

const LocationPath = z.object({ country_code: CountryCode, party_id: PartyId, location_id: ciString(36) });
const EvsePath = LocationPath.extend({ evse_uid: ciString(36) });
const ConnectorPath = EvsePath.extend({ connector_id: ciString(36) });
const LOCATION = '/:country_code/:party_id/:location_id';
const EVSE = `${LOCATION}/:evse_uid`;
const CONNECTOR = `${EVSE}/:connector_id`;

export const locations211ReceiverInterface: ModuleInterface = {
  identifier: 'locations',
  role: 'RECEIVER',
  owner: 'EMSP',
  basePath: `/emsp/${OCPI_VERSION}/locations`,
  acceptsTokenA: false,
  routed: true,
  routing: { senderInPath: true },
  routes: [
    defineRoute({
      method: 'get',
      path: LOCATION,
      summary: "Our stored copy of one of the caller's locations (2.1.1 form)",
      params: LocationPath,
      response: Location211,
      handler: async ({ req, app, params }) => ({ data: locationTo211(await app.services.receivedLocations.getLocation(callerOf(req), params)) }),
    }),
    defineRoute({
      method: 'put',
      path: LOCATION,
      summary: 'Create (201) or replace (200) a location sent in the 2.1.1 form',
      params: LocationPath,
      body: Location211,
      handler: async ({ req, app, params, body }) => {
        const location = asModel(Location, locationFrom211(body, { country_code: params.country_code, party_id: params.party_id }));
        return written(await app.services.receivedLocations.putLocation(callerOf(req), params, location, req.ocpi.routing?.to));
      },
    }),
    defineRoute({
      method: 'patch',
      path: LOCATION,
      summary: 'Change some fields of a known location (2.1.1 form)',
      params: LocationPath,
      body: Location211Patch,
      handler: async ({ req, app, params, body }) => {
        const patch = asModel(Location.partial(), locationFrom211(body, null));
        return written(await app.services.receivedLocations.patchLocation(callerOf(req), params, { ...patch, last_updated: body.last_updated }, req.ocpi.routing?.to));
      },
    }),
    defineRoute({
      method: 'get',
      path: EVSE,
      summary: "Our stored copy of one EVSE of the caller's locations (2.1.1 form)",
      params: EvsePath,
      response: Evse211,
      handler: async ({ req, app, params }) => ({ data: evseTo211(await app.services.receivedLocations.getEvse(callerOf(req), params)) }),
    }),
    defineRoute({
      method: 'put',
      path: EVSE,
      summary: 'Add (201) or replace (200) an EVSE of a known location (2.1.1 form)',
      params: EvsePath,
      body: Evse211,
      handler: async ({ req, app, params, body }) =>
        written(await app.services.receivedLocations.putEvse(callerOf(req), params, asModel(Evse, evseFrom211(body)), req.ocpi.routing?.to)),
    }),
    defineRoute({
      method: 'patch',
      path: EVSE,
      summary: 'Change some fields of a known EVSE (2.1.1 form)',
      params: EvsePath,
      body: Evse211Patch,
      handler: async ({ req, app, params, body }) => {
        const patch = asModel(Evse.partial(), evseFrom211(body));
        return written(await app.services.receivedLocations.patchEvse(callerOf(req), params, { ...patch, last_updated: body.last_updated }, req.ocpi.routing?.to));
      },
    }),
    defineRoute({
      method: 'get',
      path: CONNECTOR,
      summary: "Our stored copy of one connector of the caller's locations (2.1.1 form)",
      params: ConnectorPath,
      response: Connector211,
      handler: async ({ req, app, params }) => ({ data: connectorTo211(await app.services.receivedLocations.getConnector(callerOf(req), params)) }),
    }),
    defineRoute({
      method: 'put',
      path: CONNECTOR,
      summary: 'Add (201) or replace (200) a connector of a known EVSE (2.1.1 form)',
      params: ConnectorPath,
      body: Connector211,
      handler: async ({ req, app, params, body }) =>
        written(await app.services.receivedLocations.putConnector(callerOf(req), params, asModel(Connector, connectorFrom211(body)), req.ocpi.routing?.to)),
    }),
    defineRoute({
      method: 'patch',
      path: CONNECTOR,
      summary: 'Change some fields of a known connector (2.1.1 form)',
      params: ConnectorPath,
      body: Connector211Patch,
      handler: async ({ req, app, params, body }) => {
        const patch = asModel(Connector.partial(), connectorFrom211(body));
        return written(await app.services.receivedLocations.patchConnector(callerOf(req), params, { ...patch, last_updated: body.last_updated }, req.ocpi.routing?.to));
      },
    }),
  ],
};
