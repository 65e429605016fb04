/**
 * The 2.1.1 version details under `/2.1.1` (any token: A, B or C). A 2.1.1 peer talks to one
 * local party: the endpoints listed are those of that party's role (one per module, no role
 * field); for a caller whose party is not chosen yet, those of the first role that has them.
 */
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { oneSidedHubEndpoints } from '../../../hub/endpoints.js';
import { hubPolicy } from '../../../hub/policy.js';
import { callerOf } from '../../../ocpi/context.js';
import { type ModuleInterface, ownerRoles } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { VersionDetails211 } from '../credentials/schemas.js';
import { endpointsTo211 } from '../credentials/translate.js';
import { presentedParty } from '../shared/connection.js';
import { OCPI_VERSION } from '../version.js';

async function endpointsFor(app: AppContext, peerId: string) {
  const peer = await app.peerStore.get(peerId);
  const presented = await presentedParty(app, peer?.localPartyKey).catch(() => undefined);
  const base = app.config.PUBLIC_BASE_URL;
  const policy = hubPolicy(app, OCPI_VERSION);
  // Our hub party faces the peer: the hub's URLs stand for every module it routes (docs/hub.md).
  if (presented?.hub && policy) return [...credentialsEndpoint(app.interfaces, base), ...oneSidedHubEndpoints(policy, base)];
  const role = presented?.role;
  const localRoles = await app.parties.localRoles();
  const mine = app.interfaces
    .filter((i) => i.identifier !== 'versions' && i.basePath.split('/').includes(OCPI_VERSION))
    .filter((i) => i.owner === 'PLATFORM' || (role ? ownerRoles(i).includes(role) : ownerRoles(i).some((r) => localRoles.has(r))));
  return endpointsTo211(mine.map((i) => ({ identifier: i.identifier, role: i.role, url: `${base}/ocpi${i.basePath}` })));
}

function credentialsEndpoint(interfaces: ModuleInterface[], base: string) {
  const credentials = interfaces.filter((i) => i.identifier === 'credentials' && i.basePath.split('/').includes(OCPI_VERSION));
  return endpointsTo211(credentials.map((i) => ({ identifier: i.identifier, role: i.role, url: `${base}/ocpi${i.basePath}` })));
}

export const versionDetails211Interface: ModuleInterface = {
  identifier: 'versions',
  role: 'SENDER',
  owner: 'UNLISTED',
  basePath: `/${OCPI_VERSION}`,
  acceptsTokenA: true,
  routed: false,
  routes: [
    defineRoute({
      method: 'get',
      path: '/',
      summary: 'Endpoints of OCPI 2.1.1 on this platform, for the local party this connection presents',
      response: VersionDetails211,
      handler: async ({ req, app }) => ({ data: { version: OCPI_VERSION, endpoints: await endpointsFor(app, callerOf(req).peerId) } satisfies z.infer<typeof VersionDetails211> }),
    }),
  ],
};
