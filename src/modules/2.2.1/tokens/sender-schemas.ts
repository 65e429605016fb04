/**
 * What the eMSP backend writes for the tokens our eMSP parties issue: a complete OCPI Token
 * (last_updated optional: the platform stamps it) plus the platform's own authorization rules,
 * `expires_at` and `allowed_locations`, which decide EXPIRED and NOT_ALLOWED on POST authorize
 * and are never sent to a peer (the Token has no such fields).
 */
import { z } from 'zod';
import { DateTime, ciString } from '../../../model/primitives.js';
import { Token } from '../../../model/token.js';

/** Where a token may charge: a location, and optionally only some of its EVSEs. */
export const AllowedLocation = z.object({
  location_id: ciString(36),
  evse_uids: z.array(ciString(36)).nullish().describe('Absent, null or empty: every EVSE of the location'),
});
export type AllowedLocation = z.infer<typeof AllowedLocation>;

const PlatformRules = {
  expires_at: DateTime.nullish().describe('Platform rule, never sent to peers: from then on POST authorize answers EXPIRED'),
  allowed_locations: z
    .array(AllowedLocation)
    .nullish()
    .describe('Platform rule, never sent to peers: absent or null = anywhere; else POST authorize answers NOT_ALLOWED elsewhere and 2002 without LocationReferences'),
};

export const OwnTokenInput = Token.extend({ last_updated: DateTime.optional().describe('Set by the platform when absent'), ...PlatformRules });
export type OwnTokenInput = z.infer<typeof OwnTokenInput>;

export const OwnTokenPatch = Token.partial().extend(PlatformRules);
export type OwnTokenPatch = z.infer<typeof OwnTokenPatch>;

/** A stored token as the backend API shows it: the Token and the platform rules side by side. */
export const OwnTokenView = Token.extend({ expires_at: z.string().nullable(), allowed_locations: z.array(AllowedLocation).nullable() });
export type OwnTokenView = z.infer<typeof OwnTokenView>;

/** Only the OCPI Token fields: what is stored as the document and pushed. */
export const TOKEN_FIELDS = Object.keys(Token.shape) as Array<keyof Token>;
