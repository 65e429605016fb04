/** Locations module schemas beyond the objects (src/model/location.ts): backend PATCHes and paths. */
import { z } from 'zod';
import { Connector, Evse, Location } from '../../../model/location.js';
import { ciString } from '../../../model/primitives.js';

/** The backend API lets last_updated default to "now": the platform is the owner's clock. */
export const BackendLocationPatch = Location.partial();
export const BackendEvsePatch = Evse.partial();
export const BackendConnectorPatch = Connector.partial();

export const LocationPath = z.object({ location_id: ciString(36) });
export const EvsePath = LocationPath.extend({ evse_uid: ciString(36) });
export const ConnectorPath = EvsePath.extend({ connector_id: ciString(36) });
