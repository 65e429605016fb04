/**
 * The OCPI 2.2.1 Session as the CDR builder needs it (the sessions module may reuse it).
 */
import { z } from 'zod';
import { CountryCode, DateTime, PartyId, Price, ciString, ocpiString, optionalList, patchOf } from './primitives.js';
import { AuthMethod, CdrToken, ChargingPeriod } from './cdr.js';

export const SessionStatus = z.enum(['ACTIVE', 'COMPLETED', 'INVALID', 'PENDING', 'RESERVATION']);
export type SessionStatus = z.infer<typeof SessionStatus>;

export const ProfileType = z.enum(['CHEAP', 'FAST', 'GREEN', 'REGULAR']);
export type ProfileType = z.infer<typeof ProfileType>;

export const Session = z.object({
  country_code: CountryCode,
  party_id: PartyId,
  id: ciString(36),
  start_date_time: DateTime,
  end_date_time: DateTime.nullish(),
  kwh: z.number(),
  cdr_token: CdrToken,
  auth_method: AuthMethod,
  authorization_reference: ciString(36).nullish(),
  location_id: ciString(36),
  evse_uid: ciString(36),
  connector_id: ciString(36),
  meter_id: ocpiString(255).nullish(),
  currency: z.string().regex(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code such as EUR' }),
  charging_periods: optionalList(ChargingPeriod),
  total_cost: Price.nullish(),
  status: SessionStatus,
  last_updated: DateTime,
});
export type Session = z.infer<typeof Session>;

/** A partial Session; last_updated is mandatory (§2.3), its absence is 2001. */
export const SessionPatch = patchOf(Session);
export type SessionPatch = z.infer<typeof SessionPatch>;
export type SessionInput = z.input<typeof Session>;
