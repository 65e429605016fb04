/**
 * Every admin API route; the OpenAPI document of the admin API is generated from this list.
 * Platform routes are listed here; each module's backend API comes from its descriptor.
 */
import { moduleAdminRoutes } from '../modules/registry.js';
import type { RouteDef } from '../ocpi/route.js';
import { deliveryRoutes } from './deliveries.js';
import { emspEventRoutes } from './emsp-events.js';
import { partyRoutes } from './parties.js';
import { peerRoutes } from './peers.js';
import { hubRoutes } from './hub.js';
import { dataQualityRoutes } from './data-quality.js';
import { apiKeyRoutes } from './api-keys.js';
import { auditRoutes } from './audit.js';
import { delegationRoutes } from './delegations.js';
import { chargePointRoutes } from './charge-points.js';

export const adminRoutes: RouteDef[] = [
  ...partyRoutes,
  ...peerRoutes,
  ...dataQualityRoutes,
  ...deliveryRoutes,
  ...moduleAdminRoutes,
  ...emspEventRoutes,
  ...hubRoutes,
  ...apiKeyRoutes,
  ...auditRoutes,
  ...delegationRoutes,
  ...chargePointRoutes,
];
