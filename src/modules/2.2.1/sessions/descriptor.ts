import { defineModule } from '../../descriptor.js';
import { sessionsFullVersion } from '../full-versions.js';
import { OCPI_VERSION } from '../version.js';
import { cpoSessionRoutes } from './admin.js';
import { emspReceivedSessionRoutes } from './admin-received.js';
import { sessionsPull } from './pull.js';
import { sessionsReceiverInterface } from './receiver-routes.js';
import { sessionsSenderInterface } from './routes.js';

export const sessionsModule = defineModule({
  id: 'sessions',
  version: OCPI_VERSION,
  interfaces: [sessionsSenderInterface, sessionsReceiverInterface],
  adminRoutes: [...cpoSessionRoutes, ...emspReceivedSessionRoutes],
  pull: sessionsPull,
  fullVersion: sessionsFullVersion,
  hub: { routed: true, clientOwned: true, routedByTokenOwner: true },
});
