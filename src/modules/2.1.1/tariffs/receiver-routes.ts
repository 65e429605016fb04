/** Tariffs RECEIVER interface of our eMSP parties for 2.1.1 CPO peers: PUT (translated), DELETE, GET. */
import { z } from 'zod';
import { CountryCode, PartyId, ciString } from '../../../model/primitives.js';
import { Tariff } from '../../../model/tariff.js';
import { callerOf } from '../../../ocpi/context.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { asModel, written } from '../shared/wire.js';
import { OCPI_VERSION } from '../version.js';
import { Tariff211 } from './schemas.js';
import { tariffFrom211, tariffTo211 } from './translate.js';

const TariffPath = z.object({ country_code: CountryCode, party_id: PartyId, tariff_id: ciString(36) });
const TARIFF = '/:country_code/:party_id/:tariff_id';

export const tariffs211ReceiverInterface: ModuleInterface = {
  identifier: 'tariffs',
  role: 'RECEIVER',
  owner: 'EMSP',
  basePath: `/emsp/${OCPI_VERSION}/tariffs`,
  acceptsTokenA: false,
  routed: true,
  routing: { senderInPath: true },
  routes: [
    defineRoute({
      method: 'get',
      path: TARIFF,
      summary: "Our stored copy of one of the caller's tariffs (2.1.1 form)",
      params: TariffPath,
      response: Tariff211,
      handler: async ({ req, app, params }) => ({ data: tariffTo211(await app.services.receivedTariffs.getTariff(callerOf(req), params)) }),
    }),
    defineRoute({
      method: 'put',
      path: TARIFF,
      summary: 'Create (201) or replace (200) a tariff sent in the 2.1.1 form',
      params: TariffPath,
      body: Tariff211,
      handler: async ({ req, app, params, body }) => {
        const tariff = asModel(Tariff, tariffFrom211(body, { country_code: params.country_code, party_id: params.party_id }));
        return written(await app.services.receivedTariffs.putTariff(callerOf(req), params, tariff, req.ocpi.routing?.to));
      },
    }),
    defineRoute({
      method: 'delete',
      path: TARIFF,
      summary: 'Remove a tariff the CPO no longer offers',
      params: TariffPath,
      handler: async ({ req, app, params }) => {
        await app.services.receivedTariffs.deleteTariff(callerOf(req), params);
        return {};
      },
    }),
  ],
};
