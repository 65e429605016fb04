/**
 * Pulling a CPO peer's CDRs of our drivers (06-cdrs: the fallback when POSTs were missed). A CDR
 * we already hold is left as it is (CDRs are immutable, the first one stored wins).
 */
import { pullHandler } from '../shared/pull-sync.js';
import { ReceivedCdr, receivedCdrs } from './receiver-service.js';

export const cdrsPull = pullHandler({
  module: 'cdrs',
  schema: ReceivedCdr,
  recipientOf: (cdr) => cdr.cdr_token,
  async store(app, caller, cdr) {
    const outcome = await receivedCdrs(app).post(caller, cdr);
    return outcome.created ? 'stored' : 'ignored';
  },
});
