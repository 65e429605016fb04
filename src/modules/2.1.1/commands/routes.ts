/**
 * Commands RECEIVER interface of our CPO parties for 2.1.1 eMSP peers (the CPO interface): one
 * route per 2.1.1 command. The body is read in the 2.1.1 form, its Token owned by the sending
 * eMSP, and taken by the same rules as a 2.2.1 command (app.services.commandExchange); the
 * answer is a 2.1.1 CommandResponse. The charge point's result goes to the response_url through
 * the outbox, translated by this module's WireTranslation.
 */
import type { z } from 'zod';
import type { Services } from '../../../context.js';
import { CommandBodies } from '../../../model/command.js';
import { callerOf, routingOf } from '../../../ocpi/context.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { type RouteDef, defineRoute } from '../../../ocpi/route.js';
import { asModel } from '../shared/wire.js';
import { OCPI_VERSION } from '../version.js';
import { CommandBodies211, CommandResponse211, type CommandType211 } from './schemas.js';
import { requesterOf } from './requester.js';
import { commandFrom211, responseTo211 } from './translate.js';

type CommandRequest = Parameters<Services['commandExchange']['receive']>[2];

const SUMMARIES: Record<CommandType211, string> = {
  START_SESSION: 'Start a session (2.1.1 StartSession); the result follows at response_url',
  STOP_SESSION: 'Stop a session of the caller (2.1.1 StopSession); the result follows at response_url',
  RESERVE_NOW: 'Reserve an EVSE (2.1.1 ReserveNow, integer reservation_id); the result follows at response_url',
  UNLOCK_CONNECTOR: 'Unlock a connector (2.1.1 UnlockConnector); the result follows at response_url',
};

function commandRoute(command: CommandType211): RouteDef {
  const body: z.ZodObject = CommandBodies211[command];
  return defineRoute({
    method: 'post',
    path: `/${command}`,
    summary: SUMMARIES[command],
    body,
    receives: 'requests',
    response: CommandResponse211,
    errors: { 200: 'REJECTED with 2003 for an unknown location' },
    // A hub connection (declared HUB) relays several eMSPs and 2.1.1 sends no routing headers: the command names its eMSP.
    routing: { lookup: async ({ app, body, peer, to }) => ({ from: await requesterOf(app, peer, to, body) }) },
    handler: async ({ req, app, body: wire }) => {
      const routing = routingOf(req);
      const owner = { country_code: routing.from.countryCode, party_id: routing.from.partyId };
      const request = asModel(CommandBodies[command], commandFrom211(wire as Record<string, unknown>, owner)) as CommandRequest;
      const answer = await app.services.commandExchange.receive({ peerId: callerOf(req).peerId, requester: routing.from, party: routing.to }, command, request);
      return { statusCode: answer.statusCode, data: responseTo211(answer.data) };
    },
  });
}

export const commands211ReceiverInterface: ModuleInterface = {
  identifier: 'commands',
  role: 'RECEIVER',
  owner: 'CPO',
  basePath: `/cpo/${OCPI_VERSION}/commands`,
  acceptsTokenA: false,
  routed: true,
  routes: (['START_SESSION', 'STOP_SESSION', 'RESERVE_NOW', 'UNLOCK_CONNECTOR'] as const).map(commandRoute),
};
