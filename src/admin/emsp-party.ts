/** The eMSP party a backend API path names; 404 when it is unknown or not an eMSP. */
import type { z } from 'zod';
import type { AppContext } from '../context.js';
import type { PartyRef } from '../ocpi/context.js';
import { notFound } from './errors.js';
import type { PartyPath } from './schemas.js';

export async function emspParty(app: AppContext, params: z.infer<typeof PartyPath>): Promise<PartyRef> {
  const party = await app.parties.find(params.country_code, params.party_id);
  if (!party || !party.roles.includes('EMSP')) throw notFound(`eMSP party ${params.country_code}/${params.party_id}`);
  return { countryCode: party.countryCode, partyId: party.partyId };
}
