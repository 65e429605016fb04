/**
 * Session and ChargingPeriod as OCPI 2.1.1 puts them on the wire (2.1.1 sessions §3, cdrs §4): a
 * Session names its token by `auth_id`, embeds its Location (with the one EVSE and connector
 * used), carries `total_cost` as a plain number and spells `start_datetime`/`end_datetime`; a
 * charging period's dimensions are a smaller set (with FLAT) and carry no `tariff_id`. The stored
 * model is 2.2.1's (src/model/session.ts); translate.ts maps between them.
 */
import { z } from 'zod';
import { DateTime, ciString, nonEmptyList, ocpiString, optionalList, patchOf } from '../../../model/primitives.js';
import { Location211 } from '../locations/schemas.js';

export const CdrDimensionType211 = z.enum(['ENERGY', 'FLAT', 'MAX_CURRENT', 'MIN_CURRENT', 'PARKING_TIME', 'TIME']);
export const AuthMethod211 = z.enum(['AUTH_REQUEST', 'WHITELIST']);
export const SessionStatus211 = z.enum(['ACTIVE', 'COMPLETED', 'INVALID', 'PENDING']);

export const CdrDimension211 = z.object({ type: CdrDimensionType211, volume: z.number() });

export const ChargingPeriod211 = z.object({
  start_date_time: DateTime,
  dimensions: nonEmptyList(CdrDimension211),
});
export type ChargingPeriod211 = z.infer<typeof ChargingPeriod211>;

export const Currency = z.string().regex(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code such as EUR' });

export const Session211 = z.object({
  id: ciString(36),
  start_datetime: DateTime,
  end_datetime: DateTime.nullish(),
  kwh: z.number(),
  auth_id: ocpiString(36),
  auth_method: AuthMethod211,
  location: Location211,
  meter_id: ocpiString(255).nullish(),
  currency: Currency,
  charging_periods: optionalList(ChargingPeriod211),
  total_cost: z.number().nullish(),
  status: SessionStatus211,
  last_updated: DateTime,
});
export type Session211 = z.infer<typeof Session211>;

export const Session211Patch = patchOf(Session211);
export type Session211Patch = z.infer<typeof Session211Patch>;
