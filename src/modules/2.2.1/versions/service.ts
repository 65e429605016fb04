/**
 * What we advertise: the endpoints of the registry interfaces that exist for the roles our
 * local parties have (credentials always), at URLs under PUBLIC_BASE_URL.
 */
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import type { LocalRole } from '../../../platform/parties/party-store.js';
import { OCPI_VERSION, type Endpoint, type Version } from './schemas.js';

export function versionsUrl(publicBaseUrl: string): string {
  return `${publicBaseUrl}/ocpi/versions`;
}

export function versionList(publicBaseUrl: string): Version[] {
  return [{ version: OCPI_VERSION, url: `${publicBaseUrl}/ocpi/${OCPI_VERSION}` }];
}

export function advertisedEndpoints(interfaces: ModuleInterface[], localRoles: Set<LocalRole>, publicBaseUrl: string): Endpoint[] {
  return interfaces
    .filter((i) => i.identifier !== 'versions')
    .filter((i) => i.owner === 'PLATFORM' || ((i.owner === 'CPO' || i.owner === 'EMSP') && localRoles.has(i.owner)))
    .map((i) => ({ identifier: i.identifier, role: i.role, url: `${publicBaseUrl}/ocpi${i.basePath}` }));
}
