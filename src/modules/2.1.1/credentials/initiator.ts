/**
 * The 2.1.1 side of a handshake we drive (platform/peers/negotiate.ts chose 2.1.1): register with
 * a peer presenting one local party, rotate, unregister. 2.1.1 peers get the raw token.
 */
import type { AppContext } from '../../../context.js';
import { OcpiCallError } from '../../../ocpi/client.js';
import { OcpiError } from '../../../ocpi/errors.js';
import { CredentialIntentStore, handshakeLeaseMs } from '../../../platform/peers/credential-intents.js';
import { type ConnectOptions, HandshakeError, type VersionHandshake } from '../../../platform/peers/handshake.js';
import type { PeerRecord } from '../../../platform/peers/peer-store.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { assertPartyAvailable, newCredential, peerSide, presentedParty } from '../shared/connection.js';
import { discover211 } from '../versions/client.js';
import { OCPI_VERSION } from '../version.js';
import { Credentials211 } from './schemas.js';
import { ours211 } from './server.js';
import { credentialsFrom211 } from './translate.js';

export function handshake211(app: AppContext): VersionHandshake {
  return {
    version: OCPI_VERSION,
    connect: (versionsUrl, tokenA, label, options) => asHandshake(() => connect211(app, versionsUrl, tokenA, label, options)),
    rotate: (peerId) => asHandshake(() => rotate211(app, peerId)),
    disconnect: (peerId) => disconnect211(app, peerId),
  };
}

/** OCPI errors of the steps become handshake errors (the admin API's 502/409/422 answers). */
async function asHandshake<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof OcpiError) throw new HandshakeError(e.message, e.message.startsWith('local_party') ? 409 : 502, e.statusCode);
    throw e;
  }
}

async function connect211(app: AppContext, versionsUrl: string, tokenA: string, label: string | null, options: ConnectOptions): Promise<PeerRecord> {
  checkUrl(app, versionsUrl, 'versions_url');
  const presented = await presentedParty(app, options.localParty ? partyKey(options.localParty.countryCode, options.localParty.partyId) : null);
  const localKey = partyKey(presented.party.countryCode, presented.party.partyId);
  const side = peerSide(presented, options.peerRole);
  const discovered = await discover211(app, versionsUrl, tokenA, side.discoverAs);
  const peerRole = side.hub ? 'HUB' : discovered.peerRole;
  const credentialsUrl = discovered.endpoints.find((e) => e.identifier === 'credentials')?.url ?? '';
  const leaseMs = handshakeLeaseMs(app.config);
  // Token B must be live before the POST: the peer calls our versions with it while we wait.
  const tokenB = newCredential(app, 'B', new Date(Date.now() + leaseMs));
  const peer = await app.peerStore.createOutgoing(label, versionsUrl, OCPI_VERSION, discovered.endpoints, discovered.encoding, tokenB.record);
  const intents = new CredentialIntentStore(app.db);
  try {
    await app.peerStore.setVersionOptions(peer.id, { localPartyKey: localKey, declaredRole: options.peerRole ?? null });
    const intent = await intents.begin(peer.id, 'CONNECT', tokenB.record.tokenHash, leaseMs);
    const theirs = await exchange(app, 'POST', credentialsUrl, tokenA, discovered.encoding, await ours211(app, localKey, tokenB.token));
    checkUrl(app, theirs.url, 'url');
    await assertPartyAvailable(app, peer.id, theirs).catch((e: Error) => {
      throw new HandshakeError(`The peer declared a party we cannot accept: ${e.message}`, 409);
    });
    const saved = await app.peerStore.saveConnection(
      peer.id,
      { versionsUrl: theirs.url, version: OCPI_VERSION, endpoints: discovered.endpoints, peerTokenEnc: app.secrets.encrypt(theirs.token), roles: roleRecords(theirs, peerRole) },
      { keepHashes: [tokenB.record.tokenHash], registeredNow: true },
    );
    await app.peerStore.confirmCredential(tokenB.record.tokenHash);
    await intents.finish(intent);
    app.peerAuth.evict();
    if (!saved) throw new HandshakeError('The connection was unregistered while we registered with the peer', 409);
    app.log.info({ peer_id: peer.id, version: OCPI_VERSION }, 'registered with peer');
    return saved;
  } catch (e) {
    await app.peerStore.delete(peer.id);
    app.peerAuth.evict();
    throw e;
  }
}

async function rotate211(app: AppContext, peerId: string): Promise<PeerRecord> {
  const peer = await app.peerStore.get(peerId);
  if (!peer) throw new HandshakeError('No such peer', 404);
  if ((peer.status !== 'REGISTERED' && peer.status !== 'SUSPENDED') || !peer.peerTokenEnc || !peer.versionsUrl)
    throw new HandshakeError(`Peer is ${peer.status}, not registered`, 409);
  const presented = await presentedParty(app, peer.localPartyKey);
  const fresh = newCredential(app, peer.initiatedBy === 'US' ? 'B' : 'C');
  await app.peerStore.addCredential(peer.id, fresh.record);
  app.peerAuth.evict();
  try {
    const token = app.secrets.decrypt(peer.peerTokenEnc);
    const side = peerSide(presented, peer.declaredRole);
    const discovered = await discover211(app, peer.versionsUrl, token, side.discoverAs);
    const peerRole = side.hub ? 'HUB' : discovered.peerRole;
    const credentialsUrl = discovered.endpoints.find((e) => e.identifier === 'credentials')?.url ?? '';
    const theirs = await exchange(app, 'PUT', credentialsUrl, token, discovered.encoding, await ours211(app, peer.localPartyKey, fresh.token));
    checkUrl(app, theirs.url, 'url');
    const saved = await app.peerStore.saveConnection(
      peer.id,
      { versionsUrl: theirs.url, version: OCPI_VERSION, endpoints: discovered.endpoints, peerTokenEnc: app.secrets.encrypt(theirs.token), roles: roleRecords(theirs, peerRole) },
      { keepHashes: [fresh.record.tokenHash], authEncoding: discovered.encoding },
    );
    if (!saved) throw new HandshakeError('The connection was unregistered while the credentials were rotated', 409);
    app.peerAuth.evict();
    return saved;
  } catch (e) {
    await app.peerStore.removeCredential(fresh.record.tokenHash);
    app.peerAuth.evict();
    throw e;
  }
}

async function disconnect211(app: AppContext, peerId: string): Promise<{ remote: string }> {
  const peer = await app.peerStore.get(peerId);
  if (!peer) throw new HandshakeError('No such peer', 404);
  if (peer.status === 'UNREGISTERED') return { remote: 'already unregistered' };
  let remote = 'not contacted';
  const url = peer.endpoints.find((e) => e.identifier === 'credentials')?.url;
  if (peer.peerTokenEnc && url) {
    try {
      await app.client.request({ method: 'DELETE', url, token: app.secrets.decrypt(peer.peerTokenEnc), encoding: peer.authEncoding });
      remote = 'unregistered';
    } catch (e) {
      remote = `peer did not confirm: ${(e as Error).message}`;
    }
  }
  await app.peerStore.unregister(peer.id);
  app.peerAuth.evict();
  return { remote };
}

function roleRecords(theirs: Credentials211, peerRole: 'CPO' | 'EMSP' | 'HUB') {
  return credentialsFrom211(theirs, peerRole).roles.map((r) => ({
    role: r.role,
    countryCode: r.country_code.toUpperCase(),
    partyId: r.party_id.toUpperCase(),
    businessDetails: r.business_details,
  }));
}

async function exchange(app: AppContext, method: 'POST' | 'PUT', url: string, token: string, encoding: 'base64' | 'raw', body: Credentials211): Promise<Credentials211> {
  let data: unknown;
  try {
    data = (await app.client.request({ method, url, token, encoding, body })).data;
  } catch (e) {
    if (e instanceof OcpiCallError) throw new HandshakeError(`The peer refused our credentials: ${e.message}`, 502, e.ocpiStatus);
    throw e;
  }
  const parsed = Credentials211.safeParse(data);
  if (!parsed.success) throw new HandshakeError(`The peer answered with invalid credentials: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function checkUrl(app: AppContext, url: string, field: string): void {
  try {
    app.urlPolicy.check(url);
  } catch (e) {
    throw new HandshakeError(`${field}: ${(e as Error).message}`, 422);
  }
}
