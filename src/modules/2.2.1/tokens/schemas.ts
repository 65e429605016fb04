/** Tokens module schemas beyond the objects (src/model/token.ts): the Receiver's path and query. */
import { z } from 'zod';
import { CountryCode, PartyId, ciString } from '../../../model/primitives.js';
import { TokenType } from '../../../model/cdr.js';

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
