/** eMSP backend API for commands: send a command to the CPO of a location, session or reservation. */
import { z } from 'zod';
import { listEmspCommands, sendEmspCommand } from './sender-service.js';
import { Instant, pageOf, pageSchema } from '../shared/admin-received-query.js';
import { dateOf, ownListFields, rangeRule } from '../shared/owned-admin-query.js';
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

const SentCommandsQuery = z
  .object({
    command: CommandType.optional().describe('Only commands of this type'),
    status: EmspCommandView.shape.status.optional().describe('Only commands in this state'),
    cpo: z
      .string()
      .regex(/^[A-Za-z]{2}\*[A-Za-z0-9]{3}$/, 'must be COUNTRY*PARTY, e.g. NL*CPO')
      .optional()
      .describe('Only commands sent to this CPO party, as COUNTRY*PARTY'),
    created_since: Instant.optional().describe('Only commands sent at or after this time'),
    created_before: Instant.optional().describe('Only commands sent before this time'),
    offset: ownListFields.offset,
    limit: ownListFields.limit,
  })
  .superRefine(rangeRule('created_since', 'created_before'));

export const emspCommandRoutes = [
  defineRoute({
    method: 'get',
    path: '/parties/:country_code/:party_id/sent-commands',
    summary: 'Commands this eMSP party sent to CPOs, oldest first (then by id), with their answers and results and the total of the filtered set',
    params: PartyPath,
    query: SentCommandsQuery,
    response: pageSchema(EmspCommandView),
    errors: { 400: 'A query parameter is invalid (named in the error)', 404: 'Unknown party, or not an eMSP party' },
    handler: async ({ app, params, query }) => {
      const party = await emspParty(app, params);
      const [countryCode, partyId] = query.cpo ? query.cpo.toUpperCase().split('*') : [];
      const page = await listEmspCommands(app, party, {
        command: query.command,
        status: query.status,
        cpo: countryCode && partyId ? { countryCode, partyId } : undefined,
        createdSince: dateOf(query.created_since),
        createdBefore: dateOf(query.created_before),
        offset: query.offset,
        limit: query.limit,
      });
      return { data: pageOf(query, page) };
    },
  }),
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
