/** CPO backend API for commands: connect a backend, list and read commands, report a result. */
import { z } from 'zod';
import type { Prisma } from '../../../db/prisma.js';
import { CommandResult, CommandResultType, CommandType } from '../../../model/command.js';
import { answerCommand } from './service.js';
import { findEmspCommand } from './sender-service.js';
import { defineRoute } from '../../../ocpi/route.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { AdminError, notFound } from '../../../admin/errors.js';
import { cpoParty } from '../../../admin/cpo-party.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { EmspCommandView } from './sender-admin.js';
import { PartyPath } from '../../../admin/schemas.js';
import { Instant, pageOf, pageSchema } from '../shared/admin-received-query.js';
import { EmspParam, OWN_LIST_ERRORS, dateOf, ownListFields, rangeRule } from '../shared/owned-admin-query.js';

const CommandPath = PartyPath.extend({ command_id: z.string().uuid() });

const BackendInput = z.discriminatedUnion('adapter', [
  z.object({
    adapter: z.literal('webhook'),
    url: z.string().url(),
    secret: z.string().min(16, 'must be at least 16 characters'),
    /** eMSP parties: ask this webhook whether a token may charge (real-time authorization). */
    authorize: z.boolean().optional(),
  }),
  z.object({ adapter: z.literal('simulator') }),
  /** CPO parties: their charge points connect over OCPP-J (/admin/.../charge-points). */
  z.object({ adapter: z.literal('ocpp') }),
  z.object({ adapter: z.literal('none') }),
]);

const CpoCommandStatus = z.enum(['FORWARDED', 'ANSWERED', 'TIMEOUT']);

const CommandView = z.object({
  id: z.string(),
  command: z.string(),
  requester: z.object({ country_code: z.string(), party_id: z.string() }).describe('The eMSP party that sent the command'),
  status: CpoCommandStatus,
  result: z.string().nullable(),
  request: z.record(z.string(), z.unknown()),
  deadline_at: z.string(),
  created_at: z.string(),
  answered_at: z.string().nullable(),
});

type CommandRecord = {
  id: string;
  command: string;
  requesterCountry: string;
  requesterParty: string;
  status: string;
  result: string | null;
  request: unknown;
  deadlineAt: Date;
  createdAt: Date;
  answeredAt: Date | null;
};

function view(c: CommandRecord) {
  const { response_url: _hidden, ...request } = c.request as Record<string, unknown>;
  return {
    id: c.id,
    command: c.command,
    requester: { country_code: c.requesterCountry, party_id: c.requesterParty },
    status: c.status as 'FORWARDED',
    result: c.result,
    request,
    deadline_at: c.deadlineAt.toISOString(),
    created_at: c.createdAt.toISOString(),
    answered_at: c.answeredAt?.toISOString() ?? null,
  };
}

const createdRule = rangeRule('created_since', 'created_before');
const CommandsQuery = z
  .object({
    command: CommandType.optional().describe('Only commands of this type'),
    status: CpoCommandStatus.optional().describe('Only commands in this state'),
    result: CommandResultType.optional().describe("Only commands the backend answered with this result (TIMEOUT: the sweep's)"),
    emsp: EmspParam.describe('Only commands sent by this eMSP party, as COUNTRY*PARTY'),
    created_since: Instant.optional().describe('Only commands received at or after this time'),
    created_before: Instant.optional().describe('Only commands received before this time'),
    offset: ownListFields.offset,
    limit: ownListFields.limit,
  })
  .superRefine(createdRule);

/** The party's commands as Prisma filters them; the order (created_at, id) is stable across pages. */
async function listCommands(db: Prisma.TransactionClient, party: PartyRef, q: z.infer<typeof CommandsQuery>) {
  const [requesterCountry, requesterParty] = q.emsp ? q.emsp.toUpperCase().split('*') : [];
  const where: Prisma.CpoCommandWhereInput = {
    partyKey: partyKey(party.countryCode, party.partyId),
    command: q.command,
    status: q.status,
    result: q.result,
    requesterCountry: requesterCountry ? { equals: requesterCountry, mode: 'insensitive' } : undefined,
    requesterParty: requesterParty ? { equals: requesterParty, mode: 'insensitive' } : undefined,
    createdAt: q.created_since || q.created_before ? { gte: dateOf(q.created_since), lt: dateOf(q.created_before) } : undefined,
  };
  const [total, records] = await Promise.all([
    db.cpoCommand.count({ where }),
    db.cpoCommand.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], skip: q.offset, take: q.limit }),
  ]);
  return { total, items: records.map(view) };
}

const BackendView = z.object({ adapter: z.enum(['webhook', 'simulator', 'ocpp', 'none']), url: z.string().optional(), authorize: z.boolean().optional() });

export const cpoCommandRoutes = [
  defineRoute({
    method: 'get',
    path: '/parties/:country_code/:party_id/commands',
    summary: 'Commands eMSPs sent to this CPO party, oldest first (then by id), with the total of the filtered set',
    params: PartyPath,
    query: CommandsQuery,
    response: pageSchema(CommandView),
    errors: OWN_LIST_ERRORS,
    handler: async ({ app, params, query }) => ({ data: pageOf(query, await listCommands(app.db, await cpoParty(app, params), query)) }),
  }),
  defineRoute({
    method: 'get',
    path: '/parties/:country_code/:party_id/backend',
    summary: "The party's backend as configured (never its secret): adapter webhook, simulator, ocpp or none",
    params: PartyPath,
    response: BackendView,
    handler: async ({ app, params }) => {
      const found = await app.parties.find(params.country_code, params.party_id);
      if (!found) throw notFound(`Party ${params.country_code}/${params.party_id}`);
      const backend = await app.parties.backendOf(found.countryCode, found.partyId);
      if (!backend) return { data: { adapter: 'none' as const } };
      if (backend.adapter === 'webhook') return { data: { adapter: 'webhook' as const, url: backend.url, authorize: backend.authorize === true } };
      return { data: { adapter: backend.adapter } };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/parties/:country_code/:party_id/backend',
    summary:
      "Connect the party's backend: for a CPO the executor of commands (signed webhook, simulator, its OCPP charge points or none); for an eMSP the webhook of its events and, optionally, authorization",
    params: PartyPath,
    body: BackendInput,
    response: z.object({ adapter: z.string(), url: z.string().optional() }),
    handler: async ({ app, params, body }) => {
      const found = await app.parties.find(params.country_code, params.party_id);
      if (!found) throw notFound(`Party ${params.country_code}/${params.party_id}`);
      const party = { countryCode: found.countryCode, partyId: found.partyId };
      if (!found.roles.includes('CPO') && (body.adapter === 'simulator' || body.adapter === 'ocpp'))
        throw new AdminError(400, 'validation_failed', `body.adapter: ${body.adapter} is a CPO backend; an eMSP party takes a webhook or none`);
      if (body.adapter === 'webhook') {
        try {
          app.urlPolicy.check(body.url);
        } catch (e) {
          throw new AdminError(422, 'url_refused', `body.url: ${(e as Error).message}`);
        }
      }
      const config =
        body.adapter === 'webhook'
          ? { adapter: 'webhook' as const, url: body.url, secretEnc: app.secrets.encrypt(body.secret), ...(body.authorize ? { authorize: true } : {}) }
          : body.adapter === 'simulator' || body.adapter === 'ocpp'
            ? { adapter: body.adapter }
            : null;
      await app.parties.setBackend(party.countryCode, party.partyId, config);
      return { data: { adapter: body.adapter, ...(body.adapter === 'webhook' ? { url: body.url } : {}) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/parties/:country_code/:party_id/commands/:command_id',
    summary: 'A command received by this CPO party, or sent by this eMSP party, and its result',
    params: CommandPath,
    response: z.union([CommandView, EmspCommandView]),
    handler: async ({ app, params }) => {
      // One path for both sides: a command our CPO party received, else one our eMSP party sent.
      const found = await app.parties.find(params.country_code, params.party_id);
      if (!found) throw notFound(`Party ${params.country_code}/${params.party_id}`);
      if (found.roles.includes('CPO')) {
        const c = await app.db.cpoCommand.findFirst({ where: { id: params.command_id, partyKey: partyKey(found.countryCode, found.partyId) } });
        if (c) return { data: view(c) };
      }
      const sent = found.roles.includes('EMSP') ? await findEmspCommand(app, found, params.command_id) : null;
      if (!sent) throw notFound('Command');
      return { data: sent };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/parties/:country_code/:party_id/commands/:command_id/result',
    summary: "The backend's answer; sent to the eMSP as the CommandResult",
    params: CommandPath,
    body: CommandResult,
    response: CommandView,
    errors: { 404: 'Unknown command', 409: 'Already answered or timed out' },
    handler: async ({ app, params, body }) => ({ data: view(await answerCommand(app, await cpoParty(app, params), params.command_id, body)) }),
  }),
];
