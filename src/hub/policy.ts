/**
 * How the hub treats each module, derived from the module descriptors (src/modules/registry.ts)
 * instead of lists kept here: which modules it routes, which objects are client-owned (the owner
 * sits in the URL), which pushes it may broadcast, which go to the eMSP of their cdr_token and
 * which carry a `response_url` it must replace by an alias. One policy per OCPI version.
 */
import type { AppContext } from '../context.js';

export interface HubTreatment {
  /** The hub offers `/hub/{version}/{module}/{sender|receiver}` for it (functional modules). */
  routed?: boolean;
  /** RECEIVER URLs name the owner (`/{country_code}/{party_id}/{id}`): the hub checks and remembers it. */
  clientOwned?: boolean;
  /** A push without a definite receiver may be fanned out to every party of the opposite role. */
  broadcast?: boolean;
  /** Personal data: a push goes only to the eMSP of its `cdr_token` (transport §9.3). */
  routedByTokenOwner?: boolean;
  /** Requests carry a `response_url` the receiver calls later (replaced by a hub alias). */
  callbacks?: boolean;
  /**
   * The module's version joins one party to one party (OCPI 2.1.1): no routing headers, no
   * interface roles in version details. Said by any module of a version, it holds for the version.
   */
  oneParty?: boolean;
}

export interface HubPolicy {
  version: string;
  /** `/hub/{version}`, the base of the hub's module URLs under /ocpi. */
  path: string;
  routed: readonly string[];
  clientOwned: ReadonlySet<string>;
  broadcast: ReadonlySet<string>;
  routedByTokenOwner: ReadonlySet<string>;
  callbacks: ReadonlySet<string>;
  /** Modules whose SENDER is the CPO's: a party with both roles sends them to eMSP-like roles. */
  cpoData: ReadonlySet<string>;
  /**
   * One party per connection (OCPI 2.1.1): the hub's URLs carry no `{sender|receiver}` (the
   * caller's role implies it), requests carry no routing headers, and none are sent to such a peer.
   */
  oneParty: boolean;
}

export interface HubModuleEntry {
  id: string;
  version: string;
  hub?: HubTreatment;
  interfaces?: ReadonlyArray<{ role: string; owner: string }>;
}

export function hubPolicyOf(modules: readonly HubModuleEntry[], version: string): HubPolicy {
  const ofVersion = modules.filter((m) => m.version === version);
  const where = (flag: keyof HubTreatment) => ofVersion.filter((m) => m.hub?.[flag]).map((m) => m.id);
  return {
    version,
    path: `/hub/${version}`,
    routed: where('routed').sort(),
    clientOwned: new Set(where('clientOwned')),
    broadcast: new Set(where('broadcast')),
    routedByTokenOwner: new Set(where('routedByTokenOwner')),
    callbacks: new Set(where('callbacks')),
    cpoData: new Set(ofVersion.filter((m) => m.interfaces?.some((i) => i.role === 'SENDER' && i.owner === 'CPO')).map((m) => m.id)),
    oneParty: ofVersion.some((m) => m.hub?.oneParty),
  };
}

/** Every version the hub routes, with its policy. */
export function hubPoliciesOf(modules: readonly HubModuleEntry[]): HubPolicy[] {
  const versions = [...new Set(modules.filter((m) => m.hub?.routed).map((m) => m.version))];
  return versions.map((v) => hubPolicyOf(modules, v));
}

declare module '../context.js' {
  interface Services {
    /** The hub's policy per OCPI version it routes, derived from the descriptors. */
    hubPolicies: Map<string, HubPolicy>;
  }
}

/** The hub's policy for one version of this instance's descriptors (null: the hub does not route it). */
export function hubPolicy(app: AppContext, version: string): HubPolicy | null {
  return app.services.hubPolicies.get(version) ?? null;
}

/** Whether a peer's connection carries one party and no routing headers (its version's policy says so). */
export function isOneParty(app: AppContext, peer: { version: string | null }): boolean {
  return !!peer.version && !!app.services.hubPolicies.get(peer.version)?.oneParty;
}

/**
 * The hub interface a one-party caller reaches under a role-free hub URL: the side of the module
 * its counterpart plays. A CPO pushes CPO data (locations, tariffs, sessions, CDRs) to a RECEIVER
 * and reads tokens from a SENDER; an eMSP the other way round.
 */
export function interfaceFacing(policy: HubPolicy, module: string, callerRoles: readonly string[]): 'SENDER' | 'RECEIVER' {
  const cpo = callerRoles.includes('CPO');
  return cpo === policy.cpoData.has(module) ? 'RECEIVER' : 'SENDER';
}

/** Every version the hub routes on this instance. */
export function hubPolicies(app: AppContext): HubPolicy[] {
  return [...app.services.hubPolicies.values()];
}
