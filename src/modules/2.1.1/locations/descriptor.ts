import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { locations211ReceiverInterface } from './receiver-routes.js';
import { locations211SenderInterface } from './routes.js';
import { locations211Translation } from './wire-translation.js';

// Served from the 2.2.1 module's services (app.services.ownLocations / receivedLocations): one store, two wire forms.
export const locations211Module = defineModule({
  id: 'locations',
  version: OCPI_VERSION,
  interfaces: [locations211SenderInterface, locations211ReceiverInterface],
  translation: locations211Translation,
  // The hub bridges it to and from 2.2.1 parties (src/hub/bridge.ts): one party per connection, no routing headers.
  hub: { routed: true, clientOwned: true, broadcast: true, oneParty: true },
});
