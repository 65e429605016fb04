/** Test helpers for the delivery engine: a peer with a locations receiver and outbox messages. */
import type { OutboxMessageInput } from '../../src/delivery/outbox.js';
import { aCredentialsRole } from './builders.js';
import { type FakePeer, ok, startFakePeer } from './fake-peer.js';
import { type TestPlatform, request, tokenHeader } from './platform.js';

export interface ReceivingPeer {
  fake: FakePeer;
  peerId: string;
  /** Bodies received per object path, in arrival order. */
  arrivals: Array<{ path: string; method: string; version: number; at: number; headers: Record<string, unknown> }>;
  /** What the peer does with the next request; default: accept. */
  behaviour: (req: { path: string; method: string }) => 'ok' | 'down' | { status: number; body?: unknown; headers?: Record<string, string> } | { delayMs: number };
}

export async function aReceivingPeer(platform: TestPlatform, partyId = 'EMS'): Promise<ReceivingPeer> {
  const fake = await startFakePeer([{ identifier: 'locations', role: 'RECEIVER', path: '/emsp/locations' }]);
  const tokenB = `b-${Math.random().toString(36).slice(2)}`;
  fake.acceptedTokens.add(tokenB);
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  const res = await request(platform.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: tokenB, url: fake.versionsUrl, roles: [aCredentialsRole({ party_id: partyId })] });
  if (res.body.status_code !== 1000) throw new Error(JSON.stringify(res.body));
  const peer: ReceivingPeer = { fake, peerId: invitation.body.peer_id, arrivals: [], behaviour: () => 'ok' };
  for (const method of ['PUT', 'PATCH']) {
    for (let i = 0; i < 50; i++) {
      // Paths are registered per object id used in tests (OBJ0..OBJ49).
      fake.on(method, `/emsp/locations/NL/CPO/OBJ${i}`, async (req, r) => {
        const b = peer.behaviour({ path: req.path, method });
        if (b === 'down') return void req.socket.destroy();
        if (typeof b === 'object' && 'delayMs' in b) await new Promise((x) => setTimeout(x, b.delayMs));
        if (typeof b === 'object' && 'status' in b)
          return void r
            .status(b.status)
            .set(b.headers ?? {})
            .json(b.body ?? {});
        peer.arrivals.push({ path: req.path, method, version: (req.body as { version: number }).version, at: Date.now(), headers: { ...req.headers } });
        r.json(ok());
      });
    }
  }
  return peer;
}

let stamp = Date.UTC(2025, 0, 1);
/** A location message for object OBJn with a strictly increasing last_updated. */
export function aLocationMessage(peerId: string, n: number, version: number, overrides: Partial<OutboxMessageInput> = {}): OutboxMessageInput {
  stamp += 1000;
  return {
    peerId,
    objectKey: `locations:NL/CPO/OBJ${n}`,
    kind: 'PUSH',
    module: 'locations',
    method: 'PATCH',
    target: { interfaceRole: 'RECEIVER', path: `/NL/CPO/OBJ${n}` },
    body: { version, last_updated: new Date(stamp).toISOString() },
    fullVersion: false,
    lastUpdated: new Date(stamp),
    from: { countryCode: 'NL', partyId: 'CPO' },
    to: { countryCode: 'DE', partyId: 'EMS' },
    ...overrides,
  };
}

export const FAST_DELIVERY = {
  ROLE: 'all',
  DISPATCH_INTERVAL_MS: '100',
  DELIVERY_BACKOFF_BASE_MS: '100',
  DELIVERY_BACKOFF_MAX_MS: '400',
  JOB_LOCK_MS: '2000',
  OUTBOUND_TIMEOUT_MS: '2000',
};
