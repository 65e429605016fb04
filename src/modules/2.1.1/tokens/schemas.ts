/**
 * Token, LocationReferences and AuthorizationInfo as OCPI 2.1.1 puts them on the wire (2.1.1
 * tokens §3-4): a Token names no country_code/party_id (the connection's party owns it), carries
 * `auth_id` where 2.2.1 has `contract_id`, knows only the types OTHER and RFID, and has no
 * group_id, default_profile_type or energy_contract. An AuthorizationInfo carries neither the
 * Token nor an authorization_reference. The stored model is 2.2.1's (src/model/token.ts).
 */
import { z } from 'zod';
import { DateTime, DisplayText, ciString, ocpiString, optionalList } from '../../../model/primitives.js';
import { AllowedType, WhitelistType } from '../../../model/token.js';

export const TokenType211 = z.enum(['OTHER', 'RFID']);
export type TokenType211 = z.infer<typeof TokenType211>;

export const Token211 = z.object({
  uid: ciString(36),
  type: TokenType211,
  auth_id: ciString(36),
  visual_number: ocpiString(64).nullish(),
  issuer: ocpiString(64),
  valid: z.boolean(),
  whitelist: WhitelistType,
  language: ocpiString(2).nullish(),
  last_updated: DateTime,
});
export type Token211 = z.infer<typeof Token211>;

/** 2.1.1 lets a PATCH leave out last_updated (its own example does): the receiver stamps it. */
export const Token211Patch = Token211.partial().extend({ last_updated: DateTime.optional().describe('When absent: the time we received the PATCH') });
export type Token211Patch = z.infer<typeof Token211Patch>;

// 2.1.1 allows 39 characters for a location id and an EVSE uid; the store (2.2.1) holds 36.
export const LocationReferences211 = z.object({
  location_id: ciString(36),
  evse_uids: optionalList(ciString(36)),
  connector_ids: optionalList(ciString(36)),
});
export type LocationReferences211 = z.infer<typeof LocationReferences211>;

export const AuthorizationInfo211 = z.object({
  allowed: AllowedType,
  location: LocationReferences211.nullish(),
  info: DisplayText.nullish(),
});
export type AuthorizationInfo211 = z.infer<typeof AuthorizationInfo211>;
