/** CDRs SENDER interface of our CPO parties (06-cdrs §2.1). */
import { z } from 'zod';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { Cdr } from '../../../model/cdr.js';
import { ownedListRoute } from '../shared/owned-list-route.js';
import { OCPI_VERSION } from '../version.js';

export const cdrsSenderInterface: ModuleInterface = {
  identifier: 'cdrs',
  role: 'SENDER',
  owner: 'CPO',
  basePath: `/cpo/${OCPI_VERSION}/cdrs`,
  acceptsTokenA: false,
  routed: true,
  routes: [ownedListRoute('CDRs of the addressed CPO party for tokens of the calling eMSP', z.array(Cdr), (app) => app.services.ownCdrs.store)],
};
