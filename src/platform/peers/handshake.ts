/**
 * The credentials lifecycle an admin drives from our side (invite, register with a peer, rotate,
 * unregister), version-neutral: the credentials module of a version implements it and registers
 * it as `app.services.peerHandshake`; the admin API only knows this interface.
 */
import type { Prisma } from '../../db/prisma.js';
import type { PeerRecord, PeerRoleRecord } from './peer-store.js';

/** A handshake step that failed; the message is safe to show to an admin (no tokens). */
export class HandshakeError extends Error {
  constructor(
    message: string,
    readonly httpStatus = 502,
    readonly ocpiStatus?: number,
  ) {
    super(message);
  }
}

export interface Invitation {
  peer_id: string;
  token: string;
  versions_url: string;
  expires_at: string;
}

/** What an admin chooses per connection (both optional). */
export interface ConnectOptions {
  /** Pin this OCPI version instead of the highest both sides offer. */
  version?: string;
  /** The local party presented to a peer whose credentials carry one party (OCPI 2.1.1). */
  localParty?: { countryCode: string; partyId: string };
  /**
   * The role of a one-party (OCPI 2.1.1) peer's party, when the connection cannot tell it: CPO,
   * EMSP, or HUB (a hub relaying the parties behind it, learned from what it sends).
   */
  peerRole?: 'CPO' | 'EMSP' | 'HUB';
}

/**
 * One version's side of the handshake we drive (a credentials module other than the one that
 * builds `peerHandshake` offers it through its descriptor; platform/peers/negotiate.ts picks).
 */
export interface VersionHandshake {
  version: string;
  connect(versionsUrl: string, tokenA: string, label: string | null, options: ConnectOptions): Promise<PeerRecord>;
  rotate(peerId: string): Promise<PeerRecord>;
  disconnect(peerId: string): Promise<{ remote: string }>;
}

export interface PeerHandshake {
  /** A single-use Token A for a peer that will register with us. */
  invite(label: string | null, options?: ConnectOptions): Promise<Invitation>;
  /** Registers with a peer that gave us its versions URL and Token A. */
  connect(versionsUrl: string, tokenA: string, label: string | null, options?: ConnectOptions): Promise<PeerRecord>;
  rotate(peerId: string): Promise<PeerRecord>;
  /** Unregisters; our side forgets the peer's tokens whatever the peer answers. */
  disconnect(peerId: string): Promise<{ remote: string }>;
  /**
   * Creates or updates the platform's connection to itself, speaking for the parties `rolesOf`
   * reads in its transaction (src/modules/<version>/credentials/loopback.ts): how a delegation
   * reaches an SCSP hosted here.
   */
  loopback(rolesOf: (tx: Prisma.TransactionClient) => Promise<PeerRoleRecord[]>): Promise<PeerRecord>;
}

declare module '../../context.js' {
  interface Services {
    peerHandshake: PeerHandshake;
  }
}
