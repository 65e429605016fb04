/**
 * The credentials module as client: we invite a peer (issue Token A), register with a peer
 * that gave us its versions URL and Token A, rotate our tokens, and unregister.
 */
import type { AppContext } from '../../../context.js';
import { OcpiCallError } from '../../../ocpi/client.js';

import { crashPoint } from '../../../platform/crash-point.js';
import { CredentialIntentStore, handshakeLeaseMs } from '../../../platform/peers/credential-intents.js';
import type { PeerRecord } from '../../../platform/peers/peer-store.js';
import { HandshakeError, type Invitation } from '../../../platform/peers/handshake.js';
import { DiscoveryError, discoverPeer } from '../versions/client.js';
import { versionsUrl } from '../versions/service.js';
import { assertRolesAvailable, newCredential, ourCredentials, toRoleRecords } from './rules.js';
import { Credentials } from '../../../model/credentials.js';

export async function invite(app: AppContext, label: string | null): Promise<Invitation> {
  const expiresAt = new Date(Date.now() + app.config.INVITATION_TTL_HOURS * 3600_000);
  const tokenA = newCredential(app, 'A', expiresAt);
  const peer = await app.peerStore.createInvitation(label, tokenA.record);
  return { peer_id: peer.id, token: tokenA.token, versions_url: versionsUrl(app.config.PUBLIC_BASE_URL), expires_at: expiresAt.toISOString() };
}

export async function connect(app: AppContext, peerVersionsUrl: string, tokenA: string, label: string | null): Promise<PeerRecord> {
  checkUrl(app, peerVersionsUrl, 'versions_url');
  const us = await ourCredentialsOrFail(app, 'pending');
  const discovered = await discover(app, peerVersionsUrl, tokenA);
  const credentialsUrl = endpointOf(discovered.endpoints, 'credentials');
  const leaseMs = handshakeLeaseMs(app.config);
  // Token B must be live before the POST: the peer calls our versions with it while we wait. It
  // expires with the handshake's lease unless the registration is stored: a connect that dies
  // mid-way never leaves a token that lives forever.
  const tokenB = newCredential(app, 'B', new Date(Date.now() + leaseMs));
  const peer = await app.peerStore.createOutgoing(label, peerVersionsUrl, discovered.version, discovered.endpoints, discovered.encoding, tokenB.record);
  const intents = new CredentialIntentStore(app.db);
  try {
    // What the next start undoes if this process dies before the end (credentials/recovery.ts).
    const intent = await intents.begin(peer.id, 'CONNECT', tokenB.record.tokenHash, leaseMs);
    const theirs = await exchange(app, 'POST', credentialsUrl, tokenA, discovered.encoding, { ...us, token: tokenB.token });
    crashPoint('connect-after-post');
    checkUrl(app, theirs.url, 'url');
    await assertRolesAvailable(app, peer.id, theirs.roles).catch((e: Error) => {
      throw new HandshakeError(`The peer declared roles we cannot accept: ${e.message}`, 409);
    });
    const saved = await app.peerStore.saveConnection(
      peer.id,
      {
        versionsUrl: theirs.url,
        version: discovered.version,
        endpoints: discovered.endpoints,
        peerTokenEnc: app.secrets.encrypt(theirs.token),
        roles: toRoleRecords(theirs.roles),
      },
      { keepHashes: [tokenB.record.tokenHash], registeredNow: true },
    );
    await app.peerStore.confirmCredential(tokenB.record.tokenHash);
    await intents.finish(intent);
    app.peerAuth.evict();
    app.log.info({ peer_id: peer.id }, 'registered with peer');
    if (!saved) throw new HandshakeError(`The connection was unregistered while we registered with the peer`, 409);
    return saved;
  } catch (e) {
    await app.peerStore.delete(peer.id);
    app.peerAuth.evict();
    throw e;
  }
}

/**
 * PUT with a fresh token for the peer; the peer answers with a fresh token for us and re-reads
 * our endpoints. Both our old and new token stay valid until the answer arrives (digest 01 §6 #1).
 */
export async function rotate(app: AppContext, peerId: string): Promise<PeerRecord> {
  const peer = await registeredPeer(app, peerId);
  const fresh = newCredential(app, peer.initiatedBy === 'US' ? 'B' : 'C');
  // Recorded before the fresh token exists: from here on, a crash is completed or undone by the
  // next start (credentials/recovery.ts) instead of leaving two live tokens.
  const intent = await new CredentialIntentStore(app.db).begin(peer.id, 'ROTATE', fresh.record.tokenHash, handshakeLeaseMs(app.config));
  await app.peerStore.addCredential(peer.id, fresh.record);
  app.peerAuth.evict();
  return completeRotation(app, peer, fresh.token, fresh.record.tokenHash, intent);
}

/**
 * The rotation's call and its outcome: the peer takes `freshToken` and answers with its own new
 * token, or `freshToken` dies. Also how the next start finishes a rotation a crash interrupted
 * (the same fresh token sent again, with the peer token we still hold).
 */
export async function completeRotation(app: AppContext, peer: PeerRecord, freshToken: string, freshHash: string, intentId: string): Promise<PeerRecord> {
  const intents = new CredentialIntentStore(app.db);
  try {
    if (!peer.peerTokenEnc || !peer.versionsUrl) throw new HandshakeError('This connection was never completed: there is no peer token or versions URL to rotate with', 409);
    const token = app.secrets.decrypt(peer.peerTokenEnc);
    const us = await ourCredentialsOrFail(app, 'rotated');
    const discovered = await discover(app, peer.versionsUrl, token, peer.authEncoding);
    const theirs = await exchange(app, 'PUT', endpointOf(discovered.endpoints, 'credentials'), token, discovered.encoding, { ...us, token: freshToken });
    crashPoint('rotation-after-put');
    checkUrl(app, theirs.url, 'url');
    const saved = await app.peerStore.saveConnection(
      peer.id,
      {
        versionsUrl: theirs.url,
        version: discovered.version,
        endpoints: discovered.endpoints,
        peerTokenEnc: app.secrets.encrypt(theirs.token),
        roles: toRoleRecords(theirs.roles),
      },
      { keepHashes: [freshHash], authEncoding: discovered.encoding },
    );
    if (!saved) throw new HandshakeError('The connection was unregistered while the credentials were rotated', 409);
    await intents.finish(intentId);
    app.peerAuth.evict();
    app.log.info({ peer_id: peer.id }, 'credentials rotated');
    return saved;
  } catch (e) {
    await app.peerStore.removeCredential(freshHash);
    // Only once the fresh token is gone: if that failed, the intent stays for the next attempt.
    await intents.finish(intentId);
    app.peerAuth.evict();
    throw e;
  }
}

/**
 * DELETE on the peer's credentials, then forget the connection locally whatever the peer
 * answered: an admin who unregisters wants the tokens dead even if the peer is unreachable.
 */
export async function disconnect(app: AppContext, peerId: string): Promise<{ remote: string }> {
  const peer = await app.peerStore.get(peerId);
  if (!peer) throw new HandshakeError('No such peer', 404);
  if (peer.status === 'PENDING' && peer.initiatedBy === 'PEER') {
    await app.peerStore.delete(peer.id);
    app.peerAuth.evict();
    return { remote: 'invitation withdrawn' };
  }
  if (peer.status === 'UNREGISTERED') return { remote: 'already unregistered' };
  let remote = 'not contacted';
  if (peer.peerTokenEnc) {
    try {
      const url = endpointOf(peer.endpoints, 'credentials');
      await app.client.request({ method: 'DELETE', url, token: app.secrets.decrypt(peer.peerTokenEnc), encoding: peer.authEncoding });
      remote = 'unregistered';
    } catch (e) {
      remote = `peer did not confirm: ${(e as Error).message}`;
    }
  }
  await app.peerStore.unregister(peer.id);
  app.peerAuth.evict();
  app.log.info({ peer_id: peer.id, remote }, 'unregistered from peer');
  return { remote };
}

async function registeredPeer(app: AppContext, peerId: string): Promise<PeerRecord> {
  const peer = await app.peerStore.get(peerId);
  if (!peer) throw new HandshakeError('No such peer', 404);
  if ((peer.status !== 'REGISTERED' && peer.status !== 'SUSPENDED') || !peer.peerTokenEnc || !peer.versionsUrl) {
    throw new HandshakeError(`Peer is ${peer.status}, not registered`, 409);
  }
  return peer;
}

async function ourCredentialsOrFail(app: AppContext, what: string) {
  try {
    return await ourCredentials(app, 'placeholder');
  } catch (e) {
    throw new HandshakeError(`Credentials cannot be ${what}: ${(e as Error).message}`, 409);
  }
}

async function discover(app: AppContext, url: string, token: string, encoding: 'base64' | 'raw' = 'base64') {
  try {
    return await discoverPeer(app.client, url, token, encoding);
  } catch (e) {
    if (e instanceof DiscoveryError) throw new HandshakeError(e.message, 502, e.ocpiStatus);
    throw e;
  }
}

async function exchange(app: AppContext, method: 'POST' | 'PUT', url: string, token: string, encoding: 'base64' | 'raw', body: Credentials): Promise<Credentials> {
  let data: unknown;
  try {
    data = (await app.client.request({ method, url, token, encoding, body })).data;
  } catch (e) {
    if (e instanceof OcpiCallError) throw new HandshakeError(`The peer refused our credentials: ${e.message}`, 502, e.ocpiStatus);
    throw e;
  }
  const parsed = Credentials.safeParse(data);
  if (!parsed.success) throw new HandshakeError(`The peer answered with invalid credentials: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function endpointOf(endpoints: Array<{ identifier: string; url: string }>, identifier: string): string {
  const found = endpoints.find((e) => e.identifier === identifier);
  if (!found) throw new HandshakeError(`The peer advertises no ${identifier} endpoint`, 502);
  return found.url;
}

function checkUrl(app: AppContext, url: string, field: string): void {
  try {
    app.urlPolicy.check(url);
  } catch (e) {
    throw new HandshakeError(`${field}: ${(e as Error).message}`, 422);
  }
}
