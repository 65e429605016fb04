/**
 * The hub's URLs as a registry entry, so they are documented like every OCPI route. While the
 * hub role is on, `hub/router.ts` serves these paths (any depth below `{role}`) before the
 * registry's routers are reached; these handlers only answer when it is off.
 */
import { z } from 'zod';
import { notFound } from '../ocpi/errors.js';
import type { ModuleInterface } from '../ocpi/registry-types.js';
import { type HttpMethod, defineRoute } from '../ocpi/route.js';
import type { HubPolicy } from './policy.js';

const off = async (): Promise<never> => {
  throw notFound('The hub role is off on this platform');
};

const DESCRIPTION =
  'Routed by OCPI-to-*: the hub party (GET all on a SENDER list; a push to the RECEIVER of locations, tariffs or tokens is broadcast; sessions and CDRs go to the eMSP of their cdr_token; anything else is 4001), one of our parties (served locally), a party of a connected peer (forwarded), or absent (open routing; what it cannot decide is broadcast under the same rule, or 4001). Deeper paths (object ids, client-owned /{country_code}/{party_id}/{id}...) are routed the same way. Hub errors: 4001 unknown receiver, 4002 timeout, 4003 not connected, 4000 other.';

function moduleRoutes(policy: HubPolicy, method: HttpMethod) {
  const ModulePath = z.object({ module: z.enum(policy.routed as [string, ...string[]]), role: z.enum(['sender', 'receiver']) });
  return [
    defineRoute({
      method,
      path: '/:module/:role',
      summary: `${method.toUpperCase()} routed through the hub`,
      description: DESCRIPTION,
      params: ModulePath,
      errors: { 403: 'OCPI-from-* is not a party of the caller' },
      handler: off,
    }),
    defineRoute({
      method,
      path: '/:module/:role/:path',
      summary: `${method.toUpperCase()} of an object, routed through the hub`,
      description: DESCRIPTION,
      params: ModulePath.extend({ path: z.string() }),
      errors: { 403: 'OCPI-from-* is not a party of the caller' },
      handler: off,
    }),
  ];
}

const ONE_PARTY_DESCRIPTION =
  "One URL per module, without an interface role: the caller's role implies it (a CPO pushes locations, tariffs, sessions and CDRs and reads tokens; an eMSP the other way round). No routing headers: the sender is the connection's one party, the receiver is decided as for open routing, and a list GET is a GET all. Bodies are translated between this version and the receiver's.";

function oneSidedRoutes(policy: HubPolicy, method: HttpMethod) {
  const ModulePath = z.object({ module: z.enum(policy.routed as [string, ...string[]]) });
  return [
    defineRoute({ method, path: '/:module', summary: `${method.toUpperCase()} routed through the hub`, description: ONE_PARTY_DESCRIPTION, params: ModulePath, handler: off }),
    defineRoute({
      method,
      path: '/:module/:path',
      summary: `${method.toUpperCase()} of an object, routed through the hub`,
      description: ONE_PARTY_DESCRIPTION,
      params: ModulePath.extend({ path: z.string() }),
      handler: off,
    }),
  ];
}

/** The hub's module URLs of one version: `/hub/{version}/{module}/{role}[/{path}]`, or `/hub/{version}/{module}[/{path}]` for a one-party version. */
export const hubInterface = (policy: HubPolicy): ModuleInterface => ({
  // Not a module: the hub's routing surface (never advertised under this identifier).
  identifier: 'hub',
  role: 'RECEIVER',
  owner: 'UNLISTED',
  basePath: policy.path,
  acceptsTokenA: false,
  routed: false,
  routes: (['get', 'post', 'put', 'patch', 'delete'] as const).flatMap((method) => (policy.oneParty ? oneSidedRoutes(policy, method) : moduleRoutes(policy, method))),
});

/** The hub's own URLs, the same for every version: callback aliases and sealed links. */
export const hubLinksInterface: ModuleInterface = {
  identifier: 'hub',
  role: 'RECEIVER',
  owner: 'UNLISTED',
  basePath: '/hub',
  acceptsTokenA: false,
  routed: false,
  routes: [
    ...(['get', 'post', 'put'] as const).map((method) =>
      defineRoute({
        method,
        path: '/alias/:id',
        summary: 'A hub-owned response_url: the receiver posts its asynchronous result here',
        description:
          'Usable only by the peer it was handed to (404 to anyone else or once expired); forwarded to the original URL with the routing headers of the original exchange.',
        params: z.object({ id: z.string() }),
        handler: off,
      }),
    ),
    defineRoute({
      method: 'get',
      path: '/link/:link',
      summary: 'A hub-owned Link or Location: the next page or object of a list read through the hub',
      description:
        "A signed URL usable only by the peer it was handed to (404 to anyone else, when altered or once expired); forwarded to the receiver's URL with the routing headers of the original request.",
      params: z.object({ link: z.string() }),
      handler: off,
    }),
  ],
};
