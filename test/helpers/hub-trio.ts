/**
 * Three platforms for the hub end-to-end tests: a hub, a CPO platform (simulator backend, tariff
 * T1) and an eMSP platform, the latter two connected only to the hub; plus the checks every hop
 * of those tests makes (routing headers of transport §9.2).
 */
import { aBusinessDetails } from './builders.js';
import { FAST_DELIVERY } from './delivery.js';
import { type RecordedRequest, type TestPlatform, startTestPlatform } from './platform.js';

export const CPO = { cc: 'NL', pid: 'CPO' };
export const EMSP = { cc: 'DE', pid: 'EMS' };
export const HUB = { cc: 'NL', pid: 'HUB' };
export const TARIFF_T1 = {
  country_code: 'NL',
  party_id: 'CPO',
  id: 'T1',
  currency: 'EUR',
  elements: [{ price_components: [{ type: 'ENERGY', price: 0.25, vat: 10, step_size: 1 }] }],
  last_updated: '2025-01-01T00:00:00Z',
};

export interface HubTrio {
  hub: TestPlatform;
  cpo: TestPlatform;
  emsp: TestPlatform;
  /** The id of each side's connection to the hub. */
  hubPeerAtCpo: string;
  hubPeerAtEmsp: string;
  stop(): Promise<void>;
}

/** `beforeConnect` runs on the CPO platform once its party exists and before anyone is connected. */
export async function startHubTrio(label: string, beforeConnect: (cpo: TestPlatform) => Promise<void> = async () => undefined): Promise<HubTrio> {
  const [hub, cpo, emsp] = await Promise.all([
    startTestPlatform(label, { env: FAST_DELIVERY }),
    startTestPlatform(`${label}_cpo`, { env: { ...FAST_DELIVERY, SIMULATOR_SPEED: '3600', SIMULATOR_POWER_KW: '11', SIMULATOR_TICK_MS: '100' } }),
    startTestPlatform(`${label}_emsp`, { env: FAST_DELIVERY }),
  ]);
  await hub
    .admin()
    .put('/hub', { country_code: 'NL', party_id: 'HUB', business_details: aBusinessDetails('Roaming Hub') })
    .expect(200);
  await cpo
    .admin()
    .post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails('CPO Inc') })
    .expect(201);
  await cpo.admin().put('/parties/NL/CPO/backend', { adapter: 'simulator' }).expect(200);
  await cpo.admin().put('/parties/NL/CPO/tariffs/T1', TARIFF_T1).expect(200);
  await beforeConnect(cpo);
  await emsp
    .admin()
    .post('/parties', { country_code: 'DE', party_id: 'EMS', role: 'EMSP', business_details: aBusinessDetails('eMSP GmbH') })
    .expect(201);
  const connect = async (platform: TestPlatform, label: string): Promise<string> => {
    const invitation = await hub.admin().post('/peers/invitations', { label }).expect(201);
    const res = await platform
      .admin()
      .post('/peers/connect', { versions_url: `${hub.url}/ocpi/versions`, token: invitation.body.token, label: 'hub' })
      .expect(201);
    expect(res.body.roles).toEqual([expect.objectContaining({ role: 'HUB', country_code: 'NL', party_id: 'HUB' })]);
    return res.body.id;
  };
  const hubPeerAtCpo = await connect(cpo, 'CPO Inc');
  const hubPeerAtEmsp = await connect(emsp, 'eMSP GmbH');
  return { hub, cpo, emsp, hubPeerAtCpo, hubPeerAtEmsp, stop: async () => void (await Promise.all([hub.stop(), cpo.stop(), emsp.stop()])) };
}

export function expectRouting(r: RecordedRequest | undefined, from: { cc: string; pid: string }, to: { cc: string; pid: string }) {
  expect(r).toBeDefined();
  expect(r!.headers).toMatchObject({
    'ocpi-from-country-code': from.cc,
    'ocpi-from-party-id': from.pid,
    'ocpi-to-country-code': to.cc,
    'ocpi-to-party-id': to.pid,
    'x-request-id': expect.any(String),
    'x-correlation-id': expect.any(String),
  });
}

export const find = (p: TestPlatform, method: string, prefix: string) => p.received.filter((r) => r.method === method && r.path.startsWith(prefix));
