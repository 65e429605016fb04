/** How delivery and the pull crawl translate tariffs for a 2.1.1 peer (delivery/translations.ts). */
import type { WireTranslation } from '../../../delivery/translations.js';
import type { ReceivedTariff } from '../../../model/tariff.js';
import { peerOwner } from '../shared/wire.js';
import { Tariff211 } from './schemas.js';
import { tariffFrom211, tariffTo211 } from './translate.js';

export const tariffs211Translation: WireTranslation = {
  outbound: (message) => tariffTo211(message.body as ReceivedTariff),
  inbound(raw, peer) {
    const parsed = Tariff211.safeParse(raw);
    const owner = peerOwner(peer);
    return parsed.success && owner ? tariffFrom211(parsed.data, owner) : raw;
  },
};
