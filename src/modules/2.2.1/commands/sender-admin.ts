/** eMSP backend API for commands: send a command to the CPO of a location, session or reservation. */
import { z } from 'zod';
import { sendEmspCommand } from './sender-service.js';
import { CommandType } from '../../../model/command.js';
import { TargetError } from '../shared/cpo-target.js';
import { defineRoute } from '../../../ocpi/route.js';
import { AdminError } from '../../../admin/errors.js';
import { emspParty } from '../../../admin/emsp-party.js';
import { PartyPath } from '../../../admin/schemas.js';

/** Target problems as admin errors: what is unknown is 404, what cannot be reached 422. */
export async function withTarget<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof TargetError) throw new AdminError(e.missing ? 404 : 422, e.problem, e.message);
    throw e;
  }
}

const Message = z.array(z.object({ language: z.string(), text: z.string() }));

export const EmspCommandView = z.object({
  id: z.string().uuid(),
  command: CommandType,
  status: z.enum(['REQUESTED', 'ACCEPTED', 'REJECTED', 'RESULT', 'TIMEOUT', 'FAILED']),
  cpo: z.object({ country_code: z.string(), party_id: z.string() }),
  request: z.record(z.string(), z.unknown()).describe('The command object as sent, with our response_url'),
  response: z.object({ result: z.string(), timeout: z.number().int(), message: Message.optional() }).nullable().describe("The CPO's CommandResponse"),
  result: z.object({ result: z.string(), message: Message.optional() }).nullable().describe('The CommandResult posted by the CPO'),
  failure: z.string().nullable().describe('Why no CommandResponse could be obtained (FAILED)'),
  deadline_at: z.string(),
  created_at: z.string(),
  responded_at: z.string().nullable(),
  result_at: z.string().nullable(),
});

export const emspCommandRoutes = [
  defineRoute({
    method: 'post',
    path: '/parties/:country_code/:party_id/commands/:command',
    summary: 'Send a command of this eMSP party to a CPO; the answer and, later, the result are stored (read them with GET …/commands/{id})',
    description:
      'The body is the OCPI command object without `response_url` (the platform adds its own, unique per command). The CPO is the owner of the received location (`location_id`) or session (`session_id`), or the CPO of our RESERVE_NOW with the same `reservation_id`; `cpo: {country_code, party_id}` names it explicitly. START_SESSION and RESERVE_NOW need the full Token of this party.',
    params: PartyPath.extend({ command: CommandType }),
    body: z.record(z.string(), z.unknown()),
    response: EmspCommandView,
    successStatus: 201,
    errors: {
      400: 'Invalid command object (fields named)',
      404: 'Unknown party, location or session',
      422: 'Ambiguous location or session, CPO not connected, or no commands endpoint',
      502: 'The CPO gave no usable answer: the command is stored as FAILED with the reason',
    },
    handler: async ({ app, params, body }) => {
      const party = await emspParty(app, params);
      const sent = await withTarget(() => sendEmspCommand(app, party, params.command, body));
      return { data: sent.command, httpStatus: sent.delivered ? 201 : 502 };
    },
  }),
];
