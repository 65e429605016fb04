/** Commands RECEIVER interface of our CPO parties: POST {command} (08-commands §2.1). */
import { z } from 'zod';
import { fromZod } from '../../../ocpi/errors.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { CommandBodies, CommandResponse, CommandType } from '../../../model/command.js';
import { type CommandRequest, receiveCommand } from './service.js';
import { OCPI_VERSION } from '../version.js';
import { callerOf, routingOf } from '../../../ocpi/context.js';

export const commandsReceiverInterface: ModuleInterface = {
  identifier: 'commands',
  role: 'RECEIVER',
  owner: 'CPO',
  basePath: `/cpo/${OCPI_VERSION}/commands`,
  acceptsTokenA: false,
  routed: true,
  routes: [
    defineRoute({
      method: 'post',
      path: '/:command',
      summary: 'START_SESSION, STOP_SESSION, RESERVE_NOW, CANCEL_RESERVATION or UNLOCK_CONNECTOR; the result follows at response_url',
      description: 'The body is the object of the command (StartSession, StopSession, ReserveNow, CancelReservation, UnlockConnector).',
      params: z.object({ command: CommandType }),
      body: z.unknown(),
      response: CommandResponse,
      handler: async ({ req, app, params, body }) => {
        const parsed = CommandBodies[params.command].safeParse(body);
        if (!parsed.success) throw fromZod(parsed.error);
        const peer = callerOf(req);
        const routing = routingOf(req);
        const answer = await receiveCommand(app, { peerId: peer.peerId, requester: routing.from, party: routing.to }, params.command, parsed.data as CommandRequest);
        return { statusCode: answer.statusCode, data: answer.data };
      },
    }),
  ],
};
