/** 2.1.1 credentials routes. Token A is accepted here (and on versions) only. */
import { callerOf } from '../../../ocpi/context.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { defineRoute } from '../../../ocpi/route.js';
import { OCPI_VERSION } from '../version.js';
import { Credentials211 } from './schemas.js';
import { getCredentials211, register211, unregister211, update211 } from './server.js';

export const credentials211Interface: ModuleInterface = {
  identifier: 'credentials',
  role: 'SENDER',
  owner: 'PLATFORM',
  basePath: `/${OCPI_VERSION}/credentials`,
  acceptsTokenA: true,
  routed: false,
  routes: [
    defineRoute({
      method: 'get',
      path: '/',
      summary: 'The credentials the caller uses with this platform (the one party presented to it)',
      response: Credentials211,
      handler: async ({ req, app }) => ({ data: await getCredentials211(app, callerOf(req)) }),
    }),
    defineRoute({
      method: 'post',
      path: '/',
      summary: 'Register with Token A: we fetch your versions with your token and answer with token C',
      body: Credentials211,
      receives: 'requests',
      response: Credentials211,
      errors: { 405: 'Already registered' },
      handler: async ({ req, app, body }) => ({ data: await register211(app, callerOf(req), body) }),
    }),
    defineRoute({
      method: 'put',
      path: '/',
      summary: 'Update credentials: new token for us, re-read endpoints, new token for you',
      body: Credentials211,
      receives: 'requests',
      response: Credentials211,
      errors: { 405: 'Not registered' },
      handler: async ({ req, app, body }) => ({ data: await update211(app, callerOf(req), body) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/',
      summary: 'Unregister: all tokens of this connection become invalid',
      errors: { 405: 'Not registered' },
      handler: async ({ req, app }) => {
        await unregister211(app, callerOf(req));
        return {};
      },
    }),
  ],
};
