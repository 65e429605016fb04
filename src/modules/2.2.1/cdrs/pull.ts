/**
 * Pulling a CPO peer's CDRs of our drivers (06-cdrs: the fallback when POSTs were missed). A CDR
 * we already hold is left as it is (CDRs are immutable, the first one stored wins).
 */
import { OcpiError } from '../../../ocpi/errors.js';
import { pullHandler } from '../shared/pull-sync.js';
import { ReceivedCdr } from './receiver-service.js';

export const cdrsPull = pullHandler({
  module: 'cdrs',
  schema: ReceivedCdr,
  recipientOf: (cdr) => cdr.cdr_token,
  async unreadable(app, caller, raw, refusals, recipient) {
    // Never lost (docs/interop.md); a foreign owner stays a refusal, already counted.
    try {
      await app.services.cdrQuarantine.keep(caller, raw, refusals, recipient);
    } catch (e) {
      if (!(e instanceof OcpiError)) throw e;
      app.log.warn({ peer_id: caller.peerId, err: e.message }, 'pulled CDR of a party the peer did not register; not quarantined');
    }
  },
  async store(app, caller, cdr) {
    const outcome = await app.services.receivedCdrs.post(caller, cdr);
    return outcome.created ? 'stored' : 'ignored';
  },
});
