/** CPO backend API for commands: connect a backend, read a command, report its result. */
import { z } from 'zod';
import { CommandResult } from '../../../model/command.js';
import { answerCommand } from './service.js';
import { findEmspCommand } from './sender-service.js';
import { defineRoute } from '../../../ocpi/route.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { AdminError, notFound } from '../../../admin/errors.js';
import { cpoParty } from '../../../admin/cpo-party.js';
import { EmspCommandView } from './sender-admin.js';
import { PartyPath } from '../../../admin/schemas.js';

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
  z.object({ adapter: z.literal('none') }),
]);

const CommandView = z.object({
  id: z.string(),
  command: z.string(),
  status: z.enum(['FORWARDED', 'ANSWERED', 'TIMEOUT']),
  result: z.string().nullable(),
  request: z.record(z.string(), z.unknown()),
  deadline_at: z.string(),
  created_at: z.string(),
  answered_at: z.string().nullable(),
});

function view(c: { id: string; command: string; status: string; result: string | null; request: unknown; deadlineAt: Date; createdAt: Date; answeredAt: Date | null }) {
  const { response_url: _hidden, ...request } = c.request as Record<string, unknown>;
  return {
    id: c.id,
    command: c.command,
    status: c.status as 'FORWARDED',
    result: c.result,
    request,
    deadline_at: c.deadlineAt.toISOString(),
    created_at: c.createdAt.toISOString(),
    answered_at: c.answeredAt?.toISOString() ?? null,
  };
}

export const cpoCommandRoutes = [
  defineRoute({
    method: 'put',
    path: '/parties/:country_code/:party_id/backend',
    summary:
      "Connect the party's backend: for a CPO the executor of commands (signed webhook, simulator or none); for an eMSP the webhook of its events and, optionally, authorization",
    params: PartyPath,
    body: BackendInput,
    response: z.object({ adapter: z.string(), url: z.string().optional() }),
    handler: async ({ app, params, body }) => {
      const found = await app.parties.find(params.country_code, params.party_id);
      if (!found) throw notFound(`Party ${params.country_code}/${params.party_id}`);
      const party = { countryCode: found.countryCode, partyId: found.partyId };
      if (!found.roles.includes('CPO') && body.adapter === 'simulator')
        throw new AdminError(400, 'validation_failed', 'body.adapter: the simulator is a CPO backend; an eMSP party takes a webhook or none');
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
          : body.adapter === 'simulator'
            ? { adapter: 'simulator' as const }
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
