/** Builders for the tokens our eMSP parties issue, and a CPO peer that can receive them. */
import { aCredentialsRole } from './builders.js';
import { type FakePeer, ok, startFakePeer } from './fake-peer.js';
import { type TestPlatform, request, tokenHeader } from './platform.js';

let clock = Date.UTC(2026, 0, 1, 0, 0, 0);
/** A strictly increasing timestamp, so every change is newer than the one before. */
export function nextStamp(): string {
  clock += 1000;
  return new Date(clock).toISOString();
}

/** A complete OCPI Token of eMSP party NL/MSP unless overridden; last_updated left to the platform unless given. */
export function anOwnToken(uid: string, overrides: Record<string, unknown> = {}) {
  return {
    country_code: 'NL',
    party_id: 'MSP',
    uid,
    type: 'RFID',
    contract_id: `NL-MSP-${uid}`.slice(0, 36),
    visual_number: `V-${uid}`,
    issuer: 'Test eMSP',
    valid: true,
    whitelist: 'ALLOWED',
    ...overrides,
  };
}

export interface RegisteredCpo {
  fake: FakePeer;
  peerId: string;
  /** What the CPO presents to the platform. */
  tokenC: string;
}

/**
 * A peer registered with CPO party `countryCode/partyId` whose platform advertises a tokens
 * RECEIVER at `/cpo/tokens` (accepting every PUT and PATCH) when `receiver` is set.
 */
export async function aRegisteredCpo(platform: TestPlatform, countryCode: string, partyId: string, opts: { receiver?: boolean; role?: string } = {}): Promise<RegisteredCpo> {
  const fake = await startFakePeer(opts.receiver ? [{ identifier: 'tokens', role: 'RECEIVER', path: '/cpo/tokens' }] : []);
  for (const method of ['PUT', 'PATCH']) fake.on(method, '/cpo/tokens/*', (_req, res) => void res.json(ok()));
  const tokenB = `b-${Math.random().toString(36).slice(2)}`;
  fake.acceptedTokens.add(tokenB);
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  const res = await request(platform.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: tokenB, url: fake.versionsUrl, roles: [aCredentialsRole({ role: opts.role ?? 'CPO', country_code: countryCode, party_id: partyId })] });
  if (res.body.status_code !== 1000) throw new Error(`registration failed: ${JSON.stringify(res.body)}`);
  return { fake, peerId: invitation.body.peer_id, tokenC: res.body.data.token };
}
