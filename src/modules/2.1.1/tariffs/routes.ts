/** Tariffs SENDER interface of our CPO parties for 2.1.1 peers: the paginated list, translated. */
import { z } from 'zod';
import type { ReceivedTariff } from '../../../model/tariff.js';
import { routingOf } from '../../../ocpi/context.js';
import { parsePageRequest } from '../../../ocpi/pagination.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { documentOf } from '../shared/wire.js';
import { OCPI_VERSION } from '../version.js';
import { Tariff211 } from './schemas.js';
import { tariffTo211 } from './translate.js';

export const tariffs211SenderInterface: ModuleInterface = {
  identifier: 'tariffs',
  role: 'SENDER',
  owner: 'CPO',
  basePath: `/cpo/${OCPI_VERSION}/tariffs`,
  acceptsTokenA: false,
  routed: true,
  routes: [
    defineRoute({
      method: 'get',
      path: '/',
      summary: 'All tariffs of the CPO party this connection presents, oldest change first (2.1.1 form)',
      paginated: true,
      response: z.array(Tariff211),
      handler: async ({ req, app }) => {
        const page = parsePageRequest(req.query, app.pagination);
        const to = routingOf(req).to;
        const { documents, total } = await app.services.ownTariffs.store.page([partyKey(to.countryCode, to.partyId)], page);
        return { data: documents.map((d) => tariffTo211(documentOf<ReceivedTariff>(d))), page: { request: page, total } };
      },
    }),
  ],
};
