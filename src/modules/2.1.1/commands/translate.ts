/**
 * Commands between OCPI 2.1.1 and the 2.2.1 model. Pure functions. A command body carries the
 * Token in the 2.1.1 form and an integer reservation_id; the CPO's answer and the charge
 * point's result are both `{result}` in 2.1.1, with values that differ from 2.2.1's
 * CommandResponseType and CommandResultType (docs/interop.md, OCPI 2.1.1 peers).
 */
import type { CommandResult, CommandResultType } from '../../../model/command.js';
import type { DisplayText } from '../../../model/primitives.js';
import type { Token } from '../../../model/token.js';
import type { Owner } from '../locations/translate.js';
import type { Token211 } from '../tokens/schemas.js';
import { tokenFrom211, tokenTo211 } from '../tokens/translate.js';
import type { CommandResponse211, CommandResponseType211, CommandType211 } from './schemas.js';

/** The 2.2.1 CommandResponse values (model/command.ts CommandResponseType). */
type ResponseType = 'NOT_SUPPORTED' | 'REJECTED' | 'ACCEPTED' | 'UNKNOWN_SESSION';

const text = (t: string): DisplayText[] => [{ language: 'en', text: t }];

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Why a 2.2.1 command cannot go to a 2.1.1 CPO, naming the field; null when it can. */
export function untranslatableCommand(command: string, body: Record<string, unknown>): { path: string; message: string } | null {
  if (command === 'CANCEL_RESERVATION') return { path: 'command', message: 'CANCEL_RESERVATION does not exist in OCPI 2.1.1 (the CPO speaks 2.1.1)' };
  if (command === 'RESERVE_NOW' && !/^\d{1,9}$/.test(String(body.reservation_id)))
    return { path: 'body.reservation_id', message: 'must be a whole number for a CPO that speaks OCPI 2.1.1' };
  return null;
}

/** A 2.1.1 command body as our model: the Token owned by the sending eMSP (the connection's party). */
export function commandFrom211(body: Record<string, unknown>, owner: Owner): Record<string, unknown> {
  const { token, reservation_id, ...same } = body;
  return defined({
    ...same,
    token: token ? tokenFrom211(token as Token211, owner) : undefined,
    reservation_id: reservation_id === undefined ? undefined : String(reservation_id),
  });
}

/** Our command body as a 2.1.1 CPO reads it: what 2.1.1 has no field for is left out. */
export function commandTo211(command: CommandType211, body: Record<string, unknown>): Record<string, unknown> {
  const { token, reservation_id, connector_id, authorization_reference: _reference, ...same } = body;
  return defined({
    ...same,
    // A 2.1.1 UNLOCK_CONNECTOR names its connector; START_SESSION cannot.
    connector_id: command === 'UNLOCK_CONNECTOR' ? connector_id : undefined,
    token: token ? tokenTo211(token as Token) : undefined,
    reservation_id: reservation_id === undefined ? undefined : Number(reservation_id),
  });
}

/** The CPO's direct answer to a 2.1.1 eMSP: `{result}` only. */
export function responseTo211(response: { result: ResponseType }): CommandResponse211 {
  return { result: response.result };
}

/** A 2.1.1 CPO's direct answer as our model. TIMEOUT is not a 2.2.1 answer: the command was not accepted. */
export function responseFrom211(response: CommandResponse211): { result: ResponseType; message?: DisplayText[] } {
  if (response.result === 'TIMEOUT') return { result: 'REJECTED', message: text('TIMEOUT (OCPI 2.1.1 answer of the CPO)') };
  return { result: response.result };
}

const RESULT_TO_211: Record<CommandResultType, CommandResponseType211> = {
  ACCEPTED: 'ACCEPTED',
  REJECTED: 'REJECTED',
  NOT_SUPPORTED: 'NOT_SUPPORTED',
  TIMEOUT: 'TIMEOUT',
  // 2.1.1 has no finer failure: the command did not succeed.
  FAILED: 'REJECTED',
  EVSE_OCCUPIED: 'REJECTED',
  EVSE_INOPERATIVE: 'REJECTED',
  UNKNOWN_RESERVATION: 'REJECTED',
  CANCELED_RESERVATION: 'REJECTED',
};

/** The charge point's result, as the CommandResponse a 2.1.1 eMSP's response_url takes. */
export function resultTo211(result: CommandResult): CommandResponse211 {
  return { result: RESULT_TO_211[result.result] };
}

/** A 2.1.1 CPO's result as our CommandResult. UNKNOWN_SESSION has no 2.2.1 result: REJECTED, and the message says why. */
export function resultFrom211(response: CommandResponse211): CommandResult {
  if (response.result === 'UNKNOWN_SESSION') return { result: 'REJECTED', message: text('UNKNOWN_SESSION (OCPI 2.1.1 result of the CPO)') };
  return { result: response.result };
}
