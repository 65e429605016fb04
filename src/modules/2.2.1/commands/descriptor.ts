import type { AppContext } from '../../../context.js';
import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { cpoCommandRoutes } from './admin.js';
import { emspCommandRoutes } from './sender-admin.js';
import { commandParties, expireEmspCommands, receiveCommandResult } from './sender-service.js';
import { commandsReceiverInterface } from './routes.js';
import { commandsSenderInterface } from './sender-routes.js';
import { answerCommand, expireCommands, receiveCommand } from './service.js';
import { answerProfileRequest, reportActiveProfile } from '../chargingprofiles/service.js';
import { closeSessionWithCdr } from '../cdrs/from-session.js';
import { authorizeToken } from '../tokens/authorize.js';

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
      authorizeToken: async (party, req) => {
        const r = await authorizeToken(app, party, { uid: req.uid, type: req.type, location: req.location });
        return { allowed: r.allowed, source: r.source, token: r.token, authorization_reference: r.authorization_reference };
      },
      reportActiveProfile: (party, sessionId, profile) => reportActiveProfile(app, party, sessionId, profile),
    },
    // Other OCPI versions' commands interfaces take commands and results by the same rules.
    commandExchange: {
      receive: (...args) => receiveCommand(app, ...args),
      resultParties: (...args) => commandParties(app, ...args),
      receiveResult: (...args) => receiveCommandResult(app, ...args),
    },
  }),
});

type AfterApp<F> = F extends (app: AppContext, ...rest: infer R) => infer T ? (...rest: R) => T : never;

declare module '../../../context.js' {
  interface Services {
    commandExchange: {
      receive: AfterApp<typeof receiveCommand>;
      resultParties: AfterApp<typeof commandParties>;
      receiveResult: AfterApp<typeof receiveCommandResult>;
    };
  }
}
