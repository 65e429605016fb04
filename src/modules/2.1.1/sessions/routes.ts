/** Sessions SENDER interface of our CPO parties for 2.1.1 eMSP peers: the caller's sessions, translated, locations embedded. */
import type { Session } from '../../../model/session.js';
import { ownedList211Interface } from '../shared/owned-list-route.js';
import { Session211 } from './schemas.js';
import { sessionOutbound } from './wire-translation.js';

export const sessions211SenderInterface = ownedList211Interface<Session>({
  identifier: 'sessions',
  summary: "Sessions of the CPO party this connection presents, started with the calling eMSP's tokens (2.1.1 form)",
  object: Session211,
  page: (app, owner, readers, page) => app.services.ownSessions.store.page(owner, readers, page),
  translate: (session, app) => sessionOutbound(session, undefined, app),
});
