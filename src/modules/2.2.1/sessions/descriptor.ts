import { defineModule } from '../../descriptor.js';
import { sessionsFullVersion } from '../full-versions.js';
import { OCPI_VERSION } from '../version.js';
import { ReceivedSessionQueries } from './receiver-queries.js';
import { ReceivedSessionsService } from './receiver-service.js';
import { OwnSessionsService } from './service.js';
import { cpoSessionRoutes } from './admin.js';
import { emspReceivedSessionRoutes } from './receiver-admin.js';
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
  services: (app) => ({
    ownSessions: new OwnSessionsService(app),
    receivedSessions: new ReceivedSessionsService(app),
    receivedSessionQueries: new ReceivedSessionQueries(app),
  }),
});
