/** Fake peers connected to a hub platform, each with the module endpoints a test needs. */
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { type FakePeer, startFakePeer } from '../helpers/fake-peer.js';
import { type TestPlatform, request, tokenHeader } from '../helpers/platform.js';

export interface HubPeer {
  fake: FakePeer;
  peerId: string;
  /** What the peer presents to the hub. */
  tokenC: string;
  /** What the hub presents to the peer. */
  tokenB: string;
  party: { country_code: string; party_id: string };
}

export const ALL_ENDPOINTS = ['locations', 'tariffs', 'sessions', 'cdrs', 'tokens', 'commands', 'chargingprofiles', 'hubclientinfo'].flatMap((m) =>
  ['SENDER', 'RECEIVER'].map((role) => ({ identifier: m, role, path: `/${m}/${role.toLowerCase()}` })),
);

export async function enableHub(hub: TestPlatform, extra: Record<string, unknown> = {}) {
  await hub
    .admin()
    .put('/hub', { country_code: 'NL', party_id: 'HUB', business_details: aBusinessDetails('The Hub'), ...extra })
    .expect(200);
}

export async function aHubPeer(hub: TestPlatform, role: string, country_code: string, party_id: string, endpoints = ALL_ENDPOINTS): Promise<HubPeer> {
  const fake = await startFakePeer(endpoints);
  const tokenB = `b-${Math.random().toString(36).slice(2)}`;
  fake.acceptedTokens.add(tokenB);
  const invitation = await hub.admin().post('/peers/invitations', {}).expect(201);
  const res = await request(hub.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: tokenB, url: fake.versionsUrl, roles: [aCredentialsRole({ role, country_code, party_id })] });
  if (res.body.status_code !== 1000) throw new Error(`registration failed: ${JSON.stringify(res.body)}`);
  return { fake, peerId: invitation.body.peer_id, tokenC: res.body.data.token, tokenB, party: { country_code, party_id } };
}

/** A request from `peer` to the hub URL of a module interface, with routing headers. */
export function viaHub(
  hub: TestPlatform,
  peer: HubPeer,
  method: 'get' | 'post' | 'put' | 'patch' | 'delete',
  path: string,
  to?: { country_code: string; party_id: string },
  from = peer.party,
) {
  let r = request(hub.url)[method](`/ocpi/hub/2.2.1${path}`).set('Authorization', tokenHeader(peer.tokenC)).set('X-Request-ID', 'req-1').set('X-Correlation-ID', 'corr-1');
  r = r.set('OCPI-from-country-code', from.country_code).set('OCPI-from-party-id', from.party_id);
  if (to) r = r.set('OCPI-to-country-code', to.country_code).set('OCPI-to-party-id', to.party_id);
  return r;
}

export const HUB = { country_code: 'NL', party_id: 'HUB' };
