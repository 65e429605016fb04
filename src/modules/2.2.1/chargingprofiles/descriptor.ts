import { defineModule } from '../../descriptor.js';
import { OCPI_VERSION } from '../version.js';
import { cpoChargingProfileRoutes } from './admin.js';
import { emspChargingProfileRoutes } from './sender-admin.js';
import { expireEmspChargingProfileRequests } from './sender-service.js';
import { chargingProfilesReceiverInterface, chargingProfilesRelayInterface } from './routes.js';
import { chargingProfilesSenderInterface } from './sender-routes.js';
import { expireChargingProfileRequests } from './service.js';

export const chargingProfilesModule = defineModule({
  id: 'chargingprofiles',
  version: OCPI_VERSION,
  // The relay receiver before the SENDER: both sit under /emsp/{version}/chargingprofiles.
  interfaces: [chargingProfilesReceiverInterface, chargingProfilesRelayInterface, chargingProfilesSenderInterface],
  adminRoutes: [...cpoChargingProfileRoutes, ...emspChargingProfileRoutes],
  // Requests whose answer never came are closed with a timeout result.
  sweeps: [expireChargingProfileRequests, expireEmspChargingProfileRequests],
  hub: { routed: true, callbacks: true },
});
