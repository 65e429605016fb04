/**
 * The version details of a hub: credentials and our hubclientinfo RECEIVER as always, the
 * hubclientinfo SENDER, and the hub URL of every module it routes in both roles (they replace
 * our own parties' URLs: the hub serves those parties through them too). The hubclientinfo URLs
 * are those of the version's own interfaces.
 */
import type { ModuleInterface } from '../ocpi/registry-types.js';
import type { HubPolicy } from './policy.js';
import { hubEndpoints } from './router.js';

interface Endpoint {
  identifier: string;
  role: 'SENDER' | 'RECEIVER';
  url: string;
}

function clientInfoUrl(interfaces: ModuleInterface[], version: string, role: 'SENDER' | 'RECEIVER', publicBaseUrl: string): string | undefined {
  const iface = interfaces.find((i) => i.identifier === 'hubclientinfo' && i.role === role && i.basePath.split('/').includes(version));
  return iface && `${publicBaseUrl}/ocpi${iface.basePath}`;
}

export function withHubEndpoints<E extends Endpoint>(endpoints: E[], policy: HubPolicy, interfaces: ModuleInterface[], publicBaseUrl: string): Endpoint[] {
  const routed = new Set<string>(policy.routed);
  const sender = clientInfoUrl(interfaces, policy.version, 'SENDER', publicBaseUrl);
  return [
    ...endpoints.filter((e) => !routed.has(e.identifier) && !(e.identifier === 'hubclientinfo' && e.role === 'SENDER')),
    ...(sender ? [{ identifier: 'hubclientinfo', role: 'SENDER' as const, url: sender }] : []),
    ...hubEndpoints(policy, publicBaseUrl),
  ];
}

/** Our hubclientinfo RECEIVER exists for the platforms a hub may serve: those with a CPO, eMSP or SCSP party. */
export function withClientInfoReceiver<E extends Endpoint>(
  endpoints: E[],
  localRoles: Set<string>,
  interfaces: ModuleInterface[],
  version: string,
  publicBaseUrl: string,
): Endpoint[] {
  const receiver = clientInfoUrl(interfaces, version, 'RECEIVER', publicBaseUrl);
  if (!['CPO', 'EMSP', 'SCSP'].some((r) => localRoles.has(r)) || !receiver) return endpoints;
  return [...endpoints, { identifier: 'hubclientinfo', role: 'RECEIVER', url: receiver }];
}

/**
 * A one-party version's hub URLs (OCPI 2.1.1): one per module it routes, without an interface
 * role; the router takes the role from the caller's (policy.ts `interfaceFacing`).
 */
export function oneSidedHubEndpoints(policy: HubPolicy, publicBaseUrl: string): Array<{ identifier: string; url: string }> {
  return policy.routed.map((module) => ({ identifier: module, url: `${publicBaseUrl}/ocpi${policy.path}/${module}` }));
}
