import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { tariffs211ReceiverInterface } from './receiver-routes.js';
import { tariffs211SenderInterface } from './routes.js';
import { tariffs211Translation } from './wire-translation.js';

// Served from the 2.2.1 module's services (app.services.ownTariffs / receivedTariffs): one store, two wire forms.
export const tariffs211Module = defineModule({
  id: 'tariffs',
  version: OCPI_VERSION,
  interfaces: [tariffs211SenderInterface, tariffs211ReceiverInterface],
  translation: tariffs211Translation,
  // The hub bridges it to and from 2.2.1 parties (src/hub/bridge.ts): one party per connection, no routing headers.
  hub: { routed: true, clientOwned: true, broadcast: true, oneParty: true },
});
