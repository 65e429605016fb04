/**
 * Rules shared by both sides of the handshake: what we present (our Credentials), and which
 * roles a peer may declare.
 */
import type { AppContext } from '../../../context.js';
import { OcpiError } from '../../../ocpi/errors.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { PeerRoleRecord } from '../../../platform/peers/peer-store.js';
import { versionsUrl } from '../versions/service.js';
import type { Credentials, CredentialsRole } from '../../../model/credentials.js';

export async function ourCredentials(app: AppContext, token: string): Promise<Credentials> {
  const all = await app.parties.credentialsRoles();
  // A hub presents only its HUB role (credentials: the parties behind it, our own hosted ones
  // included, are known from its ClientInfo); a peer reading CPO/EMSP here would take the hub
  // connection for that party's own platform.
  const hubs = all.filter((r) => (r.role as string) === 'HUB');
  const roles = hubs.length ? hubs : all;
  if (roles.length === 0) throw new OcpiError(OcpiStatus.SERVER_ERROR, 'This platform has no local parties configured yet');
  return { token, url: versionsUrl(app.config.PUBLIC_BASE_URL), roles: roles as CredentialsRole[] };
}

export function toRoleRecords(roles: CredentialsRole[]): PeerRoleRecord[] {
  return roles.map((r) => ({ role: r.role, countryCode: r.country_code.toUpperCase(), partyId: r.party_id.toUpperCase(), businessDetails: r.business_details }));
}

/**
 * A peer may not speak for one of our own parties, nor for a party another live connection
 * already speaks for: either would make routing by OCPI-from/to ambiguous.
 */
export async function assertRolesAvailable(app: AppContext, peerId: string, roles: CredentialsRole[]): Promise<void> {
  const locals = new Set((await app.parties.list()).map((p) => partyKey(p.countryCode, p.partyId)));
  const keys = roles.map((r) => partyKey(r.country_code, r.party_id));
  roles.forEach((r, i) => {
    if (locals.has(keys[i])) {
      throw new OcpiError(OcpiStatus.INVALID_PARAMETERS, `roles.${i}: ${r.country_code}/${r.party_id} is a party hosted on this platform`);
    }
  });
  const taken = new Set(await app.peerStore.partiesClaimedByOthers(peerId, keys));
  roles.forEach((r, i) => {
    if (taken.has(keys[i])) throw new OcpiError(OcpiStatus.INVALID_PARAMETERS, `roles.${i}: ${r.country_code}/${r.party_id} is already registered by another connection`);
  });
}

export function newCredential(app: AppContext, kind: 'A' | 'B' | 'C', expiresAt: Date | null = null) {
  const token = app.secrets.generateToken();
  return { token, record: { kind, tokenHash: app.secrets.hash(token), tokenEnc: app.secrets.encrypt(token), expiresAt } };
}
