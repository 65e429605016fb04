/** ChargingProfiles RECEIVER interface of our CPO parties: GET / PUT / DELETE {session_id} (09-chargingprofiles §2.1). */
import { z } from 'zod';
import type { Request } from 'express';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { ciString } from '../../../model/primitives.js';
import { ActiveProfileQuery, ClearProfileQuery } from './schemas.js';
import { ChargingProfileResponse, SetChargingProfile } from '../../../model/charging-profile.js';
import { type ProfileCaller, receiveProfileRequest } from './service.js';
import { OCPI_VERSION } from '../version.js';
import { callerOf, routingOf } from '../../../ocpi/context.js';

const SessionPath = z.object({ session_id: ciString(36) });

function caller(req: Request): ProfileCaller {
  const peer = callerOf(req);
  const routing = routingOf(req);
  return { peerId: peer.peerId, requester: routing.from, party: routing.to };
}

export const chargingProfilesReceiverInterface: ModuleInterface = {
  identifier: 'chargingprofiles',
  role: 'RECEIVER',
  owner: 'CPO',
  basePath: `/cpo/${OCPI_VERSION}/chargingprofiles`,
  acceptsTokenA: false,
  routed: true,
  routes: [
    defineRoute({
      method: 'get',
      path: '/:session_id',
      summary: 'Ask for the ActiveChargingProfile of a session; the ActiveChargingProfileResult follows at response_url',
      params: SessionPath,
      query: ActiveProfileQuery,
      response: ChargingProfileResponse,
      handler: async ({ req, app, params, query }) => ({
        data: await receiveProfileRequest(app, caller(req), 'GET', params.session_id, { duration: query.duration, response_url: query.response_url }),
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
      handler: async ({ req, app, params, body }) => ({ data: await receiveProfileRequest(app, caller(req), 'SET', params.session_id, body) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/:session_id',
      summary: 'Clear the charging profile of a session; the ClearProfileResult follows at response_url',
      params: SessionPath,
      query: ClearProfileQuery,
      response: ChargingProfileResponse,
      handler: async ({ req, app, params, query }) => ({ data: await receiveProfileRequest(app, caller(req), 'CLEAR', params.session_id, { response_url: query.response_url }) }),
    }),
  ],
};
