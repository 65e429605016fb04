/**
 * Which OCPI version a connection speaks: the highest both sides offer, or the one an admin
 * pinned. Version-neutral: each version's credentials module brings its `VersionHandshake`; this
 * hands the handshake to our highest version first and falls back to the next when the peer does
 * not list it (3002). Rotation and unregistration go to the version the connection speaks.
 */
import type { AppContext } from '../../context.js';
import { OcpiStatus } from '../../ocpi/status.js';
import { partyKey } from '../parties/party-store.js';
import { type ConnectOptions, HandshakeError, type Invitation, type PeerHandshake, type VersionHandshake } from './handshake.js';
import type { PeerRecord } from './peer-store.js';

/** Numeric order of version strings ("2.1.1" < "2.2.1" < "2.10"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * `base` is the version whose credentials module builds `peerHandshake` (it also issues
 * invitations and keeps the loopback); `others` are the other versions' handshakes.
 */
export function negotiatingHandshake(app: AppContext, base: PeerHandshake & { version: string }, others: () => VersionHandshake[]): PeerHandshake {
  const all = (): VersionHandshake[] => [base, ...others().filter((h) => h.version !== base.version)];
  const forPeer = async (peerId: string) => {
    const peer = await app.peerStore.get(peerId);
    return all().find((h) => h.version === peer?.version) ?? base;
  };
  return {
    ...base,
    async invite(label: string | null, options: ConnectOptions = {}): Promise<Invitation> {
      const choice = await checkedChoice(app, all(), options);
      const invitation = await base.invite(label, options);
      if (choice.pinnedVersion || choice.localPartyKey || choice.declaredRole) await app.peerStore.setVersionOptions(invitation.peer_id, choice);
      return invitation;
    },
    async connect(versionsUrl: string, tokenA: string, label: string | null, options: ConnectOptions = {}): Promise<PeerRecord> {
      const choice = await checkedChoice(app, all(), options);
      try {
        app.urlPolicy.check(versionsUrl);
      } catch (e) {
        throw new HandshakeError(`versions_url: ${(e as Error).message}`, 422);
      }
      // Highest first: a version the peer does not offer fails its discovery with 3002 before
      // anything is stored or sent beyond its versions GET, and the next lower one is tried.
      const candidates = options.version ? all().filter((h) => h.version === options.version) : [...all()].sort((x, y) => compareVersions(y.version, x.version));
      let peer: PeerRecord | undefined;
      let lastError: unknown;
      for (const handshake of candidates) {
        try {
          peer = await handshake.connect(versionsUrl, tokenA, label, options);
          break;
        } catch (e) {
          lastError = e;
          if (!(e instanceof HandshakeError && e.ocpiStatus === OcpiStatus.UNSUPPORTED_VERSION)) throw e;
        }
      }
      // The last refusal is the lowest version's: "the peer does not offer OCPI …".
      if (!peer) throw lastError;
      if (choice.pinnedVersion) await app.peerStore.setVersionOptions(peer.id, { pinnedVersion: choice.pinnedVersion });
      return (await app.peerStore.get(peer.id)) ?? peer;
    },
    rotate: async (peerId) => (await forPeer(peerId)).rotate(peerId),
    disconnect: async (peerId) => (await forPeer(peerId)).disconnect(peerId),
  };
}

/** The admin's choice, checked before anything is sent: a version we speak, a party we host. */
async function checkedChoice(
  app: AppContext,
  handshakes: VersionHandshake[],
  options: ConnectOptions,
): Promise<{ pinnedVersion?: string; localPartyKey?: string; declaredRole?: string }> {
  if (options.version && !handshakes.some((h) => h.version === options.version)) {
    throw new HandshakeError(`version: this platform does not speak OCPI ${options.version} (it offers ${handshakes.map((h) => h.version).join(', ')})`, 422);
  }
  let localPartyKey: string | undefined;
  if (options.localParty) {
    const party = await app.parties.find(options.localParty.countryCode, options.localParty.partyId);
    if (!party) throw new HandshakeError(`local_party: ${options.localParty.countryCode}/${options.localParty.partyId} is not a party of this platform`, 422);
    localPartyKey = partyKey(party.countryCode, party.partyId);
  }
  return { pinnedVersion: options.version, localPartyKey, declaredRole: options.peerRole };
}
