/**
 * What a 2.1.1 connection is on our side: the one local party presented to the peer, and the one
 * party of the peer (its credentials named it). 2.1.1 has no routing headers: every object a
 * 2.1.1 peer sends is that party's, for our presented party.
 */
import type { AppContext } from '../../../context.js';
import { OcpiError } from '../../../ocpi/errors.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import type { LocalParty } from '../../../platform/parties/party-store.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { type OneSidedRole, otherSide } from '../credentials/translate.js';

export interface PresentedParty {
  party: LocalParty;
  role: OneSidedRole;
  /**
   * The hub's own party (hub bridging, docs/hub.md): it stands for the parties of the other
   * side, so its role is whatever the peer's is not, and the peer's role is read from its
   * version details (versions/client.ts `peerRoleOf`).
   */
  hub?: true;
}

/**
 * How the peer's side of a 2.1.1 connection is read. `discoverAs`: the role its endpoints are
 * read as (the admin's declaration, else the other side of the party we present; a hub party of
 * ours: read from the endpoints). `hub`: the admin declared the peer a hub, which relays the
 * parties behind it (learned from what it sends, hub/remote-parties.ts) and which we face as our
 * presented party's counterpart.
 */
export function peerSide(presented: PresentedParty, declared: string | null | undefined): { discoverAs: OneSidedRole | undefined; hub: boolean } {
  if (declared === 'CPO' || declared === 'EMSP') return { discoverAs: declared, hub: false };
  return { discoverAs: presented.hub ? undefined : otherSide(presented.role), hub: declared === 'HUB' };
}

/**
 * The local party a 2.1.1 peer sees: the one the admin chose for the connection, else the only
 * CPO or eMSP party of this platform. Ambiguity is an error naming `local_party`.
 */
export async function presentedParty(app: AppContext, localPartyKey: string | null | undefined, opts: { firstWhenAmbiguous?: boolean } = {}): Promise<PresentedParty> {
  const parties = (await app.parties.list()).filter((p) => p.roles.includes('CPO') || p.roles.includes('EMSP'));
  const unchosen = parties.length === 1 || (opts.firstWhenAmbiguous && parties.length > 0) ? parties[0] : undefined;
  const party = localPartyKey ? parties.find((p) => partyKey(p.countryCode, p.partyId) === localPartyKey) : unchosen;
  if (!party) {
    // A platform acting as hub presents its hub party when the admin chose it, or when it hosts no CPO/eMSP party.
    const hub = (await app.parties.list()).find((p) => (p.roles as string[]).includes('HUB'));
    if (hub && (localPartyKey ? partyKey(hub.countryCode, hub.partyId) === localPartyKey : parties.length === 0)) return { party: hub, role: 'EMSP', hub: true };
    const why = localPartyKey ? `${localPartyKey} is not a CPO or eMSP party of this platform` : `this platform hosts ${parties.length} CPO/eMSP parties`;
    throw new OcpiError(OcpiStatus.SERVER_ERROR, `local_party: an OCPI 2.1.1 connection presents one party and ${why}; the admin must choose it for this connection`);
  }
  // A party with both roles is presented as a CPO: 2.1.1 connects a CPO to an eMSP.
  return { party, role: party.roles.includes('CPO') ? 'CPO' : 'EMSP' };
}

export function newCredential(app: AppContext, kind: 'A' | 'B' | 'C', expiresAt: Date | null = null) {
  const token = app.secrets.generateToken();
  return { token, record: { kind, tokenHash: app.secrets.hash(token), tokenEnc: app.secrets.encrypt(token), expiresAt } };
}

/** Our party's keys against the peer's one party: never one of ours, never one another connection speaks for. */
export async function assertPartyAvailable(app: AppContext, peerId: string, party: { country_code: string; party_id: string }): Promise<void> {
  const key = partyKey(party.country_code, party.party_id);
  if ((await app.parties.list()).some((p) => partyKey(p.countryCode, p.partyId) === key)) {
    throw new OcpiError(OcpiStatus.INVALID_PARAMETERS, `party_id: ${party.country_code}/${party.party_id} is a party hosted on this platform`);
  }
  if ((await app.peerStore.partiesClaimedByOthers(peerId, [key])).length) {
    throw new OcpiError(OcpiStatus.INVALID_PARAMETERS, `party_id: ${party.country_code}/${party.party_id} is already registered by another connection`);
  }
}
