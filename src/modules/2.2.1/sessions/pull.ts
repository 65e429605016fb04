/**
 * Pulling a CPO peer's sessions of our drivers (05-sessions: catch-up after missed pushes). Each
 * is a full Session, stored like a PUT: it replaces ours only when newer, and tells the eMSP
 * backend what changed exactly as a push would.
 */
import { Session } from '../../../model/session.js';
import { pullHandler } from '../shared/pull-sync.js';

export const sessionsPull = pullHandler({
  module: 'sessions',
  schema: Session,
  dateFromRequired: true,
  recipientOf: (session) => session.cdr_token,
  async store(app, caller, session) {
    const path = { country_code: session.country_code, party_id: session.party_id, session_id: session.id };
    const outcome = await app.services.receivedSessions.putSession(caller, path, session);
    return outcome.kind === 'ignored' ? 'ignored' : 'stored';
  },
});
