/**
 * eMSP backend API: the locations CPO peers sent to one of our eMSP parties, searchable by EVSE
 * status, connector standard, bounding box and distance.
 */
import { z } from 'zod';
import { EvseStatus, Location } from '../../../model/location.js';
import { defineRoute } from '../../../ocpi/route.js';
import { ciString } from '../../../model/primitives.js';
import { ConnectorType } from '../../../model/cdr.js';
import { listFields, listFilter, ownerRule, pageOf, pageSchema } from '../shared/admin-received-query.js';
import { emspParty } from '../../../admin/emsp-party.js';
import { notFound } from '../../../admin/errors.js';
import { PartyPath } from '../../../admin/schemas.js';

const NUMBER = /^[-+]?\d+(\.\d+)?$/;

/** Comma-separated decimal numbers, each within its range; anything else names the parameter. */
function numbers(count: number, ranges: Array<[number, number, string]>, example: string) {
  return z.string().transform((text, ctx) => {
    const parts = text.split(',').map((s) => s.trim());
    if (parts.length !== count || !parts.every((s) => NUMBER.test(s))) {
      ctx.addIssue({ code: 'custom', message: `must be ${count} comma-separated decimal numbers, e.g. ${example}` });
      return z.NEVER;
    }
    const values = parts.map(Number);
    ranges.forEach(([min, max, name], i) => {
      if (values[i] < min || values[i] > max) ctx.addIssue({ code: 'custom', message: `${name} must be between ${min} and ${max}` });
    });
    return values;
  });
}

const LocationsQuery = z
  .object({
    ...listFields,
    status: EvseStatus.optional().describe('Locations with at least one EVSE in this status'),
    connector_type: ConnectorType.optional().describe('Locations with a connector of this standard (with status: on the same EVSE)'),
    bbox: numbers(
      4,
      [
        [-180, 180, 'minLon'],
        [-90, 90, 'minLat'],
        [-180, 180, 'maxLon'],
        [-90, 90, 'maxLat'],
      ],
      '4.7,52.2,5.2,52.5',
    )
      .describe('minLon,minLat,maxLon,maxLat, edges included; minLon > maxLon crosses the antimeridian')
      .optional(),
    near: numbers(
      2,
      [
        [-90, 90, 'lat'],
        [-180, 180, 'lon'],
      ],
      '52.09,5.11',
    )
      .describe('lat,lon: locations within radius_m, nearest first')
      .optional(),
    radius_m: z.coerce.number().positive().max(20_000_000).optional().describe('Radius in metres around near'),
  })
  .superRefine((q, ctx) => {
    ownerRule(q, ctx);
    if (q.bbox && q.bbox[1] > q.bbox[3]) ctx.addIssue({ code: 'custom', path: ['bbox'], message: 'minLat must not be greater than maxLat' });
    if (q.near && q.radius_m === undefined) ctx.addIssue({ code: 'custom', path: ['radius_m'], message: 'required with near' });
    if (!q.near && q.radius_m !== undefined) ctx.addIssue({ code: 'custom', path: ['near'], message: 'required with radius_m' });
  });

const OneLocationPath = PartyPath.extend({ cc: z.string().regex(/^[A-Za-z]{2}$/), pid: z.string().regex(/^[A-Za-z0-9]{3}$/), location_id: ciString(36) });

const BASE = '/parties/:country_code/:party_id/received/locations';

export const emspReceivedLocationRoutes = [
  defineRoute({
    method: 'get',
    path: BASE,
    summary: 'Locations CPO peers sent to this eMSP party, filtered, with the total of the filtered set',
    params: PartyPath,
    query: LocationsQuery,
    response: pageSchema(Location),
    errors: { 400: 'A query parameter is invalid (named in the error)', 404: 'Unknown party, or not an eMSP party' },
    handler: async ({ app, params, query }) => {
      const recipient = await emspParty(app, params);
      const bbox = query.bbox ? { minLon: query.bbox[0], minLat: query.bbox[1], maxLon: query.bbox[2], maxLat: query.bbox[3] } : undefined;
      const near = query.near && query.radius_m !== undefined ? { lat: query.near[0], lon: query.near[1], radiusM: query.radius_m } : undefined;
      const page = await app.services.receivedLocationQueries.list({
        ...listFilter(recipient, query),
        evseStatus: query.status,
        connectorStandard: query.connector_type,
        bbox,
        near,
      });
      return { data: pageOf(query, page) };
    },
  }),
  defineRoute({
    method: 'get',
    path: `${BASE}/:cc/:pid/:location_id`,
    summary: 'One location a CPO peer sent to this eMSP party (cc/pid: the CPO party)',
    params: OneLocationPath,
    response: Location,
    errors: { 404: 'Unknown party, or no such location sent to this party' },
    handler: async ({ app, params }) => {
      const recipient = await emspParty(app, params);
      const location = await app.services.receivedLocationQueries.get(recipient, params.cc, params.pid, params.location_id);
      if (!location) throw notFound('Location');
      return { data: location };
    },
  }),
];
