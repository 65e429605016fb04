/**
 * Versions module: the version list (every version that has descriptors; at the root, the same
 * for all versions) and the 2.2.1 version details under `/2.2.1` (any token: A, B or C).
 */
import { withClientInfoReceiver, withHubEndpoints } from '../../../hub/endpoints.js';
import { hubPolicy } from '../../../hub/policy.js';
import { defineRoute } from '../../../ocpi/route.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { OCPI_VERSION } from '../version.js';
import { VersionDetails, VersionList } from '../../../model/version.js';
import { advertisedEndpoints, versionList } from './service.js';

export const versionListInterface: ModuleInterface = {
  identifier: 'versions',
  role: 'SENDER',
  owner: 'UNLISTED',
  basePath: '',
  acceptsTokenA: true,
  routed: false,
  routes: [
    defineRoute({
      method: 'get',
      path: '/versions',
      summary: 'List the OCPI versions this platform supports',
      response: VersionList,
      handler: async ({ app }) => ({ data: versionList(app.descriptors, app.config.PUBLIC_BASE_URL) }),
    }),
  ],
};

export const versionDetailsInterface: ModuleInterface = {
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
      summary: 'Endpoints of OCPI 2.2.1 on this platform',
      description: 'Lists every module interface that exists for the roles of the local parties, plus credentials.',
      response: VersionDetails,
      handler: async ({ app }) => {
        const roles = await app.parties.localRoles();
        const base = app.config.PUBLIC_BASE_URL;
        const endpoints = withClientInfoReceiver(advertisedEndpoints(app.interfaces, OCPI_VERSION, roles, base), roles, app.interfaces, OCPI_VERSION, base);
        // A hub advertises its routing URLs for every module it routes, in both roles.
        const hub = await app.services.hubState.hubParty();
        const policy = hubPolicy(app, OCPI_VERSION);
        return { data: { version: OCPI_VERSION, endpoints: hub && policy ? withHubEndpoints(endpoints, policy, app.interfaces, base) : endpoints } };
      },
    }),
  ],
};
