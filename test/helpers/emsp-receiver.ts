/**
 * The set-up every eMSP RECEIVER test shares: a platform hosting the eMSP party DE/EMS, the CPO
 * peer NL/CPO that owns the objects under test, and a second CPO peer NL/OTH that must not reach
 * them; plus a client that calls an OCPI interface as one of those peers.
 */
import { aBusinessDetails, aCredentialsRole } from './builders.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from './platform.js';
import { type RegisteredPeer, aRegisteredPeer } from './registered-peer.js';

export interface EmspReceiverWorld {
  platform: TestPlatform;
  cpo: RegisteredPeer;
  other: RegisteredPeer;
  stop(): Promise<void>;
}

export async function anEmspWithTwoCpoPeers(label: string): Promise<EmspReceiverWorld> {
  const platform = await startTestPlatform(label);
  await platform.admin().post('/parties', { country_code: 'DE', party_id: 'EMS', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
  const cpo = await aRegisteredPeer(platform, [aCredentialsRole({ role: 'CPO', country_code: 'NL', party_id: 'CPO' })]);
  const other = await aRegisteredPeer(platform, [aCredentialsRole({ role: 'CPO', country_code: 'NL', party_id: 'OTH' })]);
  return {
    platform,
    cpo,
    other,
    async stop() {
      await cpo.fake.close();
      await other.fake.close();
      await platform.stop();
    },
  };
}

/** Requests to `base` (e.g. /ocpi/emsp/2.2.1/tariffs) with `peer`'s token. */
export function asPeer(platform: TestPlatform, base: string, peer: RegisteredPeer) {
  const auth = (r: request.Test) => r.set('Authorization', tokenHeader(peer.tokenC));
  return {
    get: (path: string) => auth(request(platform.url).get(`${base}${path}`)),
    put: (path: string, body: object) => auth(request(platform.url).put(`${base}${path}`)).send(body),
    patch: (path: string, body: object) => auth(request(platform.url).patch(`${base}${path}`)).send(body),
    post: (path: string, body: object) => auth(request(platform.url).post(`${base}${path}`)).send(body),
    delete: (path: string) => auth(request(platform.url).delete(`${base}${path}`)),
  };
}
