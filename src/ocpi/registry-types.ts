import type { InterfaceRole } from '../model/primitives.js';
import type { RouteDef, RoutingHint } from './route.js';

/**
 * Which local party role makes an interface exist on this platform:
 * - `CPO` / `EMSP`: advertised when a local party has that role;
 * - `PLATFORM`: always advertised (credentials);
 * - `UNLISTED`: mounted but never advertised (the versions endpoints themselves).
 */
export type InterfaceOwner = 'CPO' | 'EMSP' | 'PLATFORM' | 'UNLISTED';

export interface ModuleInterface {
  /** The module identifier of the version details (the descriptor's id). */
  identifier: string;
  role: InterfaceRole;
  owner: InterfaceOwner;
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

declare module '../context.js' {
  interface AppContext {
    interfaces: ModuleInterface[];
  }
}
