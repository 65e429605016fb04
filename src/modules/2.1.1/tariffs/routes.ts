/** Tariffs SENDER interface of our CPO parties for 2.1.1 peers: the paginated list, translated. */
import type { ReceivedTariff } from '../../../model/tariff.js';
import { ownedList211Interface } from '../shared/owned-list-route.js';
import { Tariff211 } from './schemas.js';
import { tariffTo211 } from './translate.js';

// Tariffs are for every eMSP: no readers filter.
export const tariffs211SenderInterface = ownedList211Interface<ReceivedTariff>({
  identifier: 'tariffs',
  summary: 'All tariffs of the CPO party this connection presents, oldest change first (2.1.1 form)',
  object: Tariff211,
  page: (app, owner, _readers, page) => app.services.ownTariffs.store.page([owner], page),
  translate: (tariff) => tariffTo211(tariff),
});
