/** Credentials and version details as OCPI 2.1.1 puts them on the wire: one party per credentials object, endpoints without a role. */
import { z } from 'zod';
import { CredentialsToken } from '../../../model/credentials.js';
import { BusinessDetails, CountryCode, PartyId, Url } from '../../../model/primitives.js';

export const Credentials211 = z.object({
  token: CredentialsToken,
  url: Url,
  business_details: BusinessDetails,
  party_id: PartyId,
  country_code: CountryCode,
});
export type Credentials211 = z.infer<typeof Credentials211>;

export const Endpoint211 = z.object({ identifier: z.string().max(30), url: Url });
export type Endpoint211 = z.infer<typeof Endpoint211>;

export const VersionDetails211 = z.object({ version: z.string().max(10), endpoints: z.array(Endpoint211).min(1) });
