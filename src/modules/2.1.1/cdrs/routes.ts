/** CDRs SENDER interface of our CPO parties for 2.1.1 eMSP peers: the caller's CDRs, translated, locations embedded. */
import type { Cdr } from '../../../model/cdr.js';
import { ownedList211Interface } from '../shared/owned-list-route.js';
import { Cdr211 } from './schemas.js';
import { cdrOutbound } from './wire-translation.js';

export const cdrs211SenderInterface = ownedList211Interface<Cdr>({
  identifier: 'cdrs',
  summary: "CDRs of the CPO party this connection presents, for the calling eMSP's tokens (2.1.1 form)",
  object: Cdr211,
  page: (app, owner, readers, page) => app.services.ownCdrs.store.page(owner, readers, page),
  translate: (cdr, app) => cdrOutbound(cdr, app),
});
