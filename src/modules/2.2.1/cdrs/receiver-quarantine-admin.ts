/**
 * eMSP backend API: CDRs CPO peers sent to this eMSP party that could not be read even after repair.
 * They are kept as received (never lost) until released (stored like any received CDR, optionally
 * with a corrected body) or discarded (docs/interop.md, CDR quarantine).
 */
import { z } from 'zod';
import { defineRoute } from '../../../ocpi/route.js';
import { emspParty } from '../../../admin/emsp-party.js';
import { PartyPath } from '../../../admin/schemas.js';

const BASE = '/parties/:country_code/:party_id/quarantined-cdrs';
const OnePath = PartyPath.extend({ id: z.string().describe('Our id of the quarantined CDR') });
const Status = z.enum(['QUARANTINED', 'RELEASED', 'DISCARDED']);

const QuarantinedCdr = z.object({
  id: z.string(),
  peer_id: z.string(),
  cdr_id: z.string().nullable().describe("The CDR's own id, when it could be read"),
  owner: z.object({ country_code: z.string(), party_id: z.string() }).nullable().describe('The CPO party, when it could be read'),
  status: Status,
  problems: z.array(z.object({ path: z.string(), rule: z.string(), message: z.string() })).describe('What kept it from being stored'),
  received_at: z.string(),
  released_at: z.string().nullable(),
  received_cdr_id: z.string().nullable().describe('Our id of the stored CDR, once released'),
  raw: z.unknown().describe('The body exactly as the peer sent it'),
});

const ReleaseBody = z.object({ cdr: z.record(z.string(), z.unknown()).optional().describe('A corrected CDR to store instead of the body as received') }).optional();

const ERRORS = { 404: 'Unknown eMSP party or quarantined CDR' };

export const emspQuarantineRoutes = [
  defineRoute({
    method: 'get',
    path: BASE,
    summary: 'CDRs kept in quarantine for this eMSP party, newest first',
    params: PartyPath,
    query: z.object({ status: Status.optional() }),
    response: z.array(QuarantinedCdr),
    errors: ERRORS,
    handler: async ({ app, params, query }) => ({ data: await app.services.cdrQuarantine.list(await emspParty(app, params), query.status) }),
  }),
  defineRoute({
    method: 'get',
    path: `${BASE}/:id`,
    summary: 'One quarantined CDR with its problems and the body as received',
    params: OnePath,
    response: QuarantinedCdr,
    errors: ERRORS,
    handler: async ({ app, params }) => ({ data: await app.services.cdrQuarantine.get(await emspParty(app, params), params.id) }),
  }),
  defineRoute({
    method: 'post',
    path: `${BASE}/:id/release`,
    summary: 'Store the CDR like any received one (the body as received, or a corrected `cdr`); it stays in quarantine while unreadable',
    params: OnePath,
    body: ReleaseBody,
    response: QuarantinedCdr,
    errors: { ...ERRORS, 400: 'Still unreadable: the fields are named', 409: 'Already released or discarded' },
    handler: async ({ app, params, body }) => ({ data: await app.services.cdrQuarantine.release(await emspParty(app, params), params.id, body?.cdr) }),
  }),
  defineRoute({
    method: 'post',
    path: `${BASE}/:id/discard`,
    summary: 'Give up on a quarantined CDR (e.g. the CPO sent it again readable); it is kept, marked DISCARDED',
    params: OnePath,
    response: QuarantinedCdr,
    errors: { ...ERRORS, 409: 'Already released or discarded' },
    handler: async ({ app, params }) => ({ data: await app.services.cdrQuarantine.discard(await emspParty(app, params), params.id) }),
  }),
];
