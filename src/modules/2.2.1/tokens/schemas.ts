/**
 * Tokens module objects (07-tokens §3): the Token an eMSP pushes to our CPO parties, its PATCH
 * form, and the path and query of the Receiver interface. zod objects drop unknown fields, so
 * peers that send extras are read tolerantly; missing required fields and bad values are 2001.
 */
import { z } from 'zod';
import { CountryCode, DateTime, PartyId, ciString, ocpiString } from '../../../ocpi/types.js';
import { TokenType } from '../../../tariffs/cdr-schemas.js';
import { ProfileType } from '../../../tariffs/session-schemas.js';

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

/** A PATCH: any subset of the Token's fields, but last_updated always (transport §4). */
export const TokenPatch = Token.partial().extend({ last_updated: DateTime });
export type TokenPatch = z.infer<typeof TokenPatch>;

/** `{country_code}/{party_id}` are the eMSP's (the token owner's), not ours (P11). */
export const TokenPath = z.object({
  country_code: CountryCode,
  party_id: PartyId,
  token_uid: ciString(36),
});
export type TokenPath = z.infer<typeof TokenPath>;

/** `?type=` is part of the token's identity and defaults to RFID when absent (P2). */
export const TokenQuery = z.object({ type: TokenType.default('RFID') });
export type TokenQuery = z.infer<typeof TokenQuery>;

/**
 * The Receiver's `?type=`: left undefined when absent, because the service reads an absent type
 * tolerantly (the body's type, or the only token with that uid) before falling back to RFID.
 */
export const ReceiverTokenQuery = z.object({
  type: TokenType.optional().describe("Token type; when absent: the body's type on PUT, else the only token with this uid, else RFID"),
});
export type ReceiverTokenQuery = z.infer<typeof ReceiverTokenQuery>;
