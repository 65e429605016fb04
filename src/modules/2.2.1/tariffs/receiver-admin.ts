/** eMSP backend API: the tariffs CPO peers sent to one of our eMSP parties. */
import { z } from 'zod';
import { defineRoute } from '../../../ocpi/route.js';
import { emspParty } from '../../../admin/emsp-party.js';
import { notFound } from '../../../admin/errors.js';
import { PartyPath } from '../../../admin/schemas.js';
import { ReceivedTariff as Tariff } from '../../../model/tariff.js';
import { LIST_ERRORS, OnePath, RECEIVED_BASE, listFields, listFilter, ownerRule, pageOf, pageSchema } from '../shared/admin-received-query.js';

const TariffsQuery = z.object(listFields).superRefine(ownerRule);

export const emspReceivedTariffRoutes = [
  defineRoute({
    method: 'get',
    path: `${RECEIVED_BASE}/tariffs`,
    summary: 'Tariffs CPO peers sent to this eMSP party, by last_updated, with the total of the filtered set',
    params: PartyPath,
    query: TariffsQuery,
    response: pageSchema(Tariff),
    errors: LIST_ERRORS,
    handler: async ({ app, params, query }) => ({ data: pageOf(query, await app.services.receivedTariffQueries.list(listFilter(await emspParty(app, params), query))) }),
  }),
  defineRoute({
    method: 'get',
    path: `${RECEIVED_BASE}/tariffs/:cc/:pid/:id`,
    summary: 'One tariff a CPO peer sent to this eMSP party (cc/pid: the CPO party)',
    params: OnePath(36),
    response: Tariff,
    errors: { 404: 'Unknown party, or no such tariff sent to this party' },
    handler: async ({ app, params }) => {
      const tariff = await app.services.receivedTariffQueries.get(await emspParty(app, params), params.cc, params.pid, params.id);
      if (!tariff) throw notFound('Tariff');
      return { data: tariff };
    },
  }),
];
