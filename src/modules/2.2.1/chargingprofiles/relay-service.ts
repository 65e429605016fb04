/**
 * Topology "eMSP delegates to an SCSP" (09-chargingprofiles S2, S4, S6, S8): our eMSP party is the
 * Receiver towards the SCSP it delegated its drivers' smart charging to, and the Sender towards
 * the session's CPO. It passes the SCSP's request on as its own (its own unique response_url),
 * answers the SCSP with the CPO's ChargingProfileResponse, and relays the CPO's result and
 * ActiveChargingProfile updates to the SCSP. The CPO sees a normal eMSP.
 */
import type { AppContext } from '../../../context.js';
import type { ChargingProfile, ChargingProfileResponse } from '../../../model/charging-profile.js';
import { ciEquals } from '../../../model/primitives.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { invalidParameters } from '../../../ocpi/errors.js';
import { emspDelegate } from '../../../platform/delegations/delegations.js';
import { TargetError } from '../shared/cpo-target.js';
import type { ProfileCaller, ProfileRequestKind } from './service.js';
import { type ProfileInput, sendProfileRequest } from './sender-service.js';

const same = (a: PartyRef, b: PartyRef) => ciEquals(a.countryCode, b.countryCode) && ciEquals(a.partyId, b.partyId);

/** The request our SCSP-facing receiver got, as our eMSP party sends it on. */
function inputOf(kind: ProfileRequestKind, request: Record<string, unknown>): ProfileInput {
  if (kind === 'SET') return { kind, charging_profile: request.charging_profile as ChargingProfile };
  if (kind === 'GET') return { kind, duration: Number(request.duration) };
  return { kind };
}

/**
 * A request of an SCSP (`caller.requester`) to our eMSP party (`caller.party`) for a session of
 * its drivers. A party our eMSP never delegated to learns nothing (UNKNOWN_SESSION, as for an
 * unknown id); its delegate's request goes to the CPO, whose answer is ours.
 */
export async function relayProfileRequest(
  app: AppContext,
  caller: ProfileCaller,
  kind: ProfileRequestKind,
  sessionId: string,
  request: Record<string, unknown>,
): Promise<ChargingProfileResponse> {
  const timeout = app.config.COMMAND_TIMEOUT_SECONDS;
  const responseUrl = String(request.response_url);
  try {
    app.urlPolicy.check(responseUrl);
  } catch (e) {
    throw invalidParameters(`response_url: ${(e as Error).message}`);
  }
  const delegate = await emspDelegate(app.db, caller.party);
  if (!delegate || !same(delegate.scsp, caller.requester)) return { result: 'UNKNOWN_SESSION', timeout };
  try {
    const sent = await sendProfileRequest(app, caller.party, sessionId, inputOf(kind, request), {
      peerId: caller.peerId,
      scsp: caller.requester,
      responseUrl,
    });
    // No usable answer from the CPO: the SCSP hears that it will get no result.
    return sent.request.response
      ? { result: sent.request.response.result as ChargingProfileResponse['result'], timeout: sent.request.response.timeout }
      : { result: 'REJECTED', timeout };
  } catch (e) {
    if (e instanceof TargetError) return { result: e.missing ? 'UNKNOWN_SESSION' : 'REJECTED', timeout };
    throw e;
  }
}
