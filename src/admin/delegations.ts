/**
 * Admin API: delegations of smart charging to SCSPs (platform/delegations, docs/interop.md "Smart
 * charging"), and the requests refused because another party controls the session. Changes are
 * recorded by the audit log like every admin change.
 */
import { z } from 'zod';
import { defineRoute } from '../ocpi/route.js';
import { ciString } from '../model/primitives.js';
import { listConflicts } from '../platform/delegations/conflicts.js';
import { createDelegation, deleteDelegation, listDelegations } from '../platform/delegations/delegations.js';
import { syncLoopback } from '../platform/delegations/loopback.js';
import { notFound } from './errors.js';
import { setAuditTarget } from './audit.js';

const PartyName = z
  .string()
  .regex(/^[A-Za-z]{2}\/[A-Za-z0-9]{3}$/, 'must be COUNTRY/PARTY, e.g. NL/CPO')
  .transform((s) => ({ countryCode: s.slice(0, 2).toUpperCase(), partyId: s.slice(3).toUpperCase() }));

const DelegationCreate = z.object({
  from: PartyName.describe('Our CPO or eMSP party that delegates, as COUNTRY/PARTY'),
  to: PartyName.describe('The SCSP party (ours, a peer’s, or one behind a hub), as COUNTRY/PARTY; an SCSP hosted here is reached through the platform’s loopback connection'),
  role: z.enum(['CPO', 'EMSP']).optional().describe('The role `from` delegates as; needed only when it is both CPO and eMSP and gives no locations'),
  locations: z.array(ciString(36)).min(1).max(1000).optional().describe('CPO only: the location ids whose sessions the SCSP steers; absent: every location'),
});

const DelegationView = z.object({
  id: z.string().uuid(),
  from: z.string(),
  role: z.enum(['CPO', 'EMSP']),
  to: z.string(),
  locations: z.array(z.string()).nullable().describe('null: every location'),
  created_at: z.string(),
});

const ConflictsQuery = z.object({
  party: z
    .string()
    .regex(/^[A-Za-z]{2}\*[A-Za-z0-9]{3}$/, 'must be COUNTRY*PARTY, e.g. NL*CPO')
    .optional()
    .describe('Only conflicts found by this party of ours'),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const ConflictView = z.object({
  id: z.string(),
  at: z.string(),
  party: z.string().describe('Our party that refused the request'),
  requester: z.string(),
  controller: z.string().describe('The party that controls the session'),
  session_id: z.string(),
  kind: z.enum(['GET', 'SET', 'CLEAR']),
  delegation_id: z.string().nullable().describe('The delegation that decided, if one did'),
});

export const delegationRoutes = [
  defineRoute({
    method: 'post',
    path: '/delegations',
    successStatus: 201,
    summary: 'Delegate the smart charging of a CPO’s locations or an eMSP’s drivers to an SCSP',
    description:
      'The CPO then pushes the sessions at those locations to the SCSP and accepts its charging profiles, refusing (REJECTED) those of the token’s eMSP; the eMSP forwards its drivers’ sessions to the SCSP and relays its charging profile requests to the CPO, refusing its own backend’s. One session has one controller: overlapping delegations are refused.',
    body: DelegationCreate,
    response: DelegationView,
    errors: {
      400: 'Invalid field (named): not a CPO/eMSP, not an SCSP, locations for an eMSP',
      404: 'Unknown from or to party',
      409: 'Another delegation already covers these sessions',
    },
    handler: async ({ app, body, res }) => {
      const locals = await app.parties.list();
      const created = await createDelegation(app.db, locals, { from: body.from, to: body.to, role: body.role, locations: body.locations });
      setAuditTarget(res, { id: created.id, from: created.from, to: created.to });
      // An SCSP hosted here is reached through the platform's connection to itself.
      const toLocal = locals.some((p) => `${p.countryCode}/${p.partyId}`.toUpperCase() === created.to);
      await syncLoopback(app, { create: toLocal });
      return { data: created };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/delegations',
    summary: 'Every delegation, oldest first',
    response: z.array(DelegationView),
    handler: async ({ app }) => ({ data: await listDelegations(app.db) }),
  }),
  defineRoute({
    method: 'get',
    path: '/delegations/conflicts',
    summary: 'Charging profile requests refused because another party controls the session, newest first',
    query: ConflictsQuery,
    response: z.object({ total: z.number().int(), offset: z.number().int(), limit: z.number().int(), items: z.array(ConflictView) }),
    handler: async ({ app, query }) => {
      const party = query.party ? { countryCode: query.party.slice(0, 2), partyId: query.party.slice(3) } : undefined;
      const page = await listConflicts(app, { party, offset: query.offset, limit: query.limit });
      return { data: { total: page.total, offset: query.offset, limit: query.limit, items: page.items as Array<z.infer<typeof ConflictView>> } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/delegations/:id',
    summary: 'End a delegation at once: the SCSP gets no more sessions and its requests are refused',
    params: z.object({ id: z.string().uuid() }),
    errors: { 404: 'Unknown delegation' },
    handler: async ({ app, params, res }) => {
      const ended = await deleteDelegation(app.db, params.id);
      if (!ended) throw notFound('Delegation');
      setAuditTarget(res, { from: ended.from, to: ended.to });
      await syncLoopback(app);
      return {};
    },
  }),
];
