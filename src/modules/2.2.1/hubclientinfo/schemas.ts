/** HubClientInfo module schemas beyond the object (src/model/client-info.ts): the path. */
import { z } from 'zod';
import { CountryCode, PartyId } from '../../../model/primitives.js';

export const ClientInfoPath = z.object({ country_code: CountryCode, party_id: PartyId });
