/**
 * The credentials module as server (01-versions-credentials §2-3): a peer registers with the
 * Token A we gave it (POST), updates or rotates (PUT), unregisters (DELETE), or reads (GET).
 */
import type { AppContext } from '../../../context.js';
import type { AuthenticatedPeer } from '../../../ocpi/context.js';
import { OcpiError, invalidParameters, methodNotAllowed, unauthorized } from '../../../ocpi/errors.js';
import { DiscoveryError, discoverPeer } from '../versions/client.js';
import { assertRolesAvailable, newCredential, ourCredentials, toRoleRecords } from './rules.js';
import type { Credentials } from '../../../model/credentials.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { OCPI_VERSION } from '../version.js';

const isRegistered = (peer: AuthenticatedPeer) => peer.credentialKind !== 'A' && (peer.status === 'REGISTERED' || peer.status === 'SUSPENDED');

export async function getCredentials(app: AppContext, peer: AuthenticatedPeer): Promise<Credentials> {
  const sealed = await app.peerStore.tokenOf(peer.credentialHash);
  if (!sealed) throw unauthorized();
  return ourCredentials(app, app.secrets.decrypt(sealed));
}

/** POST: registration with Token A. */
export async function register(app: AppContext, peer: AuthenticatedPeer, body: Credentials): Promise<Credentials> {
  if (peer.credentialKind !== 'A' || peer.status !== 'PENDING') throw methodNotAllowed('Already registered: use PUT to update or DELETE to unregister');
  return connectBack(app, peer, body, 'register');
}

/** PUT: new token, possibly new endpoints; both tokens rotate. */
export async function update(app: AppContext, peer: AuthenticatedPeer, body: Credentials): Promise<Credentials> {
  if (!isRegistered(peer)) throw methodNotAllowed('Not registered: POST to register first');
  return connectBack(app, peer, body, 'update');
}

/** DELETE: both sides stop talking; every token we issued to this peer dies. */
export async function unregister(app: AppContext, peer: AuthenticatedPeer): Promise<void> {
  if (!isRegistered(peer)) throw methodNotAllowed('Not registered');
  await app.peerStore.unregister(peer.peerId);
  app.peerAuth.evict();
  app.log.info({ peer_id: peer.peerId }, 'peer unregistered itself');
}

async function connectBack(app: AppContext, peer: AuthenticatedPeer, body: Credentials, mode: 'register' | 'update'): Promise<Credentials> {
  try {
    app.urlPolicy.check(body.url);
  } catch (e) {
    throw invalidParameters(`url: ${(e as Error).message}`);
  }
  const current = await app.peerStore.get(peer.peerId);
  // The admin pinned this connection (its invitation) to another OCPI version: it registers there or not at all.
  if (current?.pinnedVersion && current.pinnedVersion !== OCPI_VERSION) {
    throw new OcpiError(OcpiStatus.UNSUPPORTED_VERSION, `This connection is pinned to OCPI ${current.pinnedVersion}`);
  }
  await assertRolesAvailable(app, peer.peerId, body.roles);
  let discovered;
  try {
    // The spec leaves open which token to call back with during a PUT; the new one is what the
    // peer must already accept (digest 01 §6 #1).
    discovered = await discoverPeer(app.client, body.url, body.token, current?.authEncoding ?? 'base64');
  } catch (e) {
    if (e instanceof DiscoveryError) throw new OcpiError(e.ocpiStatus, e.message);
    throw e;
  }
  const issued = newCredential(app, 'C');
  const saved = await app.peerStore.saveConnection(
    peer.peerId,
    { versionsUrl: body.url, version: discovered.version, endpoints: discovered.endpoints, peerTokenEnc: app.secrets.encrypt(body.token), roles: toRoleRecords(body.roles) },
    { issue: issued.record, requireHash: peer.credentialHash, keepHashes: [issued.record.tokenHash], registeredNow: mode === 'register', authEncoding: discovered.encoding },
  );
  // Another request consumed the same token between our check and this write, or the
  // connection was unregistered meanwhile.
  if (!saved)
    throw methodNotAllowed(mode === 'register' ? 'Registration already completed by a concurrent request' : 'The connection changed concurrently (rotated or unregistered)');
  app.peerAuth.evict();
  app.log.info({ peer_id: peer.peerId, mode, roles: body.roles.map((r) => `${r.role}:${r.country_code}/${r.party_id}`) }, 'peer credentials accepted');
  return ourCredentials(app, issued.token);
}
