import { z } from 'zod';
import { CountryCode, DateTime, PartyId, Role } from '../../../ocpi/types.js';

export const ConnectionStatus = z.enum(['CONNECTED', 'OFFLINE', 'PLANNED', 'SUSPENDED']);

export const ClientInfo = z.object({
  party_id: PartyId,
  country_code: CountryCode,
  role: Role,
  status: ConnectionStatus,
  last_updated: DateTime,
});
export type ClientInfo = z.infer<typeof ClientInfo>;

export const ClientInfoPath = z.object({ country_code: CountryCode, party_id: PartyId });
