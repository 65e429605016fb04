import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { AuthIdTokens } from './lookups.js';
import { sessions211ReceiverInterface } from './receiver-routes.js';
import { sessions211SenderInterface } from './routes.js';
import { sessions211Translation } from './wire-translation.js';

// Served from the 2.2.1 module's services (app.services.ownSessions / receivedSessions): one store, two wire forms.
export const sessions211Module = defineModule({
  id: 'sessions',
  version: OCPI_VERSION,
  interfaces: [sessions211SenderInterface, sessions211ReceiverInterface],
  translation: sessions211Translation,
  // Bridged by the hub (src/hub/bridge.ts): to the eMSP of the token its auth_id names, which the hub knows from the tokens that passed it.
  hub: { routed: true, clientOwned: true, routedByTokenOwner: true, oneParty: true },
  services: (app) => ({ authIdTokens211: new AuthIdTokens(app) }),
});
