/** Locations SENDER interface of our CPO parties (02-locations §2): list and single objects. */
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import type { Request } from 'express';
import { notFound } from '../../../ocpi/errors.js';
import { parsePageRequest } from '../../../ocpi/pagination.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { type RoutingHint, defineRoute } from '../../../ocpi/route.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { Connector, Evse, Location } from '../../../model/location.js';
import { ConnectorPath, EvsePath, LocationPath } from './schemas.js';
import { type Level } from './service.js';
import { OCPI_VERSION } from '../version.js';
import { routingOf } from '../../../ocpi/context.js';

/** The CPO party addressed by the request (resolved from OCPI-to-* by the routing guard). */
function addressed(req: Request): string[] {
  const to = routingOf(req).to;
  return [partyKey(to.countryCode, to.partyId)];
}

async function one(app: AppContext, req: Request, locationId: string, level: Level) {
  const found = await app.services.ownLocations.find(addressed(req), locationId, level);
  if (!found) {
    if (level.kind === 'location') throw notFound(`Unknown location ${locationId}`, OcpiStatus.UNKNOWN_LOCATION);
    throw notFound(level.kind === 'evse' ? `Unknown EVSE ${level.evseUid}` : `Unknown connector ${level.connectorId}`);
  }
  return { data: found };
}

/**
 * Without OCPI-to-*, a single object's GET is for the one of our CPO parties that has that
 * location; when none has it, the location is unknown whichever party was meant.
 */
const LOCATION_OWNER: RoutingHint = {
  lookup: async ({ app, params, receivers }) => {
    const keys = receivers.map((p) => partyKey(p.countryCode, p.partyId));
    const owners = await app.services.ownLocations.store.ownersOf(ciKey(params.location_id), keys);
    if (owners.length === 0) throw notFound(`Unknown location ${params.location_id}`, OcpiStatus.UNKNOWN_LOCATION);
    return owners.length === 1 ? { to: receivers[keys.indexOf(owners[0])] } : undefined;
  },
};

const COMMA = Buffer.from(',');
/** `[doc,doc,...]` from stored JSON texts or pre-encoded buffers, without parsing or copying them. */
function jsonArray(documents: Array<string | Buffer>): Buffer[] {
  const parts: Buffer[] = [Buffer.from('[')];
  documents.forEach((d, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(typeof d === 'string' ? Buffer.from(d) : d);
  });
  parts.push(Buffer.from(']'));
  return parts;
}

export const locationsSenderInterface: ModuleInterface = {
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
      summary: 'All locations of the addressed CPO party, oldest change first',
      paginated: true,
      response: z.array(Location),
      handler: async ({ req, app }) => {
        const page = parsePageRequest(req.query, app.pagination);
        const { documents, total } = await app.services.ownLocations.page(addressed(req)[0], page);
        return { rawData: jsonArray(documents), returned: documents.length, page: { request: page, total } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/:location_id',
      summary: 'One location',
      params: LocationPath,
      routing: LOCATION_OWNER,
      response: Location,
      errors: { 404: 'Unknown location (2003)' },
      handler: async ({ req, app, params }) => one(app, req, params.location_id, { kind: 'location' }),
    }),
    defineRoute({
      method: 'get',
      path: '/:location_id/:evse_uid',
      summary: 'One EVSE',
      params: EvsePath,
      routing: LOCATION_OWNER,
      response: Evse,
      errors: { 404: 'Unknown location or EVSE' },
      handler: async ({ req, app, params }) => one(app, req, params.location_id, { kind: 'evse', evseUid: params.evse_uid }),
    }),
    defineRoute({
      method: 'get',
      path: '/:location_id/:evse_uid/:connector_id',
      summary: 'One connector',
      params: ConnectorPath,
      routing: LOCATION_OWNER,
      response: Connector,
      errors: { 404: 'Unknown location, EVSE or connector' },
      handler: async ({ req, app, params }) => one(app, req, params.location_id, { kind: 'connector', evseUid: params.evse_uid, connectorId: params.connector_id }),
    }),
  ],
};
