/**
 * A peer registered with a test platform the way a real one would: invitation, then POST
 * /credentials with Token A from a fake peer that serves its own versions.
 */
import { type FakePeer, startFakePeer } from './fake-peer.js';
import { type TestPlatform, request, tokenHeader } from './platform.js';
import { aCredentialsRole } from './builders.js';

export interface RegisteredPeer {
  fake: FakePeer;
  peerId: string;
  /** The token the platform issued (C): what the peer presents to the platform. */
  tokenC: string;
  /** The token the peer issued (B): what the platform presents to the peer. */
  tokenB: string;
}

/** `endpoints`: module interfaces the fake advertises besides credentials (paths on the fake). */
export async function aRegisteredPeer(
  platform: TestPlatform,
  roles = [aCredentialsRole()],
  tokenB = `peer-token-${Math.random().toString(36).slice(2)}`,
  endpoints: Array<{ identifier: string; role: string; path: string }> = [],
): Promise<RegisteredPeer> {
  const fake = await startFakePeer(endpoints);
  fake.acceptedTokens.add(tokenB);
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  const res = await request(platform.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: tokenB, url: fake.versionsUrl, roles });
  if (res.body.status_code !== 1000) throw new Error(`registration failed: ${JSON.stringify(res.body)}`);
  return { fake, peerId: invitation.body.peer_id, tokenC: res.body.data.token, tokenB };
}
