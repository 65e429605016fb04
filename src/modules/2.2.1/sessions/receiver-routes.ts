/**
 * Sessions RECEIVER interface of our eMSP and SCSP parties (05-sessions §2.2): CPO peers push
 * their sessions (PUT), update them (PATCH, charging_periods appended) and read back our copy
 * (GET); an eMSP that delegated smart charging to our SCSP forwards its drivers' sessions (PUT).
 * No POST, no DELETE.
 */
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { written, PARTY_404, OWNER_SENDS_TO_TOKEN_EMSP } from '../shared/client-owned.js';
import { defineRoute } from '../../../ocpi/route.js';
import { Session } from '../../../model/session.js';
import { ReceiverSessionPath } from './schemas.js';
import { SessionPatch } from '../../../model/session.js';
import { OCPI_VERSION } from '../version.js';
import { callerOf, routingOf } from '../../../ocpi/context.js';

const SESSION = '/:country_code/:party_id/:session_id';

/** PUT/PATCH answer without `data` (the spec defines none); 201 only for a new session. */

export const sessionsReceiverInterface: ModuleInterface = {
  identifier: 'sessions',
  role: 'RECEIVER',
  owner: 'EMSP',
  // An SCSP receives the sessions delegated to it (05-sessions, 09-chargingprofiles topologies).
  alsoOwnedBy: ['SCSP'],
  basePath: `/emsp/${OCPI_VERSION}/sessions`,
  acceptsTokenA: false,
  routed: true,
  routing: OWNER_SENDS_TO_TOKEN_EMSP,
  routes: [
    defineRoute({
      method: 'get',
      path: SESSION,
      summary: "Our stored copy of one of the caller's sessions",
      params: ReceiverSessionPath,
      response: Session,
      errors: { 404: `Unknown session (2000), or ${PARTY_404}` },
      handler: async ({ req, app, params }) => ({ data: await app.services.receivedSessions.getSession(callerOf(req), params, routingOf(req)) }),
    }),
    defineRoute({
      method: 'put',
      path: SESSION,
      summary: 'Create (201) or fully replace (200) a session, charging_periods included; an older version than ours is acknowledged and ignored',
      params: ReceiverSessionPath,
      body: Session,
      errors: { 201: 'Session created', 404: PARTY_404 },
      handler: async ({ req, app, params, body }) => written(await app.services.receivedSessions.putSession(callerOf(req), params, body, routingOf(req))),
    }),
    defineRoute({
      method: 'patch',
      path: SESSION,
      summary: 'Change some fields of a known session; last_updated is required, charging_periods are appended',
      params: ReceiverSessionPath,
      body: SessionPatch,
      errors: { 404: `Unknown session (2000), or ${PARTY_404}` },
      handler: async ({ req, app, params, body }) => written(await app.services.receivedSessions.patchSession(callerOf(req), params, body, routingOf(req))),
    }),
  ],
};
