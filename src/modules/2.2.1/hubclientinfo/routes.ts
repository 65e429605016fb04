/**
 * hubclientinfo (04-hubclientinfo): a configuration module, never routed. SENDER is the hub's
 * list of reachable parties (served while the hub role is on, advertised by the hub);
 * RECEIVER is where a hub we are connected to PUTs the status of the parties behind it.
 */
import { z } from 'zod';
import { clientInfoDocument } from '../../../hub/client-info.js';
import { notFound } from '../../../ocpi/errors.js';
import { parsePageRequest } from '../../../ocpi/pagination.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { ClientInfo } from '../../../model/client-info.js';
import { ClientInfoPath } from './schemas.js';
import { getClientInfo, putClientInfo } from './service.js';
import { OCPI_VERSION } from '../version.js';
import { callerOf } from '../../../ocpi/context.js';

export const HUBCLIENTINFO_SENDER_PATH = `/hub/${OCPI_VERSION}/hubclientinfo`;

export const hubClientInfoSenderInterface: ModuleInterface = {
  identifier: 'hubclientinfo',
  role: 'SENDER',
  // Advertised by the hub only (see hub/endpoints.ts), not by every platform.
  owner: 'UNLISTED',
  basePath: HUBCLIENTINFO_SENDER_PATH,
  acceptsTokenA: false,
  routed: false,
  routes: [
    defineRoute({
      method: 'get',
      path: '/',
      summary: 'Every party reachable through this hub, with its role and connection status',
      paginated: true,
      response: z.array(ClientInfo),
      errors: { 404: 'The hub role is off on this platform' },
      handler: async ({ req, app }) => {
        if (!(await app.services.hubState.hubParty())) throw notFound('This platform is not a hub');
        const page = parsePageRequest(req.query, app.pagination);
        const { items, total } = await app.services.hubClientInfo.list(page);
        return { data: items.map(clientInfoDocument), page: { request: page, total } };
      },
    }),
  ],
};

export const HUBCLIENTINFO_RECEIVER_PATH = `/${OCPI_VERSION}/hubclientinfo`;

export const hubClientInfoReceiverInterface: ModuleInterface = {
  identifier: 'hubclientinfo',
  role: 'RECEIVER',
  // Advertised when a local CPO or eMSP party exists (see hub/endpoints.ts).
  owner: 'UNLISTED',
  basePath: HUBCLIENTINFO_RECEIVER_PATH,
  acceptsTokenA: false,
  routed: false,
  routes: [
    defineRoute({
      method: 'get',
      path: '/:country_code/:party_id',
      summary: 'What we stored about a party behind the calling hub',
      params: ClientInfoPath,
      response: ClientInfo,
      errors: { 403: 'The caller is not a hub', 404: 'Nothing stored for that party' },
      handler: async ({ req, app, params }) => ({ data: await getClientInfo(app, callerOf(req), params) }),
    }),
    defineRoute({
      method: 'put',
      path: '/:country_code/:party_id',
      summary: 'The calling hub tells us the connection status of a party behind it',
      params: ClientInfoPath,
      body: ClientInfo,
      errors: { 403: 'The caller is not a hub' },
      handler: async ({ req, app, params, body }) => {
        const { ignored } = await putClientInfo(app, callerOf(req), params, body);
        return ignored ? { message: 'Ignored: older than the stored ClientInfo' } : {};
      },
    }),
  ],
};
