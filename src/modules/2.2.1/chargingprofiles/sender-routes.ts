/**
 * ChargingProfiles SENDER interface of our eMSP and SCSP parties (09-chargingprofiles §2.2): the CPO POSTs
 * the result of a request to the response_url we gave (`{get|set|clear}/{request id}`), and PUTs
 * ActiveChargingProfile updates to `{session_id}`.
 */
import { z } from 'zod';
import { notFound } from '../../../ocpi/errors.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { ciString } from '../../../model/primitives.js';
import { type ProfileKind, activeProfileParties, profileRequestParties, receiveActiveProfile, receiveProfileResult } from './sender-service.js';
import { ActiveChargingProfile, ActiveChargingProfileResult } from '../../../model/charging-profile.js';
import { OCPI_VERSION } from '../version.js';
import { callerOf, routingOf } from '../../../ocpi/context.js';

const KIND: Record<string, ProfileKind> = { get: 'GET', set: 'SET', clear: 'CLEAR' };

export const chargingProfilesSenderInterface: ModuleInterface = {
  identifier: 'chargingprofiles',
  role: 'SENDER',
  owner: 'EMSP',
  // An SCSP sends charging profiles and receives their results and updates as an eMSP does.
  alsoOwnedBy: ['SCSP'],
  basePath: `/emsp/${OCPI_VERSION}/chargingprofiles`,
  acceptsTokenA: false,
  routed: true,
  routes: [
    defineRoute({
      method: 'post',
      path: '/:kind/:request_id',
      summary: 'The result of a charging profile request we sent (its response_url)',
      description:
        '`get/…` takes an ActiveChargingProfileResult, `set/…` a ChargingProfileResult, `clear/…` a ClearProfileResult. Only the peer that registered the CPO party of the request may post it; for anyone else, and for an unknown id, the request does not exist (HTTP 404, 2000). A second result is acknowledged and ignored.',
      params: z.object({ kind: z.enum(['get', 'set', 'clear']), request_id: z.string().max(36) }),
      body: ActiveChargingProfileResult,
      errors: { 404: 'Unknown request (2000)' },
      // The URL identifies the request, and so both parties: routing headers may be left out.
      routing: {
        lookup: async ({ app, params, peer }) => {
          const parties = await profileRequestParties(app, peer.roles, KIND[params.kind], params.request_id);
          if (!parties) throw notFound(`Unknown charging profile request ${params.kind}/${params.request_id}`);
          return parties;
        },
      },
      handler: async ({ req, app, params, body }) => {
        const peer = callerOf(req);
        const routing = routingOf(req);
        const outcome = await receiveProfileResult(app, peer.roles, routing.to, KIND[params.kind], params.request_id, body);
        if (!outcome) throw notFound(`Unknown charging profile request ${params.kind}/${params.request_id}`);
        return { message: outcome.stored ? undefined : outcome.reason };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/:session_id',
      summary: 'The ActiveChargingProfile of one of the CPO’s sessions changed',
      description: 'Only the CPO that owns the session (OCPI-from-*) may report it; an unknown session is HTTP 404 (2000).',
      params: z.object({ session_id: ciString(36) }),
      body: ActiveChargingProfile,
      errors: { 404: 'Unknown session (2000)' },
      // Without routing headers, the caller's party whose session this is sends it, for the eMSP of its token.
      routing: {
        lookup: async ({ app, params, peer }) => {
          const parties = await activeProfileParties(app, peer.roles, params.session_id);
          if (!parties) throw notFound(`Unknown session ${params.session_id}`);
          return parties;
        },
      },
      handler: async ({ req, app, params, body }) => {
        const peer = callerOf(req);
        const routing = routingOf(req);
        const known = await receiveActiveProfile(app, peer.peerId, routing, params.session_id, body);
        if (!known) throw notFound(`Unknown session ${params.session_id} of ${routing.from.countryCode}/${routing.from.partyId}`);
        return {};
      },
    }),
  ],
};
