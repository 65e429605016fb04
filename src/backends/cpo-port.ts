/**
 * What a built-in CPO backend (the simulator, the OCPP adapter) does to its party's objects
 * beyond the services every module offers: answer the commands and charging profile requests
 * forwarded to it, close a session with its CDR, and authorize a token a charge point presents. Version-neutral: the module folders of the platform's model
 * version implement it (src/modules/<version>/commands/descriptor.ts registers it).
 */
import type { SignedData } from '../model/cdr.js';
import type { ActiveChargingProfile, ChargingProfileAnswer } from '../model/charging-profile.js';
import type { CommandResult } from '../model/command.js';
import type { AllowedType, Token } from '../model/token.js';
import type { PartyRef } from '../ocpi/context.js';

export interface SessionClosing {
  /** Meter timeline of the session (see docs/tariffs.md); else the session's own charging periods. */
  timeline?: unknown;
  /** End of the session when it is not COMPLETED yet; default now. */
  endDateTime?: string;
  cdrId?: string;
  /** Signed meter data (e.g. OCMF) of the session, carried into the CDR as given. */
  signedData?: SignedData;
}

/** A token a charge point presents (an RFID card, a remote start's idTag), and where. */
export interface TokenAuthorization {
  uid: string;
  type: string;
  location?: { location_id: string; evse_uids?: string[] };
}

/** The platform's verdict (its real-time authorization with the token's eMSP, or its fallback). */
export interface TokenVerdict {
  allowed: AllowedType;
  /** STORE: our cached copy decided; PEER: the eMSP answered; FALLBACK: the eMSP could not be reached. */
  source: 'STORE' | 'PEER' | 'FALLBACK';
  token?: Token;
  authorization_reference?: string;
}

export interface CpoBackendPort {
  answerCommand(party: PartyRef, commandId: string, result: CommandResult): Promise<unknown>;
  answerProfileRequest(party: PartyRef, requestId: string, answer: ChargingProfileAnswer): Promise<unknown>;
  closeSessionWithCdr(party: PartyRef, sessionId: string, closing: SessionClosing): Promise<unknown>;
  /** Real-time authorization for a backend that has no API call to make it (OCPP Authorize, StartTransaction). */
  authorizeToken(party: PartyRef, req: TokenAuthorization): Promise<TokenVerdict>;
  /** The session's ActiveChargingProfile changed (the charge point's schedule): told to the senders whose profile was accepted. */
  reportActiveProfile(party: PartyRef, sessionId: string, profile: ActiveChargingProfile): Promise<number>;
}

declare module '../context.js' {
  interface Services {
    cpoBackendPort: CpoBackendPort;
  }
}
