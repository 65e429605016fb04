/** Tariffs SENDER interface of our CPO parties (03-tariffs §1.2): the paginated list only. */
import { z } from 'zod';
import { parsePageRequest } from '../../../ocpi/pagination.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { Tariff } from '../../../model/tariff.js';
import { OCPI_VERSION } from '../version.js';
import { routingOf } from '../../../ocpi/context.js';

export const tariffsSenderInterface: ModuleInterface = {
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
      summary: 'All tariffs of the addressed CPO party, oldest change first',
      description: 'A full list (no date filter) is the whole set: a tariff missing from it is no longer valid.',
      paginated: true,
      response: z.array(Tariff),
      handler: async ({ req, app }) => {
        const page = parsePageRequest(req.query, app.pagination);
        // The CPO party named by OCPI-to-* (resolved and checked by the routing guard).
        const to = routingOf(req).to;
        const { documents, total } = await app.services.ownTariffs.store.page([partyKey(to.countryCode, to.partyId)], page);
        return { rawData: `[${documents.join(',')}]`, returned: documents.length, page: { request: page, total } };
      },
    }),
  ],
};
