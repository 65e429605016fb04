import { z } from 'zod';
import { BusinessDetails, CountryCode, PartyId, Role, Url, nonEmptyList } from './primitives.js';

export const CredentialsRole = z.object({
  role: Role,
  business_details: BusinessDetails,
  party_id: PartyId,
  country_code: CountryCode,
});
export type CredentialsRole = z.infer<typeof CredentialsRole>;

/** The token in the body is the raw token (only the Authorization header is Base64). */
export const CredentialsToken = z
  .string()
  .min(1, { message: 'must not be empty' })
  .max(64, { message: 'must be at most 64 characters' })
  .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without whitespace' });

export const Credentials = z
  .object({
    token: CredentialsToken,
    url: Url,
    roles: nonEmptyList(CredentialsRole),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.roles.forEach((r, i) => {
      const key = `${r.role}/${r.country_code}/${r.party_id}`.toUpperCase();
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['roles', i], message: `duplicate role ${r.role} ${r.country_code}/${r.party_id}` });
      seen.add(key);
    });
  });
export type Credentials = z.infer<typeof Credentials>;
