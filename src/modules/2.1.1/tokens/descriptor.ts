import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { tokens211ReceiverInterface } from './routes.js';
import { tokens211SenderInterface } from './sender-routes.js';
import { tokens211Translation } from './wire-translation.js';

// Served from the 2.2.1 module's services (receivedTokens, ownTokens, ownTokenAuthorization): one store, two wire forms.
export const tokens211Module = defineModule({
  id: 'tokens',
  version: OCPI_VERSION,
  interfaces: [tokens211ReceiverInterface, tokens211SenderInterface],
  translation: tokens211Translation,
  // Bridged by the hub (src/hub/bridge.ts): a 2.1.1 eMSP's tokens broadcast to CPOs, a 2.1.1 CPO's authorizations routed to the token's eMSP.
  hub: { routed: true, clientOwned: true, broadcast: true, oneParty: true },
});
