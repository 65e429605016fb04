/**
 * What we advertise: the endpoints of the registry interfaces that exist for the roles our
 * local parties have (credentials always), at URLs under PUBLIC_BASE_URL.
 */
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import type { LocalRole } from '../../../platform/parties/party-store.js';
import type { Endpoint, Version } from '../../../model/version.js';

export function versionsUrl(publicBaseUrl: string): string {
  return `${publicBaseUrl}/ocpi/versions`;
}

/** Every version that has module descriptors, each with its details URL `/ocpi/{version}`. */
export function versionList(descriptors: ReadonlyArray<{ version: string }>, publicBaseUrl: string): Version[] {
  return [...new Set(descriptors.map((d) => d.version))].sort().map((version) => ({ version, url: `${publicBaseUrl}/ocpi/${version}` }));
}

/** The interfaces of one version (their paths name it) that exist for our local parties' roles. */
export function advertisedEndpoints(interfaces: ModuleInterface[], version: string, localRoles: Set<LocalRole>, publicBaseUrl: string): Endpoint[] {
  return interfaces
    .filter((i) => i.identifier !== 'versions' && i.basePath.split('/').includes(version))
    .filter((i) => i.owner === 'PLATFORM' || ((i.owner === 'CPO' || i.owner === 'EMSP') && localRoles.has(i.owner)))
    .map((i) => ({ identifier: i.identifier, role: i.role, url: `${publicBaseUrl}/ocpi${i.basePath}` }));
}
