/**
 * What we advertise: the endpoints of the registry interfaces that exist for the roles our
 * local parties have (credentials always), at URLs under PUBLIC_BASE_URL.
 */
import { type ModuleInterface, ownerRoles } from '../../../ocpi/registry-types.js';
import type { LocalRole } from '../../../platform/parties/party-store.js';
import type { Endpoint, Version } from '../../../model/version.js';

export function versionsUrl(publicBaseUrl: string): string {
  return `${publicBaseUrl}/ocpi/versions`;
}

/** Every version that has module descriptors, each with its details URL `/ocpi/{version}`. */
export function versionList(descriptors: ReadonlyArray<{ version: string }>, publicBaseUrl: string): Version[] {
  return [...new Set(descriptors.map((d) => d.version))].sort().map((version) => ({ version, url: `${publicBaseUrl}/ocpi/${version}` }));
}

/**
 * The interfaces of one version (their paths name it) that exist for our local parties' roles.
 * Interfaces of one module and interface role for different local roles (the CPO's and the
 * eMSP's chargingprofiles RECEIVER) are alternatives: only the first that exists is listed, and
 * it answers for the parties of the others too (ocpi/registry-types.ts, servedRoles).
 */
export function advertisedEndpoints(interfaces: ModuleInterface[], version: string, localRoles: Set<LocalRole>, publicBaseUrl: string): Endpoint[] {
  const firstListed = new Map<string, string[]>();
  const alternative = (i: ModuleInterface) => {
    const key = `${i.identifier}/${i.role}`;
    const first = firstListed.get(key);
    if (!first) firstListed.set(key, ownerRoles(i));
    return !!first && !ownerRoles(i).some((r) => first.includes(r));
  };
  return interfaces
    .filter((i) => i.identifier !== 'versions' && i.basePath.split('/').includes(version))
    .filter((i) => i.owner === 'PLATFORM' || ownerRoles(i).some((r) => localRoles.has(r)))
    .filter((i) => !alternative(i))
    .map((i) => ({ identifier: i.identifier, role: i.role, url: `${publicBaseUrl}/ocpi${i.basePath}` }));
}
