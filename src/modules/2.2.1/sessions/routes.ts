/** Sessions SENDER interface of our CPO parties (05-sessions §2.1). */
import { z } from 'zod';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { Session } from '../../../model/session.js';
import { ownedListRoute } from '../shared/owned-list-route.js';
import { defineRoute } from '../../../ocpi/route.js';
import { ciString } from '../../../model/primitives.js';
import { ChargingPreferences, ChargingPreferencesResponse, setChargingPreferences } from './preferences.js';
import { OCPI_VERSION } from '../version.js';
import { routingOf } from '../../../ocpi/context.js';

export const sessionsSenderInterface: ModuleInterface = {
  identifier: 'sessions',
  role: 'SENDER',
  owner: 'CPO',
  basePath: `/cpo/${OCPI_VERSION}/sessions`,
  acceptsTokenA: false,
  routed: true,
  // date_from is optional here, though the module table marks it required (digest P1: be lenient).
  routes: [
    ownedListRoute('Sessions of the addressed CPO party started with tokens of the calling eMSP', z.array(Session), (app) => app.services.ownSessions.store),
    defineRoute({
      method: 'put',
      path: '/:session_id/charging_preferences',
      summary: "The driver's charging preferences for an ongoing session, passed on to the CPO backend",
      params: z.object({ session_id: ciString(36) }),
      body: ChargingPreferences,
      response: ChargingPreferencesResponse,
      errors: { 404: 'Unknown session, or EVSE not CHARGING_PREFERENCES_CAPABLE (2001)' },
      handler: async ({ req, app, params, body }) => ({ data: await setChargingPreferences(app, routingOf(req).to, routingOf(req).from, params.session_id, body) }),
    }),
  ],
};
