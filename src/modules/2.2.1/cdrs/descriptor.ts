import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { CdrQuarantine } from './receiver-quarantine.js';
import { ReceivedCdrQueries } from './receiver-queries.js';
import { ReceivedCdrsService } from './receiver-service.js';
import { OwnCdrsService } from './service.js';
import { cpoCdrRoutes } from './admin.js';
import { emspQuarantineRoutes } from './receiver-quarantine-admin.js';
import { emspReceivedCdrRoutes } from './receiver-admin.js';
import { cdrsPull } from './pull.js';
import { cdrsReceiverInterface } from './receiver-routes.js';
import { cdrsSenderInterface } from './routes.js';

export const cdrsModule = defineModule({
  id: 'cdrs',
  version: OCPI_VERSION,
  interfaces: [cdrsSenderInterface, cdrsReceiverInterface],
  adminRoutes: [...cpoCdrRoutes, ...emspReceivedCdrRoutes, ...emspQuarantineRoutes],
  pull: cdrsPull,
  hub: { routed: true, routedByTokenOwner: true },
  services: (app) => ({
    ownCdrs: new OwnCdrsService(app),
    receivedCdrs: new ReceivedCdrsService(app),
    receivedCdrQueries: new ReceivedCdrQueries(app),
    cdrQuarantine: new CdrQuarantine(app),
  }),
});
