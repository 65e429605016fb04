import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { ReceivedTariffQueries } from './receiver-queries.js';
import { ReceivedTariffsService } from './receiver-service.js';
import { OwnTariffsService } from './service.js';
import { cpoTariffRoutes } from './admin.js';
import { emspReceivedTariffRoutes } from './receiver-admin.js';
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
  services: (app) => ({
    ownTariffs: new OwnTariffsService(app),
    receivedTariffs: new ReceivedTariffsService(app),
    receivedTariffQueries: new ReceivedTariffQueries(app),
  }),
});
