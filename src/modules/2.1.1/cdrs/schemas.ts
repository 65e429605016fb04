/**
 * CDR as OCPI 2.1.1 puts it on the wire (2.1.1 cdrs §3): the token named by `auth_id`, the
 * Location embedded (with the one EVSE and connector used) instead of a CdrLocation, one
 * `total_cost` number (excluding VAT) and no cost breakdown, `stop_date_time`, 2.1.1 tariffs,
 * no signed data, no credit. The stored model is 2.2.1's (src/model/cdr.ts).
 */
import { z } from 'zod';
import { Cdr, CdrLocation } from '../../../model/cdr.js';
import { DateTime, ciString, nonEmptyList, ocpiString, optionalList } from '../../../model/primitives.js';
import { Location211 } from '../locations/schemas.js';
import { AuthMethod211, ChargingPeriod211, Currency } from '../sessions/schemas.js';
import { Tariff211 } from '../tariffs/schemas.js';

export const Cdr211 = z.object({
  id: ciString(36),
  start_date_time: DateTime,
  stop_date_time: DateTime,
  auth_id: ocpiString(36),
  auth_method: AuthMethod211,
  location: Location211,
  meter_id: ocpiString(255).nullish(),
  currency: Currency,
  tariffs: optionalList(Tariff211),
  charging_periods: nonEmptyList(ChargingPeriod211),
  total_cost: z.number(),
  total_energy: z.number(),
  total_time: z.number().min(0, { message: 'must not be negative' }),
  total_parking_time: z.number().min(0, { message: 'must not be negative' }).nullish(),
  remark: ocpiString(255).nullish(),
  last_updated: DateTime,
});
export type Cdr211 = z.infer<typeof Cdr211>;

/**
 * What a translated 2.1.1 CDR must be to be stored: the 2.2.1 CDR, with the CdrLocation text
 * lengths of a 2.1.1 Location (address and city up to 255), as the 2.2.1 receiver accepts them.
 */
export const TranslatedCdr = Cdr.safeExtend({
  cdr_location: CdrLocation.extend({ address: ocpiString(255), city: ocpiString(255), state: ocpiString(45).nullish() }),
});
