/**
 * Commands SENDER interface of our eMSP parties (08-commands §2.2): the CPO POSTs the
 * CommandResult to the response_url we gave, `{command}/{command id}`.
 */
import { z } from 'zod';
import { notFound } from '../../../ocpi/errors.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { commandParties, receiveCommandResult } from './sender-service.js';
import { CommandResult, CommandType } from '../../../model/command.js';
import { OCPI_VERSION } from '../version.js';
import { callerOf, routingOf } from '../../../ocpi/context.js';

export const commandsSenderInterface: ModuleInterface = {
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
      summary: 'The CommandResult of a command we sent (the response_url of the command)',
      description:
        'Only the peer that registered the CPO party the command went to may post its result; for anyone else, and for an unknown id, the command does not exist (HTTP 404, 2000). A second result is acknowledged and ignored, except CANCELED_RESERVATION for an accepted reservation.',
      params: z.object({ command: CommandType, uid: z.string().max(36) }),
      body: CommandResult,
      errors: { 404: 'Unknown command (2000)' },
      // The URL identifies the command, and so both parties: routing headers may be left out.
      routing: {
        lookup: async ({ app, params, peer }) => {
          const parties = await commandParties(app, peer.roles, params.command as CommandType, params.uid);
          if (!parties) throw notFound(`Unknown command ${params.command}/${params.uid}`);
          return parties;
        },
      },
      handler: async ({ req, app, params, body }) => {
        const peer = callerOf(req);
        const routing = routingOf(req);
        const outcome = await receiveCommandResult(app, peer.roles, routing.to, params.command, params.uid, body);
        if (!outcome) throw notFound(`Unknown command ${params.command}/${params.uid}`);
        return { message: outcome.stored ? undefined : outcome.reason };
      },
    }),
  ],
};
