import type { InterfaceRole } from '../model/primitives.js';
import type { RouteDef, RoutingHint } from './route.js';

/** The roles a local party may have that make module interfaces exist. */
export type LocalPartyRole = 'CPO' | 'EMSP' | 'SCSP';

/**
 * Which local party role makes an interface exist on this platform:
 * - `CPO` / `EMSP` / `SCSP`: advertised when a local party has that role;
 * - `PLATFORM`: always advertised (credentials);
 * - `UNLISTED`: mounted but never advertised (the versions endpoints themselves).
 */
export type InterfaceOwner = LocalPartyRole | 'PLATFORM' | 'UNLISTED';

export interface ModuleInterface {
  /** The module identifier of the version details (the descriptor's id). */
  identifier: string;
  role: InterfaceRole;
  owner: InterfaceOwner;
  /** Further local roles that make the interface exist (an SCSP receives sessions as an eMSP does). */
  alsoOwnedBy?: readonly LocalPartyRole[];
  /** Path under `/ocpi`, e.g. `/2.2.1/credentials` or `/cpo/2.2.1/locations`. */
  basePath: string;
  /** CREDENTIALS_TOKEN_A is accepted only on versions and credentials. */
  acceptsTokenA: boolean;
  /** Functional modules carry the OCPI-from/to routing headers; configuration modules do not. */
  routed: boolean;
  /** What names the parties of every route when routing headers are absent (a route may add to it). */
  routing?: RoutingHint;
  routes: RouteDef[];
}

/** The local party roles that make an interface exist (none for PLATFORM and UNLISTED ones). */
export function ownerRoles(iface: Pick<ModuleInterface, 'owner' | 'alsoOwnedBy'>): LocalPartyRole[] {
  const primary = iface.owner === 'PLATFORM' || iface.owner === 'UNLISTED' ? [] : [iface.owner];
  return [...new Set([...primary, ...(iface.alsoOwnedBy ?? [])])];
}

const versionOf = (iface: ModuleInterface) => iface.basePath.split('/').find((s) => /^\d+(\.\d+)+$/.test(s));

/**
 * The local roles whose parties OCPI-to-* may name on an interface. A version's details list one
 * endpoint per module and interface role (the first that exists), so every interface of the same
 * module, role and version answers for the parties of all of them; its handlers tell them apart.
 */
export function servedRoles(iface: ModuleInterface, all: readonly ModuleInterface[]): LocalPartyRole[] {
  const siblings = all.filter((i) => i.identifier === iface.identifier && i.role === iface.role && versionOf(i) === versionOf(iface));
  return [...new Set([iface, ...siblings].flatMap(ownerRoles))];
}

declare module '../context.js' {
  interface AppContext {
    interfaces: ModuleInterface[];
  }
}
