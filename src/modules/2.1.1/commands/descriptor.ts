import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { commands211ReceiverInterface } from './routes.js';
import { commands211SenderInterface } from './sender-routes.js';
import { commands211Translation } from './wire-translation.js';

// Served from the 2.2.1 module's rules (app.services.commandExchange): one command store, two wire forms.
export const commands211Module = defineModule({
  id: 'commands',
  version: OCPI_VERSION,
  interfaces: [commands211ReceiverInterface, commands211SenderInterface],
  translation: commands211Translation,
  // Bridged by the hub (src/hub/bridge.ts): a 2.1.1 eMSP's commands to the owner of the location or session, results back through a hub alias.
  hub: { routed: true, callbacks: true, oneParty: true },
});
