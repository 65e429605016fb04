/**
 * The version details of a hub: credentials and our hubclientinfo RECEIVER as always, the
 * hubclientinfo SENDER, and the hub URL of every functional module interface in both roles
 * (they replace our own parties' URLs: the hub serves those parties through them too).
 */
import { HUBCLIENTINFO_RECEIVER_PATH, HUBCLIENTINFO_SENDER_PATH } from '../modules/2.2.1/hubclientinfo/routes.js';
import type { Endpoint } from '../modules/2.2.1/versions/schemas.js';
import { ROUTED_MODULES, hubEndpoints } from './router.js';

export function withHubEndpoints(endpoints: Endpoint[], publicBaseUrl: string): Endpoint[] {
  const routed = new Set<string>(ROUTED_MODULES);
  return [
    ...endpoints.filter((e) => !routed.has(e.identifier) && !(e.identifier === 'hubclientinfo' && e.role === 'SENDER')),
    { identifier: 'hubclientinfo', role: 'SENDER', url: `${publicBaseUrl}/ocpi${HUBCLIENTINFO_SENDER_PATH}` },
    ...hubEndpoints(publicBaseUrl),
  ];
}

/** Our hubclientinfo RECEIVER exists for the platforms a hub may serve: those with a CPO or eMSP party. */
export function withClientInfoReceiver(endpoints: Endpoint[], localRoles: Set<string>, publicBaseUrl: string): Endpoint[] {
  if (!localRoles.has('CPO') && !localRoles.has('EMSP')) return endpoints;
  return [...endpoints, { identifier: 'hubclientinfo', role: 'RECEIVER', url: `${publicBaseUrl}/ocpi${HUBCLIENTINFO_RECEIVER_PATH}` }];
}
