/** Sessions module schemas beyond the objects (src/model/session.ts): the Receiver's path. */
import { z } from 'zod';
import { CountryCode, PartyId, ciString } from '../../../model/primitives.js';

/** `{country_code}/{party_id}` are the CPO's (the session owner's), not ours. */
export const ReceiverSessionPath = z.object({ country_code: CountryCode, party_id: PartyId, session_id: ciString(36) });
export type ReceiverSessionPath = z.infer<typeof ReceiverSessionPath>;
