/**
 * The 2.1.1 credentials module as server: a 2.1.1 peer registers with the Token A we gave it
 * (POST), updates or rotates (PUT), unregisters (DELETE), or reads (GET). Its one party becomes
 * the connection's peer role, opposite to the local party presented to it.
 */
import type { AppContext } from '../../../context.js';
import type { AuthenticatedPeer } from '../../../ocpi/context.js';
import { OcpiError, invalidParameters, methodNotAllowed, unauthorized } from '../../../ocpi/errors.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { assertPartyAvailable, newCredential, peerSide, presentedParty } from '../shared/connection.js';
import { discover211 } from '../versions/client.js';
import { OCPI_VERSION } from '../version.js';
import type { Credentials211 } from './schemas.js';
import { credentialsFrom211, credentialsTo211 } from './translate.js';

const isRegistered = (peer: AuthenticatedPeer) => peer.credentialKind !== 'A' && (peer.status === 'REGISTERED' || peer.status === 'SUSPENDED');

/** Our credentials for a 2.1.1 peer: the presented party, and the token it uses with us. */
export async function ours211(app: AppContext, localPartyKey: string | null, token: string, opts: { firstWhenAmbiguous?: boolean } = {}): Promise<Credentials211> {
  const { party } = await presentedParty(app, localPartyKey, opts);
  return credentialsTo211(
    { token, url: `${app.config.PUBLIC_BASE_URL}/ocpi/versions` },
    { business_details: party.businessDetails as Credentials211['business_details'], party_id: party.partyId, country_code: party.countryCode },
  );
}

export async function getCredentials211(app: AppContext, caller: AuthenticatedPeer): Promise<Credentials211> {
  const sealed = await app.peerStore.tokenOf(caller.credentialHash);
  if (!sealed) throw unauthorized();
  const peer = await app.peerStore.get(caller.peerId);
  // A caller not registered yet (Token A) may read before the admin chose its party: it sees the first one.
  return ours211(app, peer?.localPartyKey ?? null, app.secrets.decrypt(sealed), { firstWhenAmbiguous: true });
}

export async function register211(app: AppContext, caller: AuthenticatedPeer, body: Credentials211): Promise<Credentials211> {
  if (caller.credentialKind !== 'A' || caller.status !== 'PENDING') throw methodNotAllowed('Already registered: use PUT to update or DELETE to unregister');
  return connectBack(app, caller, body, 'register');
}

export async function update211(app: AppContext, caller: AuthenticatedPeer, body: Credentials211): Promise<Credentials211> {
  if (!isRegistered(caller)) throw methodNotAllowed('Not registered: POST to register first');
  return connectBack(app, caller, body, 'update');
}

export async function unregister211(app: AppContext, caller: AuthenticatedPeer): Promise<void> {
  if (!isRegistered(caller)) throw methodNotAllowed('Not registered');
  await app.peerStore.unregister(caller.peerId);
  app.peerAuth.evict();
}

async function connectBack(app: AppContext, caller: AuthenticatedPeer, body: Credentials211, mode: 'register' | 'update'): Promise<Credentials211> {
  try {
    app.urlPolicy.check(body.url);
  } catch (e) {
    throw invalidParameters(`url: ${(e as Error).message}`);
  }
  const current = await app.peerStore.get(caller.peerId);
  if (current?.pinnedVersion && current.pinnedVersion !== OCPI_VERSION) {
    throw new OcpiError(OcpiStatus.UNSUPPORTED_VERSION, `This connection is pinned to OCPI ${current.pinnedVersion}`);
  }
  const presented = await presentedParty(app, current?.localPartyKey);
  await assertPartyAvailable(app, caller.peerId, body);
  const side = peerSide(presented, current?.declaredRole);
  const discovered = await discover211(app, body.url, body.token, side.discoverAs);
  const peerRole = side.hub ? 'HUB' : discovered.peerRole;
  const theirs = credentialsFrom211(body, peerRole);
  const issued = newCredential(app, 'C');
  const saved = await app.peerStore.saveConnection(
    caller.peerId,
    {
      versionsUrl: body.url,
      version: OCPI_VERSION,
      endpoints: discovered.endpoints,
      peerTokenEnc: app.secrets.encrypt(body.token),
      roles: theirs.roles.map((r) => ({ role: r.role, countryCode: r.country_code.toUpperCase(), partyId: r.party_id.toUpperCase(), businessDetails: r.business_details })),
    },
    { issue: issued.record, requireHash: caller.credentialHash, keepHashes: [issued.record.tokenHash], registeredNow: mode === 'register', authEncoding: discovered.encoding },
  );
  if (!saved)
    throw methodNotAllowed(mode === 'register' ? 'Registration already completed by a concurrent request' : 'The connection changed concurrently (rotated or unregistered)');
  const localKey = partyKey(presented.party.countryCode, presented.party.partyId);
  if (saved.localPartyKey !== localKey) await app.peerStore.setVersionOptions(saved.id, { localPartyKey: localKey });
  app.peerAuth.evict();
  app.log.info({ peer_id: caller.peerId, mode, version: OCPI_VERSION, party: `${body.country_code}/${body.party_id}` }, 'peer credentials accepted');
  return ours211(app, localKey, issued.token);
}
