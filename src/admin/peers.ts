/** Admin API: peers, invitations, and the credentials lifecycle driven from our side. */
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { defineRoute } from '../ocpi/route.js';
import type { ConnectOptions } from '../platform/peers/handshake.js';
import type { PeerRecord } from '../platform/peers/peer-store.js';
import { conflict, notFound } from './errors.js';
import { ConnectRequest, InvitationCreate, InvitationView, PeerPatch, PeerPath, PeerView, UnregisterView } from './schemas.js';

export function peerView(p: PeerRecord): z.infer<typeof PeerView> {
  return {
    id: p.id,
    label: p.label,
    status: p.status,
    initiated_by: p.initiatedBy,
    versions_url: p.versionsUrl,
    version: p.version,
    auth_encoding: p.authEncoding,
    retry_window_minutes: p.retryWindowMinutes,
    roles: p.roles.map((r) => ({
      role: r.role as z.infer<typeof PeerView>['roles'][number]['role'],
      country_code: r.countryCode,
      party_id: r.partyId,
      business_details: r.businessDetails,
    })),
    endpoints: p.endpoints as z.infer<typeof PeerView>['endpoints'],
    last_contact_at: p.lastContactAt?.toISOString() ?? null,
    registered_at: p.registeredAt?.toISOString() ?? null,
    created_at: p.createdAt.toISOString(),
    pinned_version: p.pinnedVersion,
    local_party: p.localPartyKey,
    peer_role: p.declaredRole,
    loopback: p.loopback,
  };
}

export const peerRoutes = [
  defineRoute({
    method: 'post',
    path: '/peers/invitations',
    successStatus: 201,
    summary: 'Issue a single-use Token A for a peer that will register with us',
    body: InvitationCreate,
    response: InvitationView,
    handler: async ({ app, body }) => ({ data: await app.services.peerHandshake.invite(body.label ?? null, connectionChoice(body)) }),
  }),
  defineRoute({
    method: 'post',
    path: '/peers/connect',
    successStatus: 201,
    summary: 'Register with a peer, given its versions URL and the Token A it issued us',
    body: ConnectRequest,
    response: PeerView,
    errors: { 409: 'Cannot present credentials (no local parties) or roles conflict', 422: 'URL refused by the outbound policy', 502: 'The peer could not be used' },
    handler: async ({ app, body }) => ({ data: peerView(await app.services.peerHandshake.connect(body.versions_url, body.token, body.label ?? null, connectionChoice(body))) }),
  }),
  defineRoute({
    method: 'get',
    path: '/peers',
    summary: 'List peers (with the platform’s loopback connection, if a delegation to an SCSP hosted here made one)',
    response: z.array(PeerView),
    handler: async ({ app }) => ({ data: (await app.peerStore.list({ includeLoopback: true })).map(peerView) }),
  }),
  defineRoute({
    method: 'get',
    path: '/peers/:id',
    summary: 'One peer: status, roles, version, endpoints, last contact',
    params: PeerPath,
    response: PeerView,
    handler: async ({ app, params }) => ({ data: peerView(await findPeer(app, params.id)) }),
  }),
  defineRoute({
    method: 'patch',
    path: '/peers/:id',
    summary: 'Per-peer settings: auth_encoding (raw for legacy peers), retry_window_minutes for failed pushes',
    params: PeerPath,
    body: PeerPatch,
    response: PeerView,
    handler: async ({ app, params, body }) => {
      await findPeer(app, params.id);
      await app.peerStore.updateSettings(params.id, { authEncoding: body.auth_encoding, retryWindowMinutes: body.retry_window_minutes });
      return { data: peerView(await findPeer(app, params.id)) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/peers/:id/rotate',
    summary: 'Rotate the tokens of this connection (credentials PUT)',
    params: PeerPath,
    response: PeerView,
    handler: async ({ app, params }) => {
      await refuseLoopback(app, params.id);
      return { data: peerView(await app.services.peerHandshake.rotate(params.id)) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/peers/:id/suspend',
    summary: 'Suspend: the peer is refused on functional modules and nothing is sent to it',
    params: PeerPath,
    response: PeerView,
    handler: async ({ app, params }) => {
      await findPeer(app, params.id);
      const updated = await app.peerStore.setStatus(params.id, 'SUSPENDED', ['REGISTERED', 'SUSPENDED']);
      if (!updated) throw conflict('Only a registered peer can be suspended');
      app.peerAuth.evict();
      return { data: peerView(updated) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/peers/:id/resume',
    summary: 'Resume a suspended peer',
    params: PeerPath,
    response: PeerView,
    handler: async ({ app, params }) => {
      await findPeer(app, params.id);
      const updated = await app.peerStore.setStatus(params.id, 'REGISTERED', ['SUSPENDED', 'REGISTERED']);
      if (!updated) throw conflict('Only a suspended peer can be resumed');
      app.peerAuth.evict();
      // Time spent suspended does not count against the retry window; deliveries continue now.
      await app.db.outboxMessage.updateMany({ where: { peerId: params.id, status: 'PENDING' }, data: { firstFailedAt: null, nextAttemptAt: new Date() } });
      await app.outbox.wake([params.id]);
      return { data: peerView(updated) };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/peers/:id',
    summary: 'Unregister (credentials DELETE at the peer), or withdraw a pending invitation',
    params: PeerPath,
    response: UnregisterView,
    handler: async ({ app, params }) => {
      await refuseLoopback(app, params.id);
      const result = await app.services.peerHandshake.disconnect(params.id);
      const peer = await app.peerStore.get(params.id);
      return { data: { id: params.id, status: peer?.status ?? 'DELETED', remote: result.remote } };
    },
  }),
];

/** The loopback connection has no other side to rotate with or unregister from: the delegations manage it. */
async function refuseLoopback(app: AppContext, id: string): Promise<void> {
  if ((await app.peerStore.get(id))?.loopback)
    throw conflict('This is the platform’s connection to itself, managed by the delegations to SCSPs hosted here: end those delegations instead');
}

function connectionChoice(body: { version?: string; local_party?: { country_code: string; party_id: string }; peer_role?: 'CPO' | 'EMSP' | 'HUB' }): ConnectOptions {
  return {
    version: body.version,
    localParty: body.local_party && { countryCode: body.local_party.country_code, partyId: body.local_party.party_id },
    peerRole: body.peer_role,
  };
}

async function findPeer(app: AppContext, id: string): Promise<PeerRecord> {
  const peer = await app.peerStore.get(id);
  if (!peer) throw notFound('Peer');
  return peer;
}
