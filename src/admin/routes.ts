/** Every admin API route; the OpenAPI document of the admin API is generated from this list. */
import type { RouteDef } from '../ocpi/route.js';
import { cpoAuthorizeRoutes } from './cpo-authorize.js';
import { cpoChargingProfileRoutes } from './cpo-charging-profiles.js';
import { cpoCommandRoutes } from './cpo-commands.js';
import { cpoLocationRoutes } from './cpo-locations.js';
import { cpoSessionRoutes } from './cpo-sessions.js';
import { cpoTariffRoutes } from './cpo-tariffs.js';
import { deliveryRoutes } from './deliveries.js';
import { emspChargingProfileRoutes } from './emsp-charging-profiles.js';
import { emspCommandRoutes } from './emsp-commands.js';
import { emspEventRoutes } from './emsp-events.js';
import { emspTokenRoutes } from './emsp-tokens.js';
import { emspReceivedRoutes } from './emsp-received.js';
import { partyRoutes } from './parties.js';
import { peerRoutes } from './peers.js';
import { hubRoutes } from './hub.js';
import { dataQualityRoutes } from './data-quality.js';
import { emspQuarantineRoutes } from './emsp-quarantine.js';

export const adminRoutes: RouteDef[] = [...partyRoutes, ...peerRoutes, ...dataQualityRoutes, ...deliveryRoutes, ...cpoLocationRoutes, ...cpoSessionRoutes, ...cpoCommandRoutes, ...cpoTariffRoutes, ...cpoAuthorizeRoutes, ...cpoChargingProfileRoutes, ...emspReceivedRoutes, ...emspQuarantineRoutes, ...emspTokenRoutes, ...emspEventRoutes, ...emspCommandRoutes, ...emspChargingProfileRoutes, ...hubRoutes];
