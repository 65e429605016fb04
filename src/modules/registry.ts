/**
 * The modules this platform implements, one descriptor per line (each in its own folder:
 * `modules/<version>/<module>/descriptor.ts`). What is mounted, what the version details
 * advertise, the OpenAPI documents, the admin backend API, the pull handlers, the worker's
 * sweeps, the full versions delivery re-sends and the hub's treatment of each module all derive
 * from this list. Adding a module = its folder and a line here.
 */
import { hubInterface, hubLinksInterface } from '../hub/routes.js';
import { hubPoliciesOf } from '../hub/policy.js';
import type { ModuleInterface } from '../ocpi/registry-types.js';
import type { ModuleDescriptor } from './descriptor.js';
import { cdrsModule } from './2.2.1/cdrs/descriptor.js';
import { chargingProfilesModule } from './2.2.1/chargingprofiles/descriptor.js';
import { commandsModule } from './2.2.1/commands/descriptor.js';
import { credentialsModule } from './2.2.1/credentials/descriptor.js';
import { hubClientInfoModule } from './2.2.1/hubclientinfo/descriptor.js';
import { locationsModule } from './2.2.1/locations/descriptor.js';
import { sessionsModule } from './2.2.1/sessions/descriptor.js';
import { tariffsModule } from './2.2.1/tariffs/descriptor.js';
import { tokensModule } from './2.2.1/tokens/descriptor.js';
import { versionsModule } from './2.2.1/versions/descriptor.js';
import { credentials211Module } from './2.1.1/credentials/descriptor.js';
import { locations211Module } from './2.1.1/locations/descriptor.js';
import { tariffs211Module } from './2.1.1/tariffs/descriptor.js';
import { sessions211Module } from './2.1.1/sessions/descriptor.js';
import { cdrs211Module } from './2.1.1/cdrs/descriptor.js';
import { tokens211Module } from './2.1.1/tokens/descriptor.js';
import { commands211Module } from './2.1.1/commands/descriptor.js';
import { versions211Module } from './2.1.1/versions/descriptor.js';

export const descriptors: readonly ModuleDescriptor[] = [
  versionsModule,
  credentialsModule,
  locationsModule,
  sessionsModule,
  cdrsModule,
  tariffsModule,
  tokensModule,
  commandsModule,
  chargingProfilesModule,
  hubClientInfoModule,
  // OCPI 2.1.1 (issue 17): its own wire forms, translated to and from the 2.2.1 model (docs/ocpi-2.1.1.md).
  versions211Module,
  credentials211Module,
  locations211Module,
  tariffs211Module,
  sessions211Module,
  cdrs211Module,
  tokens211Module,
  commands211Module,
];

/** Every OCPI version that has modules, oldest first. */
export const versions: readonly string[] = [...new Set(descriptors.map((d) => d.version))].sort();

export const moduleIds: readonly string[] = [...new Set(descriptors.map((d) => d.id))];

/** The hub's rules for every version it routes. */
export const hubPolicies = hubPoliciesOf(descriptors);

/** Every interface mounted, in registry order, then the hub's URLs (documented like a module; served by hub/router.ts). */
export function interfacesOf(modules: readonly ModuleDescriptor[]): ModuleInterface[] {
  return [...modules.flatMap((d) => d.interfaces), ...hubPoliciesOf(modules).map(hubInterface), hubLinksInterface];
}

export const moduleInterfaces: ModuleInterface[] = interfacesOf(descriptors);

/** The modules' backend API routes under /admin. */
export const moduleAdminRoutes = descriptors.flatMap((d) => d.adminRoutes ?? []);
