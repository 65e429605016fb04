/**
 * The `--scsp` part of the demo's story (09-chargingprofiles, topology "CPO delegates to an
 * SCSP"): the CPO delegates the smart charging of one location to a Smart Charging Service
 * Provider on a third platform; mid-session the SCSP lowers the charging power, the charge point
 * accepts it and reports the profile it runs, and the driver's eMSP, no longer in control of
 * that session, is refused.
 */
import { CPO, EMSP, SCSP } from './fixture.js';
import type { DemoPlatform } from './platforms.js';
import { step, waitFor } from './wait.js';

const path = {
  emsp: `/parties/${EMSP.country_code}/${EMSP.party_id}`,
  scsp: `/parties/${SCSP.country_code}/${SCSP.party_id}`,
};

/** What the story reads of a charging profile request the SCSP's or the eMSP's backend sent. */
interface ProfileRequest {
  id: string;
  status: string;
  response: { result: string } | null;
  result: { result: string; profile?: { start_date_time: string; charging_profile: { charging_rate_unit: string; charging_profile_period?: Array<{ limit: number }> } } } | null;
}

export async function registerScsp(scsp: DemoPlatform): Promise<void> {
  await scsp.admin.post('/parties', {
    country_code: SCSP.country_code,
    party_id: SCSP.party_id,
    role: 'SCSP',
    business_details: { name: SCSP.name, website: 'https://example.com' },
  });
}

export async function delegateLocation(out: (l: string) => void, cpo: DemoPlatform, locationId: string): Promise<void> {
  step(out, `The CPO delegates the smart charging at ${locationId} to the SCSP ${SCSP.name}`);
  // Behind a hub the CPO knows the SCSP once the hub's ClientInfo named it: asked again until then.
  const delegation = await waitFor(
    'the delegation to the SCSP',
    20_000,
    () => cpo.admin.post<{ id: string }>('/delegations', { from: `${CPO.country_code}/${CPO.party_id}`, to: `${SCSP.country_code}/${SCSP.party_id}`, locations: [locationId] }),
    300,
  );
  out(`  delegation ${delegation.id}: sessions at ${locationId} are pushed to the SCSP, which alone sets their charging profiles`);
}

function waitForResult(p: DemoPlatform, party: string, sessionId: string, id: string, what: string): Promise<ProfileRequest> {
  return waitFor(`the ${what} result`, 30_000, async () => {
    const r = await p.admin.get<ProfileRequest>(`${party}/sessions/${sessionId}/charging-profile/requests/${id}`);
    return ['RESULT', 'REJECTED', 'TIMEOUT', 'FAILED'].includes(r.status) ? r : undefined;
  });
}

export async function lowerPowerMidSession(out: (l: string) => void, platforms: { emsp: DemoPlatform; scsp: DemoPlatform }, sessionId: string, limitW: number): Promise<void> {
  const { emsp, scsp } = platforms;
  step(out, `Mid-session the SCSP lowers the charging power to ${(limitW / 1000).toFixed(1)} kW (grid congestion)`);
  await waitFor('the session at the SCSP', 20_000, async () =>
    (await scsp.admin.get<{ items: Array<{ id: string }> }>(`${path.scsp}/received/sessions`)).items.some((s) => s.id === sessionId),
  );
  const profile = { charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: limitW }] };
  const set = await scsp.admin.put<ProfileRequest>(`${path.scsp}/sessions/${sessionId}/charging-profile`, { charging_profile: profile });
  const setDone = await waitForResult(scsp, path.scsp, sessionId, set.id, 'SetChargingProfile');
  out(`  SetChargingProfile: ChargingProfileResponse ${set.response?.result ?? '-'}, ChargingProfileResult ${setDone.result?.result ?? setDone.status}`);
  if (setDone.result?.result !== 'ACCEPTED') throw new Error(`the charge point did not accept the SCSP's profile (${setDone.status})`);

  const asked = await scsp.admin.get<ProfileRequest>(`${path.scsp}/sessions/${sessionId}/charging-profile?duration=900`);
  const active = await waitForResult(scsp, path.scsp, sessionId, asked.id, 'ActiveChargingProfile');
  const running = active.result?.profile;
  const limit = running?.charging_profile.charging_profile_period?.[0]?.limit;
  out(`  ActiveChargingProfile the charge point runs: ${limit ?? '?'} ${running?.charging_profile.charging_rate_unit ?? ''} (calculated ${running?.start_date_time ?? '?'})`);
  if (limit !== limitW) throw new Error(`the charge point reports ${limit} instead of the SCSP's ${limitW} W`);
  out('  (the simulated charge point keeps metering at its nominal power: the limit is what it reports)');

  // The driver's eMSP would like full power back: the CPO's delegation says who decides.
  const raise = { charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: 11000 }] };
  const tried = await emsp.admin.put<ProfileRequest>(`${path.emsp}/sessions/${sessionId}/charging-profile`, { charging_profile: raise });
  out(`  the eMSP asks for 11 kW: ChargingProfileResponse ${tried.response?.result ?? tried.status} (the SCSP controls this session; the conflict is listed at the CPO)`);
  if (tried.response?.result !== 'REJECTED') throw new Error(`the eMSP's profile was ${tried.response?.result ?? tried.status}, not REJECTED`);
}
