/**
 * CPO backend API for CDRs: the CPO's system reports a final CDR (or has one built when it
 * closes a session, sessions/admin.ts), reads one, and lists its own with totals.
 */
import { z } from 'zod';
import { defineRoute } from '../../../ocpi/route.js';
import { ciString } from '../../../model/primitives.js';
import { Cdr } from '../../../model/cdr.js';
import { notFound } from '../../../admin/errors.js';
import { cpoParty } from '../../../admin/cpo-party.js';
import { PartyPath } from '../../../admin/schemas.js';
import { Instant, pageOf, pageSchema } from '../shared/admin-received-query.js';
import { EmspParam, OWN_LIST_ERRORS, dateOf, emspKey, ownListFields, ownedFilter, rangeRule, updatedRule } from '../shared/owned-admin-query.js';
import { explainCdr } from '../../../tariffs/index.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { CdrTotalsView } from '../shared/cdr-totals.js';

/** A CDR re-priced with its own tariffs and explained (src/tariffs/cdr-explanation.ts). */
export const CdrExplanationView = z.object({
  explanation: z
    .object({ lines: z.array(z.string()), structured: z.record(z.string(), z.unknown()) })
    .nullable()
    .describe('The breakdown: which tariff element applied when, step roundings, min/max price, in lines and in structure'),
  repriced: z.object({ excl_vat: z.number(), incl_vat: z.number().nullable() }).nullable(),
  matches_cdr: z.boolean().nullable().describe("Whether the CDR's total_cost.excl_vat equals the re-priced one to the cent"),
  notes: z.array(z.string()),
});

const CdrPath = PartyPath.extend({ cdr_id: ciString(39) });

const startRule = rangeRule('start_from', 'start_to');
const endRule = rangeRule('end_from', 'end_to');
const CdrsQuery = z
  .object({
    ...ownListFields,
    start_from: Instant.optional().describe('Only CDRs whose start_date_time is at or after this time'),
    start_to: Instant.optional().describe('Only CDRs whose start_date_time is before this time'),
    end_from: Instant.optional().describe('Only CDRs whose end_date_time is at or after this time'),
    end_to: Instant.optional().describe('Only CDRs whose end_date_time is before this time'),
    emsp: EmspParam,
  })
  .superRefine((q, ctx) => {
    updatedRule(q, ctx);
    startRule(q, ctx);
    endRule(q, ctx);
  });

export const cpoCdrRoutes = [
  defineRoute({
    method: 'get',
    path: '/parties/:country_code/:party_id/cdrs',
    summary: "This CPO party's own CDRs, by last_updated (then id), with totals (count, energy, cost per currency) over the filtered set",
    params: PartyPath,
    query: CdrsQuery,
    response: pageSchema(Cdr).extend({ totals: CdrTotalsView }),
    errors: OWN_LIST_ERRORS,
    handler: async ({ app, params, query }) => {
      const filter = {
        ...ownedFilter(await cpoParty(app, params), query),
        tokenPartyKey: emspKey(query.emsp),
        ranges: [
          { field: 'start_date_time', from: dateOf(query.start_from), to: dateOf(query.start_to) },
          { field: 'end_date_time', from: dateOf(query.end_from), to: dateOf(query.end_to) },
        ],
      };
      const store = app.services.ownCdrs.store;
      const [page, totals] = await Promise.all([store.list(filter), store.totals(filter)]);
      return { data: { ...pageOf(query, page), totals } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/parties/:country_code/:party_id/cdrs',
    summary: "Report a final CDR (immutable; corrections are credit CDRs); POSTed to the token owner's eMSP",
    successStatus: 201,
    params: PartyPath,
    body: z.unknown().describe('An OCPI CDR'),
    response: Cdr,
    errors: { 400: 'Invalid CDR', 404: 'Unknown party', 409: 'A CDR with this id exists' },
    handler: async ({ app, params, body }) => ({ data: await app.services.ownCdrs.create(await cpoParty(app, params), body) }),
  }),
  defineRoute({
    method: 'get',
    path: '/parties/:country_code/:party_id/cdrs/:cdr_id',
    summary: 'Read a CDR as stored',
    params: CdrPath,
    response: Cdr,
    handler: async ({ app, params }) => {
      const cdr = await app.services.ownCdrs.get(await cpoParty(app, params), params.cdr_id);
      if (!cdr) throw notFound('CDR');
      return { data: cdr };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/parties/:country_code/:party_id/cdrs/:cdr_id/explanation',
    summary: "A CDR's price explained: re-priced with the tariffs it carries over its charging periods, in the location's time zone, and compared with its total",
    params: CdrPath,
    response: CdrExplanationView,
    handler: async ({ app, params }) => {
      const party = await cpoParty(app, params);
      const cdr = await app.services.ownCdrs.get(party, params.cdr_id);
      if (!cdr) throw notFound('CDR');
      const location = (await app.services.ownLocations.find([partyKey(party.countryCode, party.partyId)], cdr.cdr_location.id, { kind: 'location' })) as {
        time_zone?: string;
      } | null;
      return { data: explainCdr(cdr, location?.time_zone ?? null) };
    },
  }),
];
