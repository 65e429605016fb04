/** Commands module objects (08-commands §3-4). */
import { z } from 'zod';
import { CountryCode, DateTime, DisplayText, PartyId, Url, ciString, optionalList, storableJson } from './primitives.js';
import { TokenType } from './cdr.js';

export const CommandType = z.enum(['CANCEL_RESERVATION', 'RESERVE_NOW', 'START_SESSION', 'STOP_SESSION', 'UNLOCK_CONNECTOR']);
export type CommandType = z.infer<typeof CommandType>;
export const CommandResponseType = z.enum(['NOT_SUPPORTED', 'REJECTED', 'ACCEPTED', 'UNKNOWN_SESSION']);
export const CommandResultType = z.enum([
  'ACCEPTED',
  'CANCELED_RESERVATION',
  'EVSE_OCCUPIED',
  'EVSE_INOPERATIVE',
  'FAILED',
  'NOT_SUPPORTED',
  'REJECTED',
  'TIMEOUT',
  'UNKNOWN_RESERVATION',
]);
export type CommandResultType = z.infer<typeof CommandResultType>;

/**
 * The Token inside a command. The CPO must not judge it (the eMSP authorized it already,
 * 08-commands §6.1), so only what the Session's cdr_token needs is enforced; the rest passes.
 */
export const CommandToken = z
  .looseObject({
    country_code: CountryCode,
    party_id: PartyId,
    uid: ciString(36),
    type: TokenType,
    contract_id: ciString(36),
  })
  // The fields passed through unchecked are stored with the command.
  .refine(storableJson, { message: 'must not contain NUL characters or lone surrogates' });

const base = { response_url: Url };
export const StartSession = z
  .object({
    ...base,
    token: CommandToken,
    location_id: ciString(36),
    evse_uid: ciString(36).nullish(),
    connector_id: ciString(36).nullish(),
    authorization_reference: ciString(36).nullish(),
  })
  .refine((s) => !s.connector_id || s.evse_uid, { message: 'evse_uid is required when connector_id is given', path: ['evse_uid'] });
export const StopSession = z.object({ ...base, session_id: ciString(36) });
export const ReserveNow = z.object({
  ...base,
  token: CommandToken,
  expiry_date: DateTime,
  reservation_id: ciString(36),
  location_id: ciString(36),
  evse_uid: ciString(36).nullish(),
  authorization_reference: ciString(36).nullish(),
});
export const CancelReservation = z.object({ ...base, reservation_id: ciString(36) });
export const UnlockConnector = z.object({ ...base, location_id: ciString(36), evse_uid: ciString(36), connector_id: ciString(36) });

export const CommandBodies: Record<CommandType, z.ZodType> = {
  START_SESSION: StartSession,
  STOP_SESSION: StopSession,
  RESERVE_NOW: ReserveNow,
  CANCEL_RESERVATION: CancelReservation,
  UNLOCK_CONNECTOR: UnlockConnector,
};

export const CommandResponse = z.object({ result: CommandResponseType, timeout: z.number().int(), message: optionalList(DisplayText) });
/** A CommandResponse as we accept it from a CPO: without `timeout` (required by the spec, often left out) the eMSP side uses COMMAND_TIMEOUT_SECONDS. */
export const ReceivedCommandResponse = CommandResponse.extend({ timeout: z.number().int().nullish() });
export const CommandResult = z.object({ result: CommandResultType, message: optionalList(DisplayText) });
export type CommandResult = z.infer<typeof CommandResult>;
