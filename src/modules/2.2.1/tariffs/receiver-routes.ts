/**
 * Tariffs RECEIVER interface of our eMSP parties (03-tariffs §3.2): CPO peers push their tariffs
 * (PUT), remove them (DELETE) and read back our copy (GET). No PATCH in 2.2.1.
 */
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { written, PARTY_404, OWNER_SENDS } from '../shared/client-owned.js';
import { defineRoute } from '../../../ocpi/route.js';
import { ReceivedTariff as Tariff } from '../../../model/tariff.js';
import { ReceiverTariffPath } from './receiver-service.js';
import { OCPI_VERSION } from '../version.js';
import { callerOf } from '../../../ocpi/context.js';

const TARIFF = '/:country_code/:party_id/:tariff_id';

/** PUT answer without `data` (the spec defines none); 201 only for a new tariff. */

export const tariffsReceiverInterface: ModuleInterface = {
  identifier: 'tariffs',
  role: 'RECEIVER',
  owner: 'EMSP',
  basePath: `/emsp/${OCPI_VERSION}/tariffs`,
  acceptsTokenA: false,
  routed: true,
  routing: OWNER_SENDS,
  routes: [
    defineRoute({
      method: 'get',
      path: TARIFF,
      summary: "Our stored copy of one of the caller's tariffs",
      params: ReceiverTariffPath,
      response: Tariff,
      errors: { 404: `Unknown tariff (2000), or ${PARTY_404}` },
      handler: async ({ req, app, params }) => ({ data: await app.services.receivedTariffs.getTariff(callerOf(req), params) }),
    }),
    defineRoute({
      method: 'put',
      path: TARIFF,
      summary: 'Create (201) or replace (200) a tariff; an older version than ours is acknowledged and ignored',
      params: ReceiverTariffPath,
      body: Tariff,
      errors: { 201: 'Tariff created', 404: PARTY_404 },
      handler: async ({ req, app, params, body }) => {
        return written(await app.services.receivedTariffs.putTariff(callerOf(req), params, body, req.ocpi.routing?.to));
      },
    }),
    defineRoute({
      method: 'delete',
      path: TARIFF,
      summary: 'Remove a tariff the CPO no longer offers',
      params: ReceiverTariffPath,
      errors: { 404: `Unknown tariff (2000), or ${PARTY_404}` },
      handler: async ({ req, app, params }) => {
        await app.services.receivedTariffs.deleteTariff(callerOf(req), params);
        return {};
      },
    }),
  ],
};
