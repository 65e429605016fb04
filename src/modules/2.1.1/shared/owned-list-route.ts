/**
 * The SENDER list of one kind of our CPO party's objects for a 2.1.1 peer: the party this
 * connection presents, one page of the 2.2.1 store, each object written in the 2.1.1 form.
 * `readers`: the caller's parties (sessions and CDRs are listed only for their tokens' eMSPs).
 */
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { callerOf, routingOf } from '../../../ocpi/context.js';
import { type PageRequest, parsePageRequest } from '../../../ocpi/pagination.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { OCPI_VERSION } from '../version.js';
import { documentOf } from './wire.js';

export interface OwnedList211<T> {
  identifier: string;
  summary: string;
  /** The 2.1.1 object schema (what the list holds, for the OpenAPI document). */
  object: z.ZodType;
  page(app: AppContext, owner: string, readers: string[], page: PageRequest): Promise<{ documents: Array<string | Buffer>; total: number }>;
  translate(document: T, app: AppContext): unknown;
}

export function ownedList211Interface<T>(spec: OwnedList211<T>): ModuleInterface {
  return {
    identifier: spec.identifier,
    role: 'SENDER',
    owner: 'CPO',
    basePath: `/cpo/${OCPI_VERSION}/${spec.identifier}`,
    acceptsTokenA: false,
    routed: true,
    routes: [
      defineRoute({
        method: 'get',
        path: '/',
        summary: spec.summary,
        paginated: true,
        response: z.array(spec.object),
        handler: async ({ req, app }) => {
          const page = parsePageRequest(req.query, app.pagination);
          const to = routingOf(req).to;
          const readers = callerOf(req).roles.map((r) => partyKey(r.countryCode, r.partyId));
          const { documents, total } = await spec.page(app, partyKey(to.countryCode, to.partyId), readers, page);
          const data = await Promise.all(documents.map((d) => spec.translate(documentOf<T>(d), app)));
          return { data, page: { request: page, total } };
        },
      }),
    ],
  };
}
