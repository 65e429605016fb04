import { defineModule } from '../../descriptor.js';
import { locationsFullVersion } from '../full-versions.js';
import { OCPI_VERSION } from '../version.js';
import { cpoLocationRoutes } from './admin.js';
import { emspReceivedLocationRoutes } from './receiver-admin.js';
import { locationsPull } from './pull.js';
import { LocationsReadModel } from './read-model.js';
import { locationsReceiverInterface } from './receiver-routes.js';
import { locationsSenderInterface } from './routes.js';
import { ReceivedLocationQueries } from './receiver-queries.js';
import { ReceivedLocationsService } from './receiver-service.js';
import { OwnLocationsService } from './service.js';

export const locationsModule = defineModule({
  id: 'locations',
  version: OCPI_VERSION,
  interfaces: [locationsSenderInterface, locationsReceiverInterface],
  adminRoutes: [...cpoLocationRoutes, ...emspReceivedLocationRoutes],
  pull: locationsPull,
  fullVersion: locationsFullVersion,
  hub: { routed: true, clientOwned: true, broadcast: true },
  services: (app) => ({
    // The SENDER list is served from memory (read-model.ts), kept in line through NOTIFY, by API processes.
    ownLocations: new OwnLocationsService(app, app.config.ROLE === 'worker' ? null : new LocationsReadModel(app)),
    receivedLocations: new ReceivedLocationsService(app),
    receivedLocationQueries: new ReceivedLocationQueries(app),
  }),
  async onStart(app) {
    const readModel = app.services.ownLocations.readModel;
    if (!readModel) return async () => undefined;
    await readModel.start();
    return () => readModel.stop();
  },
});
