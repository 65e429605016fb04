/**
 * Admin API: what a peer sends that the receive profile had to repair or refuse, so an operator
 * can tell the partner exactly what to fix (docs/interop.md, receive profile). Counts, rules and
 * the last object id per field; never the values.
 */
import { z } from 'zod';
import { defineRoute } from '../ocpi/route.js';
import { notFound } from './errors.js';
import { PeerPath } from './schemas.js';

const QualityEntry = z.object({
  module: z.string().describe('OCPI module of the object (locations, tariffs, sessions, cdrs, tokens, ...)'),
  path: z.string().describe('Field path with list indices folded, e.g. evses[].connectors[].standard'),
  rule: z.string().describe('What was repaired (datetime_offset, unknown_enum_value, ...) or which check refused it'),
  outcome: z
    .enum(['REPAIRED', 'REFUSED', 'NOTICED'])
    .describe('REPAIRED: stored after repair; REFUSED: not stored (2001, or a CDR kept in quarantine); NOTICED: stored as sent, unusual for our engines'),
  count: z.number().int(),
  last_object_id: z.string().nullable().describe('The last object it happened to (withheld for tokens)'),
  last_detail: z.string().nullable(),
  first_seen_at: z.string(),
  last_seen_at: z.string(),
});

const QualityReport = z.object({
  peer_id: z.string(),
  totals: z.object({ repaired: z.number().int(), refused: z.number().int(), noticed: z.number().int() }),
  entries: z.array(QualityEntry),
});

export const dataQualityRoutes = [
  defineRoute({
    method: 'get',
    path: '/peers/:id/data-quality',
    summary: 'What this peer sends that we repaired, refused or noticed, per module, field and rule',
    params: PeerPath,
    response: QualityReport,
    errors: { 404: 'Unknown peer' },
    handler: async ({ app, params }) => {
      if (!(await app.peerStore.get(params.id))) throw notFound('Peer');
      const counts = await app.dataQuality.report(params.id);
      const total = (outcome: string) => counts.filter((c) => c.outcome === outcome).reduce((n, c) => n + c.count, 0);
      return {
        data: {
          peer_id: params.id,
          totals: { repaired: total('REPAIRED'), refused: total('REFUSED'), noticed: total('NOTICED') },
          entries: counts.map((c) => ({
            module: c.module,
            path: c.path,
            rule: c.rule,
            outcome: c.outcome,
            count: c.count,
            last_object_id: c.lastObjectId,
            last_detail: c.lastDetail,
            first_seen_at: c.firstSeenAt.toISOString(),
            last_seen_at: c.lastSeenAt.toISOString(),
          })),
        },
      };
    },
  }),
];
