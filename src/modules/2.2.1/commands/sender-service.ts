/**
 * Commands our eMSP parties send to CPOs (08-commands, Sender side). The command is stored
 * before it leaves (its unique response_url names the stored id, so a result that overtakes the
 * CPO's synchronous answer still finds it), the CommandResponse is recorded, and the
 * CommandResult later POSTed to the response_url completes it. A result that does not arrive
 * within the CommandResponse's timeout (plus a grace for its delivery) makes it TIMEOUT.
 *
 * Statuses: REQUESTED -> ACCEPTED | REJECTED (the CPO's answer) | FAILED (no usable answer);
 * ACCEPTED -> RESULT | TIMEOUT. A result is stored whenever it arrives first (even after
 * TIMEOUT or FAILED: it is the charge point's real answer).
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { enqueueEmspEvent } from '../../../backends/emsp-events.js';
import { Prisma } from '../../../db/prisma.js';
import type { EmspCommand } from '../../../generated/prisma/client.js';
import { OcpiCallError } from '../../../ocpi/client.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { CountryCode, PartyId, ciEquals } from '../../../model/primitives.js';
import { DomainError } from '../../../platform/domain-error.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { Token } from '../../../model/token.js';
import { expireOverdueRequests } from '../shared/expire-requests.js';
import { UUID, callerSpeaksFor, cpoOfLocation, cpoOfSession, cpoPeer, table } from '../shared/cpo-target.js';
import { CommandBodies, type CommandResponse, type CommandResult, type CommandType, ReceivedCommandResponse } from '../../../model/command.js';
import { OCPI_VERSION } from '../version.js';

/** How long after the CommandResponse's timeout a result may still be on its way. */
export const RESULT_GRACE_MS = 3000;
/** A command whose CPO answer was never recorded (the process stopped mid-call) is FAILED after this. */
const LOST_ANSWER_MS = 60_000;

export const CpoRef = z.object({ country_code: CountryCode, party_id: PartyId });

export type EmspCommandRecord = EmspCommand;

/** The stored command as the admin API and the backend events show it. */
export function commandView(c: EmspCommandRecord) {
  return {
    id: c.id,
    command: c.command,
    status: c.status as 'REQUESTED' | 'ACCEPTED' | 'REJECTED' | 'RESULT' | 'TIMEOUT' | 'FAILED',
    cpo: { country_code: c.cpoCountry, party_id: c.cpoParty },
    request: c.request as Record<string, unknown>,
    response: c.responseResult
      ? { result: c.responseResult, timeout: c.responseTimeout ?? 0, ...(c.responseMessage ? { message: c.responseMessage as Array<{ language: string; text: string }> } : {}) }
      : null,
    result: c.result ? { result: c.result, ...(c.resultMessage ? { message: c.resultMessage as Array<{ language: string; text: string }> } : {}) } : null,
    failure: c.failure,
    deadline_at: c.deadlineAt.toISOString(),
    created_at: c.createdAt.toISOString(),
    responded_at: c.respondedAt?.toISOString() ?? null,
    result_at: c.resultAt?.toISOString() ?? null,
  };
}
export type EmspCommandView = ReturnType<typeof commandView>;

type Issue = { path: string; message: string };

/**
 * Checks the backend's command object (without response_url) with the schema the CPO side
 * applies, the Token in full (strict on what we send, 08 P8) and owned by the sending party.
 */
function validate(party: PartyRef, command: CommandType, input: Record<string, unknown>, responseUrl: string) {
  const issues: Issue[] = [];
  const add = (path: Array<PropertyKey>, message: string) => {
    const p = ['body', ...path.map(String)].join('.');
    if (!issues.some((i) => i.path === p)) issues.push({ path: p, message });
  };
  let token: Token | undefined;
  if (command === 'START_SESSION' || command === 'RESERVE_NOW') {
    const t = Token.safeParse(input.token);
    if (!t.success) for (const i of t.error.issues) add(['token', ...i.path], i.message);
    else if (!(ciEquals(t.data.country_code, party.countryCode) && ciEquals(t.data.party_id, party.partyId)))
      add(['token', 'country_code'], `must be a token of ${party.countryCode}/${party.partyId} (an eMSP may only use its own tokens)`);
    else token = t.data;
  }
  const parsed = CommandBodies[command].safeParse({ ...input, response_url: responseUrl });
  if (!parsed.success) for (const i of parsed.error.issues) add(i.path, i.message);
  const cpo = CpoRef.optional().safeParse(input.cpo);
  if (!cpo.success) for (const i of cpo.error.issues) add(['cpo', ...i.path], i.message);
  if (issues.length || !parsed.success || !cpo.success) throw new DomainError('invalid', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  const request = { ...(parsed.data as Record<string, unknown>), ...(token ? { token } : {}) };
  return { request, cpo: cpo.data ? { countryCode: cpo.data.country_code, partyId: cpo.data.party_id } : undefined };
}

/** The CPO party a command is for: given, or found from what it names (see docs/interop.md). */
async function targetOf(app: AppContext, party: PartyRef, command: CommandType, request: Record<string, unknown>, given?: PartyRef): Promise<PartyRef> {
  if (given) return given;
  switch (command) {
    case 'START_SESSION':
    case 'RESERVE_NOW':
    case 'UNLOCK_CONNECTOR':
      return cpoOfLocation(app, party, String(request.location_id));
    case 'STOP_SESSION':
      return (await cpoOfSession(app, party, String(request.session_id))).cpo;
    case 'CANCEL_RESERVATION': {
      // The CPO of our own RESERVE_NOW with that reservation_id, the newest one.
      const rows = await app.db.$queryRawUnsafe<Array<{ cpo_country: string; cpo_party: string }>>(
        `SELECT cpo_country, cpo_party FROM ${table(app, 'emsp_command')} WHERE party_key = $1 AND command = 'RESERVE_NOW' AND upper(request->>'reservation_id') = upper($2) ORDER BY created_at DESC LIMIT 1`,
        partyKey(party.countryCode, party.partyId),
        request.reservation_id,
      );
      if (!rows[0])
        throw new DomainError('invalid', 'body.cpo: required (no RESERVE_NOW with this reservation_id was sent by this party)', [
          { path: 'body.cpo', message: 'required: no RESERVE_NOW with this reservation_id was sent by this party' },
        ]);
      return { countryCode: rows[0].cpo_country, partyId: rows[0].cpo_party };
    }
  }
}

/**
 * Sends a command of our eMSP `party`. Returns the stored command; `delivered` is false when the
 * CPO gave no usable answer (then the command is FAILED with the reason).
 */
export async function sendEmspCommand(app: AppContext, party: PartyRef, command: CommandType, body: unknown): Promise<{ command: EmspCommandView; delivered: boolean }> {
  const id = crypto.randomUUID();
  const responseUrl = `${app.config.PUBLIC_BASE_URL}/ocpi/emsp/${OCPI_VERSION}/commands/${command}/${id}`;
  const input = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const { request, cpo: given } = validate(party, command, input, responseUrl);
  const cpo = await targetOf(app, party, command, request, given);
  const peer = await cpoPeer(app, cpo, 'commands');
  // A CPO of another OCPI version gets the command in its form, and its result comes back to that
  // version's interface (delivery/translations.ts); one it cannot express is refused here.
  const connection = await app.peerStore.get(peer.peerId);
  const callback = connection?.version && connection.version !== OCPI_VERSION ? resultInterfaceOf(app, connection.version) : undefined;
  if (callback) (request as Record<string, unknown>).response_url = `${app.config.PUBLIC_BASE_URL}/ocpi${callback.basePath}/${command}/${id}`;
  const url = `${peer.url}/${command}`;
  const wire = connection ? await app.wireTranslations.outbound(connection, 'commands', { method: 'POST', url, body: request }, app) : request;

  await app.db.emspCommand.create({
    data: {
      id,
      partyKey: partyKey(party.countryCode, party.partyId),
      cpoCountry: peer.to.countryCode,
      cpoParty: peer.to.partyId,
      peerId: peer.peerId,
      command,
      request: request as Prisma.InputJsonValue,
      status: 'REQUESTED',
      deadlineAt: new Date(Date.now() + app.config.OUTBOUND_TIMEOUT_MS + LOST_ANSWER_MS),
    },
  });

  const answerOf = (data: unknown) => (connection ? app.wireTranslations.answer(connection, 'commands', data, { method: 'POST', url, body: wire }).body : data);
  let outcome: { response: z.infer<typeof CommandResponse> } | { failure: string };
  try {
    const reply = await app.client.request({ method: 'POST', url, token: peer.token, encoding: peer.encoding, body: wire, from: party, to: peer.to });
    outcome = parseResponse(app, answerOf(reply.data), reply.statusCode);
  } catch (e) {
    if (!(e instanceof OcpiCallError)) throw e;
    // A 2xxx answer may still carry the CommandResponse (2003 + REJECTED for an unknown
    // location, 08 D5): read data.result whenever it is there (08 P5).
    const carried = e.kind === 'ocpi' ? readCommandResponse(app, answerOf(e.data)) : null;
    outcome = carried?.success
      ? { response: carried.data }
      : e.ocpiStatus === OcpiStatus.UNKNOWN_LOCATION
        ? { response: { result: 'REJECTED', timeout: 0, message: [{ language: 'en', text: e.message }] } }
        : { failure: e.message };
  }
  const stored = await recordOutcome(app, id, outcome);
  return { command: commandView(stored), delivered: 'response' in outcome };
}

/** Where results of commands sent over `version` arrive: that version's commands SENDER interface. */
function resultInterfaceOf(app: AppContext, version: string) {
  return app.interfaces.find((i) => i.identifier === 'commands' && i.role === 'SENDER' && i.basePath.split('/').includes(version));
}

function parseResponse(app: AppContext, data: unknown, statusCode: number): { response: z.infer<typeof CommandResponse> } | { failure: string } {
  const parsed = readCommandResponse(app, data);
  if (parsed.success) return { response: parsed.data };
  const first = parsed.error.issues[0];
  return { failure: `The CPO answered ${statusCode} without a valid CommandResponse (${first.path.join('.') || 'data'}: ${first.message})` };
}

/**
 * The CPO's CommandResponse. One without `timeout` still says ACCEPTED: we wait our own
 * COMMAND_TIMEOUT_SECONDS for the result instead of calling the command failed.
 */
function readCommandResponse(app: AppContext, data: unknown) {
  const parsed = ReceivedCommandResponse.safeParse(data);
  if (!parsed.success) return parsed;
  return { success: true as const, data: { ...parsed.data, timeout: parsed.data.timeout ?? app.config.COMMAND_TIMEOUT_SECONDS } };
}

/** Stores the CPO's answer; a result that arrived meanwhile keeps its RESULT status. */
async function recordOutcome(app: AppContext, id: string, outcome: { response: z.infer<typeof CommandResponse> } | { failure: string }): Promise<EmspCommandRecord> {
  return app.db.$transaction(async (tx) => {
    const [row] = await tx.$queryRawUnsafe<Array<{ status: string }>>(`SELECT status FROM ${table(app, 'emsp_command')} WHERE id = $1::uuid FOR UPDATE`, id);
    const waiting = row?.status === 'REQUESTED';
    const now = new Date();
    if ('failure' in outcome) {
      return tx.emspCommand.update({ where: { id }, data: { failure: outcome.failure.slice(0, 1000), ...(waiting ? { status: 'FAILED' } : {}) } });
    }
    const { result, timeout, message } = outcome.response;
    const accepted = result === 'ACCEPTED';
    return tx.emspCommand.update({
      where: { id },
      data: {
        responseResult: result,
        responseTimeout: timeout,
        responseMessage: message?.length ? (message as Prisma.InputJsonValue) : undefined,
        respondedAt: now,
        ...(waiting ? { status: accepted ? 'ACCEPTED' : 'REJECTED', deadlineAt: accepted ? new Date(now.getTime() + Math.max(0, timeout) * 1000 + RESULT_GRACE_MS) : now } : {}),
      },
    });
  });
}

export type ResultOutcome = { stored: true } | { stored: false; reason: string };

/**
 * A CommandResult POSTed to one of our response_urls. Only the peer that registered the
 * command's CPO party may post it; anyone else learns nothing (`null`: answered as unknown).
 * A second result is acknowledged and ignored, except the CPO's late CANCELED_RESERVATION of an
 * accepted reservation (08 P4).
 */
export async function receiveCommandResult(
  app: AppContext,
  callerRoles: Array<{ countryCode: string; partyId: string }>,
  to: PartyRef,
  command: CommandType,
  id: string,
  result: CommandResult,
): Promise<ResultOutcome | null> {
  if (!UUID.test(id)) return null;
  return app.db.$transaction(async (tx) => {
    const [locked] = await tx.$queryRawUnsafe<Array<{ id: string }>>(`SELECT id FROM ${table(app, 'emsp_command')} WHERE id = $1::uuid FOR UPDATE`, id);
    if (!locked) return null;
    const c = await tx.emspCommand.findUniqueOrThrow({ where: { id } });
    const party = { countryCode: c.partyKey.slice(0, 2), partyId: c.partyKey.slice(2) };
    if (
      c.command !== command ||
      !callerSpeaksFor(callerRoles, { countryCode: c.cpoCountry, partyId: c.cpoParty }) ||
      !(ciEquals(to.countryCode, party.countryCode) && ciEquals(to.partyId, party.partyId))
    )
      return null;
    const lateCancel = c.status === 'RESULT' && c.command === 'RESERVE_NOW' && c.result === 'ACCEPTED' && result.result === 'CANCELED_RESERVATION';
    if (c.status === 'RESULT' && !lateCancel) return { stored: false as const, reason: `Ignored: a result (${c.result}) was already received for this command` };
    const updated = await tx.emspCommand.update({
      where: { id },
      data: { status: 'RESULT', result: result.result, resultMessage: result.message?.length ? (result.message as Prisma.InputJsonValue) : Prisma.DbNull, resultAt: new Date() },
    });
    await enqueueEmspEvent(app, tx, party, 'command.result', commandView(updated));
    return { stored: true as const };
  });
}

/**
 * The two parties of the command a result URL names, for a caller that left out the routing
 * headers: the CPO party it went to (when the caller speaks for it) and our eMSP party. Null for
 * an unknown command or one the caller may not answer.
 */
export async function commandParties(
  app: AppContext,
  callerRoles: Array<{ countryCode: string; partyId: string }>,
  command: CommandType,
  id: string,
): Promise<{ from: PartyRef; to: PartyRef } | null> {
  if (!UUID.test(id)) return null;
  const c = await app.db.emspCommand.findUnique({ where: { id }, select: { command: true, partyKey: true, cpoCountry: true, cpoParty: true } });
  const cpo = c && { countryCode: c.cpoCountry, partyId: c.cpoParty };
  if (!c || !cpo || c.command !== command || !callerSpeaksFor(callerRoles, cpo)) return null;
  return { from: cpo, to: { countryCode: c.partyKey.slice(0, 2), partyId: c.partyKey.slice(2) } };
}

/** Commands past their deadline: ACCEPTED ones without a result become TIMEOUT, unanswered REQUESTED ones FAILED. */
export function expireEmspCommands(app: AppContext): Promise<number> {
  return expireOverdueRequests(app, { name: 'command', model: (db) => db.emspCommand, event: 'command.result', view: commandView });
}

/** The stored command of our eMSP `party`, or null. */
export async function findEmspCommand(app: AppContext, party: PartyRef, id: string): Promise<EmspCommandView | null> {
  if (!UUID.test(id)) return null;
  const c = await app.db.emspCommand.findFirst({ where: { id, partyKey: partyKey(party.countryCode, party.partyId) } });
  return c ? commandView(c) : null;
}

export interface SentCommandFilter {
  command?: string;
  status?: string;
  /** The target CPO party, upper-cased. */
  cpo?: { countryCode: string; partyId: string };
  createdSince?: Date;
  createdBefore?: Date;
  offset: number;
  limit: number;
}

/** The commands our eMSP `party` sent, oldest first (then by id: stable across pages), and their total. */
export async function listEmspCommands(app: AppContext, party: PartyRef, f: SentCommandFilter): Promise<{ total: number; items: EmspCommandView[] }> {
  const where = {
    partyKey: partyKey(party.countryCode, party.partyId),
    command: f.command,
    status: f.status,
    cpoCountry: f.cpo ? { equals: f.cpo.countryCode, mode: 'insensitive' as const } : undefined,
    cpoParty: f.cpo ? { equals: f.cpo.partyId, mode: 'insensitive' as const } : undefined,
    createdAt: f.createdSince || f.createdBefore ? { gte: f.createdSince, lt: f.createdBefore } : undefined,
  };
  const [total, records] = await Promise.all([
    app.db.emspCommand.count({ where }),
    app.db.emspCommand.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], skip: f.offset, take: f.limit }),
  ]);
  return { total, items: records.map(commandView) };
}
