/**
 * The SENDER list of party-specific objects (sessions, CDRs): the addressed CPO party's objects
 * whose token belongs to one of the calling peer's parties; nobody reads another eMSP's data.
 */
import type { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { parsePageRequest } from '../../../ocpi/pagination.js';
import { defineRoute } from '../../../ocpi/route.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { OwnedDocumentStore } from './owned-documents.js';
import { callerOf, routingOf } from '../../../ocpi/context.js';

export function ownedListRoute(summary: string, response: z.ZodType, storeOf: (app: AppContext) => OwnedDocumentStore<{ last_updated: string }>) {
  return defineRoute({
    method: 'get',
    path: '/',
    summary,
    paginated: true,
    response,
    handler: async ({ req, app }) => {
      const page = parsePageRequest(req.query, app.pagination);
      const to = routingOf(req).to;
      const readers = callerOf(req).roles.map((r) => partyKey(r.countryCode, r.partyId));
      const { documents, total } = await storeOf(app).page(partyKey(to.countryCode, to.partyId), readers, page);
      return { rawData: `[${documents.join(',')}]`, returned: documents.length, page: { request: page, total } };
    },
  });
}
