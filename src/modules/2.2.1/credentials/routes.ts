/** Credentials module routes. Token A is accepted here (and on versions) only. */
import { defineRoute } from '../../../ocpi/route.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { OCPI_VERSION } from '../version.js';
import { Credentials } from '../../../model/credentials.js';
import { getCredentials, register, unregister, update } from './server.js';
import { callerOf } from '../../../ocpi/context.js';

export const credentialsInterface: ModuleInterface = {
  identifier: 'credentials',
  // The role of a credentials endpoint means nothing; SENDER is what the digest advises to publish.
  role: 'SENDER',
  owner: 'PLATFORM',
  basePath: `/${OCPI_VERSION}/credentials`,
  acceptsTokenA: true,
  routed: false,
  routes: [
    defineRoute({
      method: 'get',
      path: '/',
      summary: 'The credentials the caller uses with this platform',
      response: Credentials,
      handler: async ({ req, app }) => ({ data: await getCredentials(app, callerOf(req)) }),
    }),
    defineRoute({
      method: 'post',
      path: '/',
      summary: 'Register with Token A: we fetch your versions with your token and answer with token C',
      body: Credentials,
      // Who the peer is and which parties it speaks for: never decided by dropping a field.
      receives: 'requests',
      response: Credentials,
      errors: { 405: 'Already registered' },
      handler: async ({ req, app, body }) => ({ data: await register(app, callerOf(req), body) }),
    }),
    defineRoute({
      method: 'put',
      path: '/',
      summary: 'Update credentials: new token for us, re-read endpoints, new token for you',
      body: Credentials,
      // Who the peer is and which parties it speaks for: never decided by dropping a field.
      receives: 'requests',
      response: Credentials,
      errors: { 405: 'Not registered' },
      handler: async ({ req, app, body }) => ({ data: await update(app, callerOf(req), body) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/',
      summary: 'Unregister: all tokens of this connection become invalid',
      errors: { 405: 'Not registered' },
      handler: async ({ req, app }) => {
        await unregister(app, callerOf(req));
        return {};
      },
    }),
  ],
};
