/**
 * eMSP backend API: the tariffs, sessions and CDRs CPO peers sent to one of our eMSP parties
 * (locations: emsp-received-locations.ts). Read-only: the peers are the source of truth.
 */
import { z } from 'zod';
import { receivedCdrQueries } from '../modules/2.2.1/cdrs/receiver-queries.js';
import { receivedSessionQueries } from '../modules/2.2.1/sessions/receiver-queries.js';
import { receivedTariffQueries } from '../modules/2.2.1/tariffs/receiver-queries.js';
import { defineRoute } from '../ocpi/route.js';
import { ciString } from '../ocpi/types.js';
import { Cdr } from '../tariffs/cdr-schemas.js';
import { ReceivedTariff as Tariff } from '../tariffs/schemas.js';
import { Session, SessionStatus } from '../tariffs/session-schemas.js';
import { emspReceivedLocationRoutes } from './emsp-received-locations.js';
import { Instant, listFields, listFilter, ownerRule, pageOf, pageSchema } from './emsp-received-query.js';
import { emspParty } from './emsp-party.js';
import { notFound } from './errors.js';
import { PartyPath } from './schemas.js';

const BASE = '/parties/:country_code/:party_id/received';
const owner = { cc: z.string().regex(/^[A-Za-z]{2}$/), pid: z.string().regex(/^[A-Za-z0-9]{3}$/) };
const OnePath = (idLength: number) => PartyPath.extend({ ...owner, id: ciString(idLength) });

const TariffsQuery = z.object(listFields).superRefine(ownerRule);
const SessionsQuery = z
  .object({ ...listFields, status: SessionStatus.optional().describe('Only sessions in this status') })
  .superRefine(ownerRule);
const CdrsQuery = z
  .object({
    ...listFields,
    end_from: Instant.optional().describe('Only CDRs whose end_date_time is at or after this time'),
    end_to: Instant.optional().describe('Only CDRs whose end_date_time is before this time'),
  })
  .superRefine((q, ctx) => {
    ownerRule(q, ctx);
    if (q.end_from && q.end_to && Date.parse(q.end_from) > Date.parse(q.end_to)) ctx.addIssue({ code: 'custom', path: ['end_to'], message: 'must not be before end_from' });
  });

const Decimal = z.string().describe('Exact decimal number, as text');
const CdrTotals = z.object({
  count: z.number().int(),
  total_energy: Decimal.describe('kWh, exact decimal'),
  total_cost: z.array(z.object({ currency: z.string(), count: z.number().int(), excl_vat: Decimal, incl_vat: Decimal.nullable().describe('null when a CDR of this currency has no incl_vat') })),
});

const LIST_ERRORS = { 400: 'A query parameter is invalid (named in the error)', 404: 'Unknown party, or not an eMSP party' };

export const emspReceivedRoutes = [
  ...emspReceivedLocationRoutes,
  defineRoute({
    method: 'get',
    path: `${BASE}/tariffs`,
    summary: 'Tariffs CPO peers sent to this eMSP party, by last_updated, with the total of the filtered set',
    params: PartyPath,
    query: TariffsQuery,
    response: pageSchema(Tariff),
    errors: LIST_ERRORS,
    handler: async ({ app, params, query }) => ({ data: pageOf(query, await receivedTariffQueries(app).list(listFilter(await emspParty(app, params), query))) }),
  }),
  defineRoute({
    method: 'get',
    path: `${BASE}/tariffs/:cc/:pid/:id`,
    summary: 'One tariff a CPO peer sent to this eMSP party (cc/pid: the CPO party)',
    params: OnePath(36),
    response: Tariff,
    errors: { 404: 'Unknown party, or no such tariff sent to this party' },
    handler: async ({ app, params }) => {
      const tariff = await receivedTariffQueries(app).get(await emspParty(app, params), params.cc, params.pid, params.id);
      if (!tariff) throw notFound('Tariff');
      return { data: tariff };
    },
  }),
  defineRoute({
    method: 'get',
    path: `${BASE}/sessions`,
    summary: "Sessions on this eMSP party's tokens that CPO peers sent, by last_updated, with the total of the filtered set",
    params: PartyPath,
    query: SessionsQuery,
    response: pageSchema(Session),
    errors: LIST_ERRORS,
    handler: async ({ app, params, query }) => {
      const filter = { ...listFilter(await emspParty(app, params), query), status: query.status };
      return { data: pageOf(query, await receivedSessionQueries(app).list(filter)) };
    },
  }),
  defineRoute({
    method: 'get',
    path: `${BASE}/sessions/:cc/:pid/:id`,
    summary: "One session on this eMSP party's tokens (cc/pid: the CPO party)",
    params: OnePath(36),
    response: Session,
    errors: { 404: 'Unknown party, or no such session for this party' },
    handler: async ({ app, params }) => {
      const session = await receivedSessionQueries(app).get(await emspParty(app, params), params.cc, params.pid, params.id);
      if (!session) throw notFound('Session');
      return { data: session };
    },
  }),
  defineRoute({
    method: 'get',
    path: `${BASE}/cdrs`,
    summary: "CDRs of this eMSP party's tokens, by last_updated, with totals (count, energy, cost per currency) over the filtered set",
    params: PartyPath,
    query: CdrsQuery,
    response: pageSchema(Cdr).extend({ totals: CdrTotals }),
    errors: LIST_ERRORS,
    handler: async ({ app, params, query }) => {
      const filter = {
        ...listFilter(await emspParty(app, params), query),
        endFrom: query.end_from ? new Date(query.end_from) : undefined,
        endTo: query.end_to ? new Date(query.end_to) : undefined,
      };
      const { totals, ...page } = await receivedCdrQueries(app).list(filter);
      return { data: { ...pageOf(query, page), totals } };
    },
  }),
  defineRoute({
    method: 'get',
    path: `${BASE}/cdrs/:cc/:pid/:id`,
    summary: "One CDR of this eMSP party's tokens by the CPO's CDR id (cc/pid: the CPO party)",
    params: OnePath(39),
    response: Cdr,
    errors: { 404: 'Unknown party, or no such CDR for this party' },
    handler: async ({ app, params }) => {
      const cdr = await receivedCdrQueries(app).get(await emspParty(app, params), params.cc, params.pid, params.id);
      if (!cdr) throw notFound('CDR');
      return { data: cdr };
    },
  }),
];
