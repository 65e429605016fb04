/** What the OCPI layer knows about a request once its headers have been read. */
import type { Request } from 'express';
import type { Logger } from 'pino';

export type CredentialKind = 'A' | 'B' | 'C';

export interface AuthenticatedPeer {
  peerId: string;
  status: string;
  credentialKind: CredentialKind;
  /** Lookup hash of the token the caller presented (never the token itself). */
  credentialHash: string;
  /** The CredentialsRoles the peer registered: the parties it may speak for. */
  roles: Array<{ role: string; countryCode: string; partyId: string }>;
  /** The local party this connection addresses when a request names none (a one-party connection: OCPI 2.1.1). */
  localParty?: PartyRef;
  /**
   * A one-party connection the admin declared a hub (OCPI 2.1.1 has no ClientInfo): the parties
   * behind it are learned from the client-owned URLs of what it sends.
   */
  relaysParties?: true;
}

export interface PartyRef {
  countryCode: string;
  partyId: string;
}

export interface RoutingHeaders {
  from?: PartyRef;
  to?: PartyRef;
}

export interface OcpiRequestState {
  requestId: string;
  correlationId: string;
  log: Logger;
  peer?: AuthenticatedPeer;
  routing?: RoutingHeaders;
}

declare module 'express-serve-static-core' {
  interface Request {
    ocpi: OcpiRequestState;
  }
}

/**
 * The caller of an OCPI route: every OCPI interface is mounted behind `authenticate`, which sets
 * it before any handler runs. Absent means a route was mounted without its guards: a bug.
 */
export function callerOf(req: Request): AuthenticatedPeer {
  const peer = req.ocpi.peer;
  if (!peer) throw new Error(`${req.method} ${req.path} reached a handler without authentication`);
  return peer;
}

/** Both parties of a routed OCPI route, resolved (or inferred) by its routing guard before the handler. */
export function routingOf(req: Request): { from: PartyRef; to: PartyRef } {
  const routing = req.ocpi.routing;
  if (!routing?.from || !routing.to) throw new Error(`${req.method} ${req.path} reached a handler without resolved routing`);
  return { from: routing.from, to: routing.to };
}
