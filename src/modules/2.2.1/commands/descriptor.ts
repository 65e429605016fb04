import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { cpoCommandRoutes } from './admin-cpo.js';
import { emspCommandRoutes } from './admin-emsp.js';
import { expireEmspCommands } from './emsp-service.js';
import { commandsReceiverInterface } from './routes.js';
import { commandsSenderInterface } from './sender-routes.js';
import { expireCommands } from './service.js';

export const commandsModule = defineModule({
  id: 'commands',
  version: OCPI_VERSION,
  interfaces: [commandsReceiverInterface, commandsSenderInterface],
  adminRoutes: [...cpoCommandRoutes, ...emspCommandRoutes],
  // TIMEOUT for commands the backend (CPO) or the CPO (eMSP) never answered.
  sweeps: [expireCommands, expireEmspCommands],
  hub: { routed: true, callbacks: true },
});
