import { defineModule } from '../../descriptor.js';
import { locationsFullVersion } from '../full-versions.js';
import { OCPI_VERSION } from '../version.js';
import { cpoLocationRoutes } from './admin.js';
import { emspReceivedLocationRoutes } from './admin-received.js';
import { locationsPull } from './pull.js';
import { LocationsReadModel } from './read-model.js';
import { locationsReceiverInterface } from './receiver-routes.js';
import { locationsSenderInterface } from './routes.js';
import { ownLocations } from './service.js';

export const locationsModule = defineModule({
  id: 'locations',
  version: OCPI_VERSION,
  interfaces: [locationsSenderInterface, locationsReceiverInterface],
  adminRoutes: [...cpoLocationRoutes, ...emspReceivedLocationRoutes],
  pull: locationsPull,
  fullVersion: locationsFullVersion,
  hub: { routed: true, clientOwned: true, broadcast: true },
  // The SENDER list is served from memory (read-model.ts), kept in line through NOTIFY.
  async onStart(app) {
    const readModel = new LocationsReadModel(app);
    await readModel.start();
    ownLocations(app).readModel = readModel;
    return () => readModel.stop();
  },
});
