import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { cdrs211ReceiverInterface } from './receiver-routes.js';
import { cdrs211SenderInterface } from './routes.js';
import { cdrs211Translation } from './wire-translation.js';

// Served from the 2.2.1 module's services (app.services.ownCdrs / receivedCdrs / cdrQuarantine): one store, two wire forms.
export const cdrs211Module = defineModule({
  id: 'cdrs',
  version: OCPI_VERSION,
  interfaces: [cdrs211SenderInterface, cdrs211ReceiverInterface],
  translation: cdrs211Translation,
  // Bridged by the hub (src/hub/bridge.ts): to the eMSP of the token its auth_id names, which the hub knows from the tokens that passed it.
  hub: { routed: true, routedByTokenOwner: true, oneParty: true },
});
