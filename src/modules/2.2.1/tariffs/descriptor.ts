import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { cpoTariffRoutes } from './admin.js';
import { emspReceivedTariffRoutes } from './admin-received.js';
import { tariffsPull } from './pull.js';
import { tariffsReceiverInterface } from './receiver-routes.js';
import { tariffsSenderInterface } from './routes.js';

export const tariffsModule = defineModule({
  id: 'tariffs',
  version: OCPI_VERSION,
  interfaces: [tariffsSenderInterface, tariffsReceiverInterface],
  adminRoutes: [...cpoTariffRoutes, ...emspReceivedTariffRoutes],
  pull: tariffsPull,
  hub: { routed: true, clientOwned: true, broadcast: true },
});
