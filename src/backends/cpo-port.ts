/**
 * What a built-in CPO backend (the simulator) does to its party's objects beyond the services
 * every module offers: answer the commands and charging profile requests forwarded to it, and
 * close a session with its CDR. Version-neutral: the module folders of the platform's model
 * version implement it (src/modules/<version>/commands/descriptor.ts registers it).
 */
import type { SignedData } from '../model/cdr.js';
import type { ChargingProfileAnswer } from '../model/charging-profile.js';
import type { CommandResult } from '../model/command.js';
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

export interface CpoBackendPort {
  answerCommand(party: PartyRef, commandId: string, result: CommandResult): Promise<unknown>;
  answerProfileRequest(party: PartyRef, requestId: string, answer: ChargingProfileAnswer): Promise<unknown>;
  closeSessionWithCdr(party: PartyRef, sessionId: string, closing: SessionClosing): Promise<unknown>;
}

declare module '../context.js' {
  interface Services {
    cpoBackendPort: CpoBackendPort;
  }
}
