/** What the OCPI layer knows about a request once its headers have been read. */
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
