/**
 * The OCPP charge points of a CPO party (backend adapter `ocpp`): register one with its HTTP
 * Basic password (stored as a scrypt hash, never returned), its location and optionally which
 * EVSE and connector each OCPP connector/EVSE number is; list them with their connection state;
 * remove one (its open socket is closed).
 */
import { z } from 'zod';
import { disconnectChargePoint } from '../backends/ocpp/index.js';
import { type ChargePointRecord, deleteChargePoint, findChargePoint, listChargePoints, saveChargePoint } from '../backends/ocpp/charge-points.js';
import type { ConnectorMap } from '../backends/ocpp/mapping.js';
import { ciEquals } from '../model/primitives.js';
import { defineRoute } from '../ocpi/route.js';
import { partyKey } from '../platform/parties/party-store.js';
import { cpoParty } from './cpo-party.js';
import { AdminError, notFound } from './errors.js';
import { PartyPath } from './schemas.js';

// The OCPP identity: the last segment of the charge point's URL and its Basic user name (no ':').
const ChargePointId = z
  .string()
  .min(1)
  .max(48)
  .regex(/^[A-Za-z0-9._~*+-]+$/, { message: 'letters, digits and . _ ~ * + - only (at most 48)' });
const ChargePointPath = PartyPath.extend({ charge_point_id: ChargePointId });

const Mapping = z
  .record(
    z.string().regex(/^[1-9][0-9]{0,3}$/, { message: 'must be an OCPP connector/EVSE number (1, 2, ...)' }),
    z.object({ evse_uid: z.string().min(1).max(36), connector_id: z.string().min(1).max(36) }),
  )
  .describe('OCPP connector (1.6) or EVSE (2.0.1) number -> EVSE uid and connector id; numbers left out follow the location list order');

const ChargePointInput = z.object({
  // The OCPP security profiles' Basic password: 16 to 40 characters.
  password: z
    .string()
    .min(16, 'must be at least 16 characters')
    .max(40, 'must be at most 40 characters')
    .optional()
    .describe('Required for a new charge point; left out: unchanged'),
  location_id: z.string().min(1).max(36),
  connectors: Mapping.nullish(),
});

const ChargePointView = z.object({
  charge_point_id: z.string(),
  location_id: z.string(),
  connectors: Mapping.nullable(),
  protocol: z.string().nullable().describe('Subprotocol of the last connection'),
  connected: z.boolean().describe('A platform process holds its socket'),
  connected_since: z.string().nullable(),
  last_seen_at: z.string().nullable(),
  boot: z.record(z.string(), z.unknown()).nullable().describe('What its last BootNotification said'),
  created_at: z.string(),
  updated_at: z.string(),
});

function view(cp: ChargePointRecord): z.infer<typeof ChargePointView> {
  return {
    charge_point_id: cp.chargePointId,
    location_id: cp.locationId,
    connectors: cp.connectors,
    protocol: cp.protocol,
    connected: cp.connectedSince !== null,
    connected_since: cp.connectedSince?.toISOString() ?? null,
    last_seen_at: cp.lastSeenAt?.toISOString() ?? null,
    boot: cp.boot,
    created_at: cp.createdAt.toISOString(),
    updated_at: cp.updatedAt.toISOString(),
  };
}

type Location = { id: string; evses?: Array<{ uid: string; connectors: Array<{ id: string }> }> };

export const chargePointRoutes = [
  defineRoute({
    method: 'get',
    path: '/parties/:country_code/:party_id/charge-points',
    summary: "The party's OCPP charge points with their connection state (never their password)",
    params: PartyPath,
    response: z.array(ChargePointView),
    errors: { 404: 'Not a CPO party of this platform' },
    handler: async ({ app, params }) => ({ data: (await listChargePoints(app, await cpoParty(app, params))).map(view) }),
  }),
  defineRoute({
    method: 'get',
    path: '/parties/:country_code/:party_id/charge-points/:charge_point_id',
    summary: 'One OCPP charge point of the party',
    params: ChargePointPath,
    response: ChargePointView,
    errors: { 404: 'Unknown charge point' },
    handler: async ({ app, params }) => {
      const cp = await findChargePoint(app, await cpoParty(app, params), params.charge_point_id);
      if (!cp) throw notFound(`Charge point ${params.charge_point_id}`);
      return { data: view(cp) };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/parties/:country_code/:party_id/charge-points/:charge_point_id',
    summary: 'Register or change an OCPP charge point: its Basic password (stored hashed), its location and optional connector mapping',
    params: ChargePointPath,
    body: ChargePointInput,
    response: ChargePointView,
    errors: { 400: 'Invalid body (the field is named)', 404: 'Not a CPO party of this platform' },
    handler: async ({ app, params, body }) => {
      const party = await cpoParty(app, params);
      const location = (await app.services.ownLocations.find([partyKey(party.countryCode, party.partyId)], body.location_id, { kind: 'location' })) as Location | null;
      if (!location)
        throw new AdminError(400, 'validation_failed', `body.location_id: the party has no location ${body.location_id}`, [
          { path: 'body.location_id', message: 'unknown location' },
        ]);
      for (const [n, ref] of Object.entries(body.connectors ?? {})) {
        const evse = location.evses?.find((e) => ciEquals(e.uid, ref.evse_uid));
        if (!evse?.connectors.some((c) => ciEquals(c.id, ref.connector_id))) {
          const path = `body.connectors.${n}`;
          throw new AdminError(400, 'validation_failed', `${path}: location ${location.id} has no EVSE ${ref.evse_uid} with connector ${ref.connector_id}`, [
            { path, message: 'unknown EVSE or connector' },
          ]);
        }
      }
      const existing = await findChargePoint(app, party, params.charge_point_id);
      if (!existing && body.password === undefined) {
        throw new AdminError(400, 'validation_failed', 'body.password: required for a new charge point', [{ path: 'body.password', message: 'required' }]);
      }
      const saved = await saveChargePoint(app, party, existing?.chargePointId ?? params.charge_point_id, {
        password: body.password,
        locationId: location.id,
        connectors: (body.connectors as ConnectorMap | null | undefined) ?? null,
      });
      return { data: view(saved.record), httpStatus: saved.created ? 201 : 200 };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/parties/:country_code/:party_id/charge-points/:charge_point_id',
    summary: 'Remove an OCPP charge point; its open connection is closed',
    params: ChargePointPath,
    errors: { 404: 'Unknown charge point' },
    handler: async ({ app, params }) => {
      const party = await cpoParty(app, params);
      if (!(await deleteChargePoint(app, party, params.charge_point_id))) throw notFound(`Charge point ${params.charge_point_id}`);
      await disconnectChargePoint(app, party, params.charge_point_id);
      return {};
    },
  }),
];
