/** CDRs SENDER interface of our CPO parties for 2.1.1 eMSP peers: the caller's CDRs, translated, locations embedded. */
import { z } from 'zod';
import type { Cdr } from '../../../model/cdr.js';
import { callerOf, routingOf } from '../../../ocpi/context.js';
import { parsePageRequest } from '../../../ocpi/pagination.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { documentOf } from '../shared/wire.js';
import { OCPI_VERSION } from '../version.js';
import { Cdr211 } from './schemas.js';
import { cdrOutbound } from './wire-translation.js';

export const cdrs211SenderInterface: ModuleInterface = {
  identifier: 'cdrs',
  role: 'SENDER',
  owner: 'CPO',
  basePath: `/cpo/${OCPI_VERSION}/cdrs`,
  acceptsTokenA: false,
  routed: true,
  routes: [
    defineRoute({
      method: 'get',
      path: '/',
      summary: "CDRs of the CPO party this connection presents, for the calling eMSP's tokens (2.1.1 form)",
      paginated: true,
      response: z.array(Cdr211),
      handler: async ({ req, app }) => {
        const page = parsePageRequest(req.query, app.pagination);
        const to = routingOf(req).to;
        const readers = callerOf(req).roles.map((r) => partyKey(r.countryCode, r.partyId));
        const { documents, total } = await app.services.ownCdrs.store.page(partyKey(to.countryCode, to.partyId), readers, page);
        const data = await Promise.all(documents.map((d) => cdrOutbound(documentOf<Cdr>(d), app)));
        return { data, page: { request: page, total } };
      },
    }),
  ],
};
