/**
 * A routed module interface that exists only in tests, so the transport rules (routing headers,
 * pagination, validation, Token A refusal) can be exercised before real modules use them.
 */
import { z } from 'zod';
import { parsePageRequest } from '../../src/ocpi/pagination.js';
import type { ModuleInterface } from '../../src/ocpi/registry-types.js';
import { defineRoute } from '../../src/ocpi/route.js';
import { CountryCode, DateTime, PartyId, ciString, ocpiString } from '../../src/model/primitives.js';

export const ITEMS = Array.from({ length: 25 }, (_, i) => ({
  id: `ITEM-${String(i).padStart(2, '0')}`,
  last_updated: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
}));

const Thing = z.object({
  id: ciString(36),
  name: ocpiString(10),
  kind: z.enum(['SMALL', 'LARGE']),
  count: z.number().int(),
  last_updated: DateTime,
});

export const testInterface: ModuleInterface = {
  identifier: 'tokens',
  role: 'RECEIVER',
  owner: 'CPO',
  basePath: '/cpo/2.2.1/things',
  acceptsTokenA: false,
  routed: true,
  routes: [
    defineRoute({
      method: 'get',
      path: '/',
      summary: 'test list',
      paginated: true,
      handler: async ({ req, app }) => {
        const page = parsePageRequest(req.query, app.pagination);
        const matching = ITEMS.filter((i) => (!page.dateFrom || new Date(i.last_updated) >= page.dateFrom) && (!page.dateTo || new Date(i.last_updated) < page.dateTo));
        return { data: matching.slice(page.offset, page.offset + page.limit), page: { request: page, total: matching.length } };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/:country_code/:party_id/:id',
      summary: 'test put',
      params: z.object({ country_code: CountryCode, party_id: PartyId, id: ciString(36) }),
      body: Thing,
      handler: async ({ body, req }) => ({ data: { received: body, routing: req.ocpi.routing } }),
    }),
    defineRoute({
      method: 'post',
      path: '/boom',
      summary: 'fails unexpectedly',
      handler: async () => {
        throw new Error('database password=hunter2 exploded');
      },
    }),
  ],
};
