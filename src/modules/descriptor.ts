/**
 * What a module is, in one place: its id and OCPI version, its interfaces (with roles), the
 * admin routes of its backend API, how the pull engine reads it from peers, the sweeps the
 * worker runs for it, the complete versions delivery re-sends after an unknown-object PATCH,
 * and how the hub treats it. `registry.ts` lists the descriptors; everything else that used to
 * keep its own list of modules derives from them.
 */
import type { AppContext, Services } from '../context.js';
import type { FullVersionSource } from '../delivery/full-versions.js';
import type { PullHandler } from '../delivery/pulls.js';
import type { HubTreatment } from '../hub/policy.js';
import type { ModuleInterface } from '../ocpi/registry-types.js';
import type { RouteDef } from '../ocpi/route.js';
import type { VersionHandshake } from '../platform/peers/handshake.js';
import type { WireTranslation } from '../delivery/translations.js';

/** A periodic task of the worker (run on every dispatcher sweep), e.g. timing out unanswered requests. */
export type Sweep = (app: AppContext) => Promise<unknown>;

/** The services a module adds to `app.services`, built once by the composition root. */
export type ServiceFactory = (app: AppContext) => Partial<Services>;

/** Something a module keeps running in API processes; the result stops it. */
export type Service = (app: AppContext) => Promise<() => Promise<void>>;

export interface ModuleDescriptor {
  /** The module identifier of the version details (`locations`, `hubclientinfo`...). */
  id: string;
  /** The OCPI version whose folder holds the module. */
  version: string;
  interfaces: ModuleInterface[];
  /** Routes of the party's own backend API under /admin (documented in the admin OpenAPI). */
  adminRoutes?: RouteDef[];
  pull?: PullHandler;
  sweeps?: Sweep[];
  /** Complete versions of what our parties PATCH (src/delivery/full-versions.ts). */
  fullVersion?: FullVersionSource;
  /** Its services (`app.services.<name>`), built with the AppContext. */
  services?: ServiceFactory;
  /** Started before an API process listens (e.g. a read model the first requests use). */
  onStart?: Service;
  /** Started once an API process listens (e.g. resuming handshakes whose peer calls us back). */
  onListening?: Service;
  hub?: HubTreatment;
  /** A credentials module's side of a handshake we drive, for versions other than the one building `peerHandshake` (platform/peers/negotiate.ts). */
  handshake?: (app: AppContext) => VersionHandshake;
  /** How this version's peers read and write the module's objects, translated from and to the stored model (delivery/translations.ts). */
  translation?: WireTranslation;
}

/**
 * Checks the descriptor against its version: every interface's path carries the version (the
 * versions endpoint, at the root, excepted), so that two versions of a module never share a URL.
 */
export function defineModule(descriptor: ModuleDescriptor): ModuleDescriptor {
  for (const iface of descriptor.interfaces) {
    if (iface.identifier !== descriptor.id && iface.identifier !== 'versions') throw new Error(`${descriptor.id}: interface ${iface.identifier} belongs to another module`);
    if (iface.basePath !== '' && !iface.basePath.split('/').includes(descriptor.version))
      throw new Error(`${descriptor.id}: ${iface.basePath} does not name version ${descriptor.version}`);
  }
  return descriptor;
}

declare module '../context.js' {
  interface AppContext {
    /** The modules of this instance (src/modules/registry.ts): pulls, sweeps, hub policy and versions derive from them. */
    descriptors: readonly ModuleDescriptor[];
  }
}
