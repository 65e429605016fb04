/** ClientInfo (12-hubclientinfo §3): a party's connection status as the hub sees it. */
import { z } from 'zod';
import { CountryCode, DateTime, PartyId, Role } from './primitives.js';

export const ConnectionStatus = z.enum(['CONNECTED', 'OFFLINE', 'PLANNED', 'SUSPENDED']);

export const ClientInfo = z.object({
  party_id: PartyId,
  country_code: CountryCode,
  role: Role,
  status: ConnectionStatus,
  last_updated: DateTime,
});
export type ClientInfo = z.infer<typeof ClientInfo>;
