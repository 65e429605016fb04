/**
 * The Token (07-tokens §3) an eMSP pushes to CPOs, and its PATCH form. zod objects drop unknown
 * fields, so peers that send extras are read tolerantly; missing required fields and bad values are 2001.
 */
import { z } from 'zod';
import { CountryCode, DateTime, PartyId, ciString, ocpiString, patchOf } from './primitives.js';
import { TokenType } from './cdr.js';
import { ProfileType } from './session.js';

export const WhitelistType = z.enum(['ALWAYS', 'ALLOWED', 'ALLOWED_OFFLINE', 'NEVER']);
export type WhitelistType = z.infer<typeof WhitelistType>;

/** The verdict of a real-time authorization (POST authorize, used by the later Sender side). */
export const AllowedType = z.enum(['ALLOWED', 'BLOCKED', 'EXPIRED', 'NO_CREDIT', 'NOT_ALLOWED']);
export type AllowedType = z.infer<typeof AllowedType>;

export const EnergyContract = z.object({
  supplier_name: ocpiString(64),
  contract_id: ocpiString(64).nullish(),
});
export type EnergyContract = z.infer<typeof EnergyContract>;

export const Token = z.object({
  country_code: CountryCode,
  party_id: PartyId,
  uid: ciString(36),
  type: TokenType,
  contract_id: ciString(36),
  visual_number: ocpiString(64).nullish(),
  issuer: ocpiString(64),
  // 36 per the spec; OCPP 1.x parentIdTag only holds 20 (P10), which is the charger's concern.
  group_id: ciString(36).nullish(),
  valid: z.boolean(),
  whitelist: WhitelistType,
  language: ocpiString(2).nullish(),
  default_profile_type: ProfileType.nullish(),
  energy_contract: EnergyContract.nullish(),
  last_updated: DateTime,
});
export type Token = z.infer<typeof Token>;

export const TokenPatch = patchOf(Token);
export type TokenPatch = z.infer<typeof TokenPatch>;
