import type { AppContext } from '../../../context.js';
import { defineModule } from '../../descriptor.js';
import { tokensFullVersion } from '../full-versions.js';
import { OCPI_VERSION } from '../version.js';
import { OwnTokensService } from './sender-service.js';
import { ReceivedTokensService } from './service.js';
import { authorizeOwnToken } from './sender-authorize.js';
import { cpoAuthorizeRoutes } from './admin.js';
import { emspTokenRoutes } from './sender-admin.js';
import { tokensPull } from './pull.js';
import { tokensReceiverInterface } from './routes.js';
import { tokensSenderInterface } from './sender-routes.js';

export const tokensModule = defineModule({
  id: 'tokens',
  version: OCPI_VERSION,
  interfaces: [tokensReceiverInterface, tokensSenderInterface],
  adminRoutes: [...cpoAuthorizeRoutes, ...emspTokenRoutes],
  pull: tokensPull,
  fullVersion: tokensFullVersion,
  hub: { routed: true, clientOwned: true, broadcast: true },
  services: (app) => ({
    ownTokens: new OwnTokensService(app),
    receivedTokens: new ReceivedTokensService(app),
    // Other OCPI versions' tokens interfaces answer real-time authorization by the same rules.
    ownTokenAuthorization: { authorize: (...args) => authorizeOwnToken(app, ...args) },
  }),
});

type AfterApp<F> = F extends (app: AppContext, ...rest: infer R) => infer T ? (...rest: R) => T : never;

declare module '../../../context.js' {
  interface Services {
    ownTokenAuthorization: { authorize: AfterApp<typeof authorizeOwnToken> };
  }
}
