import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { cpoCommandRoutes } from './admin.js';
import { emspCommandRoutes } from './sender-admin.js';
import { expireEmspCommands } from './sender-service.js';
import { commandsReceiverInterface } from './routes.js';
import { commandsSenderInterface } from './sender-routes.js';
import { answerCommand, expireCommands } from './service.js';
import { answerProfileRequest } from '../chargingprofiles/service.js';
import { closeSessionWithCdr } from '../cdrs/from-session.js';

export const commandsModule = defineModule({
  id: 'commands',
  version: OCPI_VERSION,
  interfaces: [commandsReceiverInterface, commandsSenderInterface],
  adminRoutes: [...cpoCommandRoutes, ...emspCommandRoutes],
  // TIMEOUT for commands the backend (CPO) or the CPO (eMSP) never answered.
  sweeps: [expireCommands, expireEmspCommands],
  hub: { routed: true, callbacks: true },
  // What the built-in CPO backend answers through (src/backends/cpo-port.ts): commands are how backends are driven.
  services: (app) => ({
    cpoBackendPort: {
      answerCommand: (party, commandId, result) => answerCommand(app, party, commandId, result),
      answerProfileRequest: (party, requestId, answer) => answerProfileRequest(app, party, requestId, answer),
      closeSessionWithCdr: (party, sessionId, closing) => closeSessionWithCdr(app, party, sessionId, closing),
    },
  }),
});
