import { z } from 'zod';
import { InterfaceRole, Url } from './primitives.js';

/** The module identifiers OCPI 2.2.1 defines (version details may name others: kept, not refused). */
export const ModuleId = z.enum(['cdrs', 'chargingprofiles', 'commands', 'credentials', 'hubclientinfo', 'locations', 'sessions', 'tariffs', 'tokens']);
export type ModuleId = z.infer<typeof ModuleId>;

export const Version = z.object({
  // Peers may list versions we do not know (e.g. 2.3.0); they are ignored, not refused.
  version: z.string().max(10),
  url: Url,
});
export type Version = z.infer<typeof Version>;

export const Endpoint = z.object({
  // Custom modules (e.g. `nltnm-tokens`) are allowed by the spec: kept as opaque identifiers.
  identifier: z.union([ModuleId, z.string().max(30)]),
  role: InterfaceRole,
  url: Url,
});
export type Endpoint = z.infer<typeof Endpoint>;

export const VersionDetails = z.object({
  version: z.string().max(10),
  endpoints: z.array(Endpoint).min(1),
});
export type VersionDetails = z.infer<typeof VersionDetails>;

export const VersionList = z.array(Version).min(1);
