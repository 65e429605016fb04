/** Every admin API route; the OpenAPI document of the admin API is generated from this list. */
import type { RouteDef } from '../ocpi/route.js';
import { cpoAuthorizeRoutes } from './cpo-authorize.js';
import { cpoChargingProfileRoutes } from './cpo-charging-profiles.js';
import { cpoCommandRoutes } from './cpo-commands.js';
import { cpoLocationRoutes } from './cpo-locations.js';
import { cpoSessionRoutes } from './cpo-sessions.js';
import { cpoTariffRoutes } from './cpo-tariffs.js';
import { deliveryRoutes } from './deliveries.js';
import { partyRoutes } from './parties.js';
import { peerRoutes } from './peers.js';

export const adminRoutes: RouteDef[] = [...partyRoutes, ...peerRoutes, ...deliveryRoutes, ...cpoLocationRoutes, ...cpoSessionRoutes, ...cpoCommandRoutes, ...cpoTariffRoutes, ...cpoAuthorizeRoutes, ...cpoChargingProfileRoutes];
