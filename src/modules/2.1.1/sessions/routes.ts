/** Sessions SENDER interface of our CPO parties for 2.1.1 eMSP peers: the caller's sessions, translated, locations embedded. */
import { z } from 'zod';
import type { Session } from '../../../model/session.js';
import { callerOf, routingOf } from '../../../ocpi/context.js';
import { parsePageRequest } from '../../../ocpi/pagination.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { documentOf } from '../shared/wire.js';
import { OCPI_VERSION } from '../version.js';
import { Session211 } from './schemas.js';
import { sessionOutbound } from './wire-translation.js';

export const sessions211SenderInterface: ModuleInterface = {
  identifier: 'sessions',
  role: 'SENDER',
  owner: 'CPO',
  basePath: `/cpo/${OCPI_VERSION}/sessions`,
  acceptsTokenA: false,
  routed: true,
  routes: [
    defineRoute({
      method: 'get',
      path: '/',
      summary: "Sessions of the CPO party this connection presents, started with the calling eMSP's tokens (2.1.1 form)",
      paginated: true,
      response: z.array(Session211),
      handler: async ({ req, app }) => {
        const page = parsePageRequest(req.query, app.pagination);
        const to = routingOf(req).to;
        const readers = callerOf(req).roles.map((r) => partyKey(r.countryCode, r.partyId));
        const { documents, total } = await app.services.ownSessions.store.page(partyKey(to.countryCode, to.partyId), readers, page);
        const data = await Promise.all(documents.map((d) => sessionOutbound(documentOf<Session>(d), undefined, app)));
        return { data, page: { request: page, total } };
      },
    }),
  ],
};
