/**
 * The credentials lifecycle an admin drives from our side (invite, register with a peer, rotate,
 * unregister), version-neutral: the credentials module of a version implements it and registers
 * it as `app.services.peerHandshake`; the admin API only knows this interface.
 */
import type { PeerRecord } from './peer-store.js';

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

export interface PeerHandshake {
  /** A single-use Token A for a peer that will register with us. */
  invite(label: string | null): Promise<Invitation>;
  /** Registers with a peer that gave us its versions URL and Token A. */
  connect(versionsUrl: string, tokenA: string, label: string | null): Promise<PeerRecord>;
  rotate(peerId: string): Promise<PeerRecord>;
  /** Unregisters; our side forgets the peer's tokens whatever the peer answers. */
  disconnect(peerId: string): Promise<{ remote: string }>;
}

declare module '../../context.js' {
  interface Services {
    peerHandshake: PeerHandshake;
  }
}
