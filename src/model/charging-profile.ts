/** ChargingProfile objects (09-chargingprofiles §3), shared by the module and the backend API. */
import { z } from 'zod';
import { DateTime, Url } from './primitives.js';

export const ChargingRateUnit = z.enum(['W', 'A']);
export const ChargingProfileResponseType = z.enum(['ACCEPTED', 'NOT_SUPPORTED', 'REJECTED', 'TOO_OFTEN', 'UNKNOWN_SESSION']);
export type ChargingProfileResponseType = z.infer<typeof ChargingProfileResponseType>;
export const ChargingProfileResultType = z.enum(['ACCEPTED', 'REJECTED', 'UNKNOWN']);
export type ChargingProfileResultType = z.infer<typeof ChargingProfileResultType>;

/** limit and min_charging_rate allow one decimal, not OCPI's usual four (09-chargingprofiles P5). */
const oneDecimal = z.number().refine((n) => Math.abs(Math.round(n * 10) - n * 10) < 1e-6, { message: 'must have at most 1 decimal', params: { repair: 'truncate', decimals: 1 } });

export const ChargingProfilePeriod = z.object({
  start_period: z.number().int().min(0),
  limit: oneDecimal,
});

export const ChargingProfile = z.object({
  start_date_time: DateTime.nullish(),
  duration: z.number().int().min(0).nullish(),
  charging_rate_unit: ChargingRateUnit,
  min_charging_rate: oneDecimal.nullish(),
  charging_profile_period: z.array(ChargingProfilePeriod).nullish(),
});
export type ChargingProfile = z.infer<typeof ChargingProfile>;

export const ActiveChargingProfile = z.object({
  start_date_time: DateTime,
  charging_profile: ChargingProfile,
});
export type ActiveChargingProfile = z.infer<typeof ActiveChargingProfile>;

export const SetChargingProfile = z.object({
  charging_profile: ChargingProfile,
  response_url: Url,
});

/** No `message` field, unlike CommandResponse (P9). */
export const ChargingProfileResponse = z.object({
  result: ChargingProfileResponseType,
  timeout: z.number().int(),
});
export type ChargingProfileResponse = z.infer<typeof ChargingProfileResponse>;
/** As we accept it from a CPO: without `timeout` the eMSP side uses COMMAND_TIMEOUT_SECONDS (like a CommandResponse). */
export const ReceivedChargingProfileResponse = ChargingProfileResponse.extend({ timeout: z.number().int().nullish() });

export const ActiveChargingProfileResult = z.object({
  result: ChargingProfileResultType,
  profile: ActiveChargingProfile.nullish(),
});
export const ChargingProfileResult = z.object({ result: ChargingProfileResultType });
export const ClearProfileResult = z.object({ result: ChargingProfileResultType });

/** What the backend reports: the answer of one request (profile only answers a GET). */
export const ChargingProfileAnswer = ActiveChargingProfileResult;
export type ChargingProfileAnswer = z.infer<typeof ChargingProfileAnswer>;
