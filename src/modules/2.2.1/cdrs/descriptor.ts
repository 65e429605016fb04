import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { emspQuarantineRoutes } from './admin-quarantine.js';
import { emspReceivedCdrRoutes } from './admin-received.js';
import { cdrsPull } from './pull.js';
import { cdrsReceiverInterface } from './receiver-routes.js';
import { cdrsSenderInterface } from './routes.js';

export const cdrsModule = defineModule({
  id: 'cdrs',
  version: OCPI_VERSION,
  interfaces: [cdrsSenderInterface, cdrsReceiverInterface],
  adminRoutes: [...emspReceivedCdrRoutes, ...emspQuarantineRoutes],
  pull: cdrsPull,
  hub: { routed: true, routedByTokenOwner: true },
});
