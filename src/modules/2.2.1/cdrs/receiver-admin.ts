/** eMSP backend API: the CDRs of one of our eMSP parties' tokens, with totals over the filtered set. */
import { z } from 'zod';
import { defineRoute } from '../../../ocpi/route.js';
import { emspParty } from '../../../admin/emsp-party.js';
import { notFound } from '../../../admin/errors.js';
import { PartyPath } from '../../../admin/schemas.js';
import { Cdr } from '../../../model/cdr.js';
import { explainCdr } from '../../../tariffs/index.js';
import { CdrExplanationView } from './admin.js';
import { SignedDataVerification } from '../../../metering/index.js';
import { Instant, LIST_ERRORS, OnePath, RECEIVED_BASE, listFields, listFilter, ownerRule, pageOf, pageSchema } from '../shared/admin-received-query.js';
import { CdrTotalsView } from '../shared/cdr-totals.js';

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

/** The CDR as received, and what the platform found when it checked its signed meter data. */
const ReceivedCdrView = Cdr.safeExtend({
  signed_data_verification: SignedDataVerification.nullable().describe(
    'Added by this platform, not OCPI: the check of signed_data when the CDR was stored (docs/interop.md, signed meter data); null when the CDR carries none',
  ),
});

export const emspReceivedCdrRoutes = [
  defineRoute({
    method: 'get',
    path: `${RECEIVED_BASE}/cdrs`,
    summary: "CDRs of this eMSP party's tokens, by last_updated, with totals (count, energy, cost per currency) over the filtered set",
    params: PartyPath,
    query: CdrsQuery,
    response: pageSchema(ReceivedCdrView).extend({ totals: CdrTotalsView }),
    errors: LIST_ERRORS,
    handler: async ({ app, params, query }) => {
      const filter = {
        ...listFilter(await emspParty(app, params), query),
        endFrom: query.end_from ? new Date(query.end_from) : undefined,
        endTo: query.end_to ? new Date(query.end_to) : undefined,
      };
      const { totals, ...page } = await app.services.receivedCdrQueries.list(filter);
      return { data: { ...pageOf(query, page), totals } };
    },
  }),
  defineRoute({
    method: 'get',
    path: `${RECEIVED_BASE}/cdrs/:cc/:pid/:id`,
    summary: "One CDR of this eMSP party's tokens by the CPO's CDR id (cc/pid: the CPO party)",
    params: OnePath(39),
    response: ReceivedCdrView,
    errors: { 404: 'Unknown party, or no such CDR for this party' },
    handler: async ({ app, params }) => {
      const cdr = await app.services.receivedCdrQueries.get(await emspParty(app, params), params.cc, params.pid, params.id);
      if (!cdr) throw notFound('CDR');
      return { data: cdr };
    },
  }),
  defineRoute({
    method: 'get',
    path: `${RECEIVED_BASE}/cdrs/:cc/:pid/:id/explanation`,
    summary:
      "A received CDR's price checked the way billing would: re-priced with the tariffs it carries, in the received location's time zone, explained and compared with its total",
    params: OnePath(39),
    response: CdrExplanationView,
    errors: { 404: 'Unknown party, or no such CDR for this party' },
    handler: async ({ app, params }) => {
      const party = await emspParty(app, params);
      const cdr = await app.services.receivedCdrQueries.get(party, params.cc, params.pid, params.id);
      if (!cdr) throw notFound('CDR');
      const location = await app.services.receivedLocationQueries.get(party, params.cc, params.pid, cdr.cdr_location.id);
      return { data: explainCdr(cdr, location?.time_zone ?? null) };
    },
  }),
];
