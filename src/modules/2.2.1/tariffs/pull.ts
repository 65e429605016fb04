/** Pulling a CPO peer's tariffs into our eMSP parties' store (03-tariffs: first sync, catch-up). */
import { ReceivedTariff as Tariff } from '../../../model/tariff.js';
import { pullHandler } from '../shared/pull-sync.js';

export const tariffsPull = pullHandler({
  module: 'tariffs',
  schema: Tariff,
  async store(app, caller, tariff, recipient) {
    const owner = { country_code: tariff.country_code, party_id: tariff.party_id };
    // A CPO may show each eMSP its own tariffs: the one we asked as is the recipient.
    const outcome = await app.services.receivedTariffs.putTariff(caller, { ...owner, tariff_id: tariff.id }, tariff, recipient);
    return outcome.kind === 'ignored' ? 'ignored' : 'stored';
  },
  // 03-tariffs: the list is complete; a tariff it no longer holds is no longer valid.
  retireUnlisted: (app, caller, listed, startedAt) => app.services.receivedTariffs.retireUnlisted(caller, listed, startedAt),
});
