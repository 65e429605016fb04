/**
 * Commands SENDER interface of our eMSP parties for 2.1.1 CPO peers (the eMSP interface): the
 * CPO POSTs the charge point's result, a 2.1.1 CommandResponse, to the response_url we gave,
 * `{command}/{command id}`; it is stored like a 2.2.1 CommandResult (app.services.commandExchange).
 */
import { z } from 'zod';
import { callerOf, routingOf } from '../../../ocpi/context.js';
import { notFound } from '../../../ocpi/errors.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { OCPI_VERSION } from '../version.js';
import { CommandResponse211, CommandType211 } from './schemas.js';
import { resultFrom211 } from './translate.js';

export const commands211SenderInterface: ModuleInterface = {
  identifier: 'commands',
  role: 'SENDER',
  owner: 'EMSP',
  basePath: `/emsp/${OCPI_VERSION}/commands`,
  acceptsTokenA: false,
  routed: true,
  routes: [
    defineRoute({
      method: 'post',
      path: '/:command/:uid',
      summary: 'The result of a command we sent (its response_url), as a 2.1.1 CommandResponse',
      description:
        'Only the peer that registered the CPO party the command went to may post its result; for anyone else, and for an unknown id, the command does not exist (HTTP 404, 2000). A second result is acknowledged and ignored.',
      params: z.object({ command: CommandType211, uid: z.string().max(36) }),
      body: CommandResponse211,
      errors: { 404: 'Unknown command (2000)' },
      routing: {
        lookup: async ({ app, params, peer }) => {
          const parties = await app.services.commandExchange.resultParties(peer.roles, params.command as CommandType211, params.uid);
          if (!parties) throw notFound(`Unknown command ${params.command}/${params.uid}`);
          return parties;
        },
      },
      handler: async ({ req, app, params, body }) => {
        const outcome = await app.services.commandExchange.receiveResult(callerOf(req).roles, routingOf(req).to, params.command, params.uid, resultFrom211(body));
        if (!outcome) throw notFound(`Unknown command ${params.command}/${params.uid}`);
        return { message: outcome.stored ? undefined : outcome.reason };
      },
    }),
  ],
};
