/**
 * Sessions RECEIVER interface of our eMSP parties for 2.1.1 CPO peers (the eMSP interface):
 * PUT/PATCH/GET. A 2.1.1 session is translated (auth_id -> our party's token, embedded location
 * -> its ids, total_cost -> Price) and written through the same receiver service as a 2.2.1 push.
 */
import { CountryCode, PartyId, ciString } from '../../../model/primitives.js';
import { Session, SessionPatch } from '../../../model/session.js';
import { callerOf, routingOf } from '../../../ocpi/context.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { z } from 'zod';
import { asModel, written } from '../shared/wire.js';
import { OCPI_VERSION } from '../version.js';
import { cdrTokenFor, receivedLocation } from './lookups.js';
import { Session211, Session211Patch } from './schemas.js';
import { embeddedLocation211, sessionFrom211, sessionTo211 } from './translate.js';

const SessionPath = z.object({ country_code: CountryCode, party_id: PartyId, session_id: ciString(36) });
const SESSION = '/:country_code/:party_id/:session_id';

export const sessions211ReceiverInterface: ModuleInterface = {
  identifier: 'sessions',
  role: 'RECEIVER',
  owner: 'EMSP',
  basePath: `/emsp/${OCPI_VERSION}/sessions`,
  acceptsTokenA: false,
  routed: true,
  routing: { senderInPath: true },
  routes: [
    defineRoute({
      method: 'get',
      path: SESSION,
      summary: "Our stored copy of one of the caller's sessions (2.1.1 form; the location embedded when we hold it)",
      params: SessionPath,
      response: Session211,
      errors: { 404: 'Unknown session, or a party the caller did not register' },
      handler: async ({ req, app, params }) => {
        const session = await app.services.receivedSessions.getSession(callerOf(req), params, routingOf(req));
        const location = await receivedLocation(app, callerOf(req), params, session.location_id);
        return { data: sessionTo211(session, location ? embeddedLocation211(location, session) : undefined) };
      },
    }),
    defineRoute({
      method: 'put',
      path: SESSION,
      summary: 'Create (201) or replace (200) a session sent in the 2.1.1 form',
      params: SessionPath,
      body: Session211,
      errors: { 201: 'Session created', 404: 'A party the caller did not register' },
      handler: async ({ req, app, params, body }) => {
        const token = await cdrTokenFor(app, routingOf(req).to, body.auth_id);
        const session = asModel(Session, sessionFrom211(body, params, token));
        return written(await app.services.receivedSessions.putSession(callerOf(req), params, session, routingOf(req)));
      },
    }),
    defineRoute({
      method: 'patch',
      path: SESSION,
      summary: 'Change some fields of a known session (2.1.1 form); charging_periods are appended',
      params: SessionPath,
      body: Session211Patch,
      errors: { 404: 'Unknown session, or a party the caller did not register' },
      handler: async ({ req, app, params, body }) => {
        const token = body.auth_id ? await cdrTokenFor(app, routingOf(req).to, body.auth_id) : undefined;
        const patch = asModel(SessionPatch, sessionFrom211(body, null, token));
        return written(await app.services.receivedSessions.patchSession(callerOf(req), params, patch, routingOf(req)));
      },
    }),
  ],
};
