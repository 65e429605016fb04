/**
 * ChargingProfiles RECEIVER interface (09-chargingprofiles §2.1): GET / PUT / DELETE {session_id}.
 * Our CPO parties receive the requests of the eMSP of a session's token or of the SCSP they
 * delegated to; our eMSP parties receive those of the SCSP they delegated their drivers to and
 * relay them to the CPO (relay-service.ts). One set of routes under two base paths: a version's
 * details list one chargingprofiles RECEIVER, the first that exists (the CPO's when we host a
 * CPO), and it answers for both; OCPI-to-* says which party is asked.
 */
import { z } from 'zod';
import type { Request } from 'express';
import type { AppContext } from '../../../context.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { type RouteDef, defineRoute } from '../../../ocpi/route.js';
import { ciEquals, ciString } from '../../../model/primitives.js';
import { ActiveProfileQuery, ClearProfileQuery } from './schemas.js';
import { ChargingProfileResponse, SetChargingProfile } from '../../../model/charging-profile.js';
import { type ProfileCaller, type ProfileRequestKind, receiveProfileRequest } from './service.js';
import { relayProfileRequest } from './relay-service.js';
import { OCPI_VERSION } from '../version.js';
import { callerOf, routingOf } from '../../../ocpi/context.js';

const SessionPath = z.object({ session_id: ciString(36) });

function caller(req: Request): ProfileCaller {
  const peer = callerOf(req);
  const routing = routingOf(req);
  return { peerId: peer.peerId, requester: routing.from, party: routing.to };
}

/**
 * Our CPO answers for its own sessions; our eMSP relays for its SCSP. A party with both roles
 * answers as the CPO when the session is one of its own.
 */
async function receive(app: AppContext, req: Request, kind: ProfileRequestKind, sessionId: string, request: Record<string, unknown>) {
  const c = caller(req);
  const party = (await app.parties.listCached()).find((p) => ciEquals(p.countryCode, c.party.countryCode) && ciEquals(p.partyId, c.party.partyId));
  const roles = party?.roles ?? [];
  const asCpo = roles.includes('CPO') && (!roles.includes('EMSP') || (await app.services.ownSessions.get(c.party, sessionId)) !== null);
  return asCpo ? receiveProfileRequest(app, c, kind, sessionId, request) : relayProfileRequest(app, c, kind, sessionId, request);
}

function receiverRoutes(): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/:session_id',
      summary: 'Ask for the ActiveChargingProfile of a session; the ActiveChargingProfileResult follows at response_url',
      params: SessionPath,
      query: ActiveProfileQuery,
      response: ChargingProfileResponse,
      handler: async ({ req, app, params, query }) => ({
        data: await receive(app, req, 'GET', params.session_id, { duration: query.duration, response_url: query.response_url }),
      }),
    }),
    defineRoute({
      method: 'put',
      path: '/:session_id',
      summary: 'Set or replace the charging profile of a session; the ChargingProfileResult follows at response_url',
      params: SessionPath,
      body: SetChargingProfile,
      receives: 'requests',
      response: ChargingProfileResponse,
      handler: async ({ req, app, params, body }) => ({ data: await receive(app, req, 'SET', params.session_id, body) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/:session_id',
      summary: 'Clear the charging profile of a session; the ClearProfileResult follows at response_url',
      params: SessionPath,
      query: ClearProfileQuery,
      response: ChargingProfileResponse,
      handler: async ({ req, app, params, query }) => ({ data: await receive(app, req, 'CLEAR', params.session_id, { response_url: query.response_url }) }),
    }),
  ];
}

export const chargingProfilesReceiverInterface: ModuleInterface = {
  identifier: 'chargingprofiles',
  role: 'RECEIVER',
  owner: 'CPO',
  basePath: `/cpo/${OCPI_VERSION}/chargingprofiles`,
  acceptsTokenA: false,
  routed: true,
  routes: receiverRoutes(),
};

/** Where an eMSP without a CPO beside it on this platform receives its SCSP's requests. */
export const chargingProfilesRelayInterface: ModuleInterface = {
  identifier: 'chargingprofiles',
  role: 'RECEIVER',
  owner: 'EMSP',
  basePath: `/emsp/${OCPI_VERSION}/chargingprofiles/receiver`,
  acceptsTokenA: false,
  routed: true,
  routes: receiverRoutes(),
};
