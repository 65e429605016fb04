/**
 * Pulling an eMSP peer's tokens into our CPO parties' whitelist cache (07-tokens §5: the CPO
 * resyncs by reading the eMSP's Sender list; transport §4: pull is what gets a receiver back in
 * sync). The mirror of the eMSP pulls: the same crawl (shared/pull-sync.ts) with our CPO parties
 * pulling, full at first, then incremental with date_from, every token read through the receive
 * profile and stored through the same Receiver service a push goes through, so push and pull
 * accept the same tokens and converge on the newest `last_updated` whichever arrives first.
 *
 * Routing (transport §9): OCPI-from = one of our CPO parties, OCPI-to = one eMSP party of the
 * peer (or its hub), so the list is read once per (our CPO party, their eMSP party). An eMSP may
 * show each CPO a different set of tokens; the cache is one per token owner, so overlapping lists
 * are simply stored idempotently.
 */
import { pullHandler } from '../shared/pull-sync.js';
import { Token } from '../../../model/token.js';

export const tokensPull = pullHandler({
  module: 'tokens',
  pulledBy: 'CPO',
  schema: Token,
  // The Tokens Sender GET has no required date_from: a full pull leaves it out. A token's uid
  // identifies a driver: warnings and the data-quality report never name it.
  objectId: () => undefined,
  async store(app, caller, token) {
    // A PUT of the whole token, keyed on its own type, exactly as a push of it would be.
    const outcome = await app.services.receivedTokens.put(caller, { country_code: token.country_code, party_id: token.party_id, token_uid: token.uid }, token.type, token);
    return outcome.kind === 'ignored' ? 'ignored' : 'stored';
  },
});
