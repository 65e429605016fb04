/**
 * The eMSP party a backend API path names; 404 when it is unknown or has none of `roles`. An
 * SCSP's backend uses the same received-sessions, charging-profile and events API as an eMSP's.
 */
import type { z } from 'zod';
import type { AppContext } from '../context.js';
import type { PartyRef } from '../ocpi/context.js';
import type { LocalRole } from '../platform/parties/party-store.js';
import { notFound } from './errors.js';
import type { PartyPath } from './schemas.js';

export async function emspParty(app: AppContext, params: z.infer<typeof PartyPath>, roles: readonly LocalRole[] = ['EMSP']): Promise<PartyRef> {
  const party = await app.parties.find(params.country_code, params.party_id);
  if (!party || !party.roles.some((r) => roles.includes(r)))
    throw notFound(`${roles.map((r) => (r === 'EMSP' ? 'eMSP' : r)).join(' or ')} party ${params.country_code}/${params.party_id}`);
  return { countryCode: party.countryCode, partyId: party.partyId };
}

/** The roles whose backends read received sessions and send charging profiles. */
export const SESSION_RECEIVING_ROLES: readonly LocalRole[] = ['EMSP', 'SCSP'];
