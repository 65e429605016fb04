/** Locations SENDER interface of our CPO parties for 2.1.1 peers (the CPO interface): list and single objects, translated. */
import type { Request } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import type { Connector, Evse, Location } from '../../../model/location.js';
import { ciEquals, ciString } from '../../../model/primitives.js';
import { routingOf } from '../../../ocpi/context.js';
import { notFound } from '../../../ocpi/errors.js';
import { parsePageRequest } from '../../../ocpi/pagination.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { publishedPage } from './published.js';
import { OCPI_VERSION } from '../version.js';
import { Connector211, Evse211, Location211 } from './schemas.js';
import { connectorTo211, evseTo211, locationTo211 } from './translate.js';

const LocationPath = z.object({ location_id: ciString(36) });
const EvsePath = LocationPath.extend({ evse_uid: ciString(36) });
const ConnectorPath = EvsePath.extend({ connector_id: ciString(36) });

const addressed = (req: Request) => {
  const to = routingOf(req).to;
  return partyKey(to.countryCode, to.partyId);
};

async function one(
  app: AppContext,
  req: Request,
  locationId: string,
  level: { kind: 'location' } | { kind: 'evse'; evseUid: string } | { kind: 'connector'; evseUid: string; connectorId: string },
) {
  const location = (await app.services.ownLocations.find([addressed(req)], locationId, { kind: 'location' })) as Location | null;
  // Unpublished: unknown to a 2.1.1 peer (2.1.1 has no publish flag).
  if (!location || location.publish === false) throw notFound(`Unknown location ${locationId}`, OcpiStatus.UNKNOWN_LOCATION);
  const evse = level.kind === 'location' ? null : location.evses?.find((e) => ciEquals(e.uid, level.evseUid));
  const found = level.kind === 'location' ? location : level.kind === 'evse' ? evse : evse?.connectors.find((c) => ciEquals(c.id, level.connectorId));
  if (!found) {
    if (level.kind === 'location') throw notFound(`Unknown location ${locationId}`, OcpiStatus.UNKNOWN_LOCATION);
    throw notFound(level.kind === 'evse' ? `Unknown EVSE ${level.evseUid}` : `Unknown connector ${level.connectorId}`);
  }
  return found;
}

export const locations211SenderInterface: ModuleInterface = {
  identifier: 'locations',
  role: 'SENDER',
  owner: 'CPO',
  basePath: `/cpo/${OCPI_VERSION}/locations`,
  acceptsTokenA: false,
  routed: true,
  routes: [
    defineRoute({
      method: 'get',
      path: '/',
      summary: 'The published locations of the CPO party this connection presents, oldest change first (2.1.1 form)',
      paginated: true,
      response: z.array(Location211),
      handler: async ({ req, app }) => {
        const page = parsePageRequest(req.query, app.pagination);
        const { documents, total } = await publishedPage(app, addressed(req), page);
        return { data: documents.map((l) => locationTo211(l)), page: { request: page, total } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/:location_id',
      summary: 'One location (2.1.1 form)',
      params: LocationPath,
      response: Location211,
      errors: { 404: 'Unknown location (2003)' },
      handler: async ({ req, app, params }) => ({ data: locationTo211((await one(app, req, params.location_id, { kind: 'location' })) as Location) }),
    }),
    defineRoute({
      method: 'get',
      path: '/:location_id/:evse_uid',
      summary: 'One EVSE (2.1.1 form)',
      params: EvsePath,
      response: Evse211,
      errors: { 404: 'Unknown location or EVSE' },
      handler: async ({ req, app, params }) => ({ data: evseTo211((await one(app, req, params.location_id, { kind: 'evse', evseUid: params.evse_uid })) as Evse) }),
    }),
    defineRoute({
      method: 'get',
      path: '/:location_id/:evse_uid/:connector_id',
      summary: 'One connector (2.1.1 form)',
      params: ConnectorPath,
      response: Connector211,
      errors: { 404: 'Unknown location, EVSE or connector' },
      handler: async ({ req, app, params }) => ({
        data: connectorTo211((await one(app, req, params.location_id, { kind: 'connector', evseUid: params.evse_uid, connectorId: params.connector_id })) as Connector),
      }),
    }),
  ],
};
