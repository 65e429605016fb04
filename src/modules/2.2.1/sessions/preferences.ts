/**
 * Charging preferences for an ongoing session (05-sessions §2.1, §5.2-5.3): only the eMSP owning
 * the session's token may send them, only for an EVSE that is CHARGING_PREFERENCES_CAPABLE
 * (else HTTP 404 with 2001, digest P5), and they are passed on to the party's backend. The
 * answer is the bare enum in `data`.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { forwardToBackend } from '../../../backends/adapter.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { OcpiError } from '../../../ocpi/errors.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { DateTime, ciEquals } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { ProfileType } from '../../../model/session.js';

export const ChargingPreferences = z.object({
  profile_type: ProfileType,
  departure_time: DateTime.nullish(),
  energy_need: z.number().min(0).nullish(),
  discharge_allowed: z.boolean().nullish(),
});
export const ChargingPreferencesResponse = z.enum(['ACCEPTED', 'DEPARTURE_REQUIRED', 'ENERGY_NEED_REQUIRED', 'NOT_POSSIBLE', 'PROFILE_TYPE_NOT_SUPPORTED']);
type Answer = z.infer<typeof ChargingPreferencesResponse>;

export async function setChargingPreferences(
  app: AppContext,
  party: PartyRef,
  requester: PartyRef,
  sessionId: string,
  preferences: z.infer<typeof ChargingPreferences>,
): Promise<Answer> {
  const session = await app.services.ownSessions.get(party, sessionId);
  // Another eMSP's session is answered like an unknown one: its existence is not theirs to learn.
  if (!session || !(ciEquals(session.cdr_token.country_code, requester.countryCode) && ciEquals(session.cdr_token.party_id, requester.partyId))) {
    throw new OcpiError(OcpiStatus.INVALID_PARAMETERS, `Unknown session ${sessionId}`, 404);
  }
  const evse = (await app.services.ownLocations.find([partyKey(party.countryCode, party.partyId)], session.location_id, { kind: 'evse', evseUid: session.evse_uid })) as {
    capabilities?: string[];
  } | null;
  if (!evse?.capabilities?.includes('CHARGING_PREFERENCES_CAPABLE')) {
    throw new OcpiError(OcpiStatus.INVALID_PARAMETERS, `EVSE ${session.evse_uid} does not take charging preferences`, 404);
  }
  if (session.status !== 'ACTIVE' && session.status !== 'PENDING') return 'NOT_POSSIBLE';
  const backend = await app.parties.backendOf(party.countryCode, party.partyId);
  if (!backend) return 'NOT_POSSIBLE';
  try {
    await forwardToBackend(app, backend, {
      id: crypto.randomUUID(),
      party,
      command: 'CHARGING_PREFERENCES',
      request: { session_id: session.id, ...preferences },
      deadlineAt: new Date(Date.now() + app.config.COMMAND_TIMEOUT_SECONDS * 1000),
      resultUrl: null,
    });
  } catch {
    return 'NOT_POSSIBLE';
  }
  return 'ACCEPTED';
}
