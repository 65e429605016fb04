/**
 * Storage of the sessions CPO peers pushed to our eMSP parties (05-sessions §2.2): one JSONB
 * document per Session, keyed by the owner's party key and the upper-cased session id.
 */
import type { Db } from '../../../db/prisma.js';
import { ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { ReceivedDocumentStore } from '../shared/received-documents.js';
import type { Session } from '../../../model/session.js';

/** The identity of a received session, normalised the way it is indexed. */
export interface SessionKey {
  partyKey: string;
  sessionKey: string;
}

export function sessionKey(countryCode: string, partyId: string, sessionId: string): SessionKey {
  return { partyKey: partyKey(countryCode, partyId), sessionKey: ciKey(sessionId) };
}

export class ReceivedSessionStore extends ReceivedDocumentStore<Session, SessionKey> {
  constructor(db: Db, schema: string) {
    super(db, schema, 'received_session', 'session_key', (key) => key.sessionKey, sessionKey);
  }
}
