/**
 * Objects of the real-time authorization (07-tokens §3.2, §3.3): the LocationReferences we send
 * to the token owner's `POST {uid}/authorize` and the AuthorizationInfo it answers. The answer
 * comes from a peer, so it is validated before any field of it decides a charge.
 */
import { z } from 'zod';
import { DisplayText, ciString, optionalList } from './primitives.js';
import { AllowedType, Token } from './token.js';

export const LocationReferences = z.object({
  location_id: ciString(36),
  evse_uids: optionalList(ciString(36)),
});
export type LocationReferences = z.infer<typeof LocationReferences>;

export const AuthorizationInfo = z.object({
  allowed: AllowedType,
  // The spec requires the complete Token: a partial one is not an answer we can rely on.
  token: Token,
  location: LocationReferences.nullish(),
  authorization_reference: ciString(36).nullish(),
  info: DisplayText.nullish(),
});
export type AuthorizationInfo = z.infer<typeof AuthorizationInfo>;
