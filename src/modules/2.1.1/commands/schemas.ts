/**
 * Commands as OCPI 2.1.1 puts them on the wire (2.1.1 commands §3-4): four commands (no
 * CANCEL_RESERVATION), the Token of START_SESSION and RESERVE_NOW in its 2.1.1 form, an integer
 * reservation_id, no connector_id on START_SESSION and no authorization_reference. The CPO's
 * direct answer and the charge point's result are both a CommandResponse `{result}`, without the
 * `timeout` and `message` of 2.2.1.
 */
import { z } from 'zod';
import { DateTime, Url, ciString } from '../../../model/primitives.js';
import { Token211 } from '../tokens/schemas.js';

export const CommandType211 = z.enum(['RESERVE_NOW', 'START_SESSION', 'STOP_SESSION', 'UNLOCK_CONNECTOR']);
export type CommandType211 = z.infer<typeof CommandType211>;

export const CommandResponseType211 = z.enum(['NOT_SUPPORTED', 'REJECTED', 'ACCEPTED', 'TIMEOUT', 'UNKNOWN_SESSION']);
export type CommandResponseType211 = z.infer<typeof CommandResponseType211>;

export const CommandResponse211 = z.object({ result: CommandResponseType211 });
export type CommandResponse211 = z.infer<typeof CommandResponse211>;

const base = { response_url: Url };
// 2.1.1 allows 39 characters for a location id and an EVSE uid; the store (2.2.1) holds 36.
export const StartSession211 = z.object({ ...base, token: Token211, location_id: ciString(36), evse_uid: ciString(36).nullish() });
export const StopSession211 = z.object({ ...base, session_id: ciString(36) });
export const ReserveNow211 = z.object({
  ...base,
  token: Token211,
  expiry_date: DateTime,
  reservation_id: z.number().int({ message: 'must be a whole number' }).min(0),
  location_id: ciString(36),
  evse_uid: ciString(36).nullish(),
});
export const UnlockConnector211 = z.object({ ...base, location_id: ciString(36), evse_uid: ciString(36), connector_id: ciString(36) });

export const CommandBodies211: Record<CommandType211, z.ZodObject> = {
  START_SESSION: StartSession211,
  STOP_SESSION: StopSession211,
  RESERVE_NOW: ReserveNow211,
  UNLOCK_CONNECTOR: UnlockConnector211,
};
