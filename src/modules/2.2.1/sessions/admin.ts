/**
 * CPO backend API for sessions: the CPO's system reports them, the platform stores and pushes;
 * closing a session builds its CDR (the CDRs' own routes are in cdrs/admin.ts).
 */
import { z } from 'zod';
import { defineRoute } from '../../../ocpi/route.js';
import { DateTime, ciString } from '../../../model/primitives.js';
import { closeSessionWithCdr } from '../cdrs/from-session.js';
import { Cdr, SignedData } from '../../../model/cdr.js';
import { Session, SessionStatus } from '../../../model/session.js';
import { notFound } from '../../../admin/errors.js';
import { cpoParty } from '../../../admin/cpo-party.js';
import { PartyPath } from '../../../admin/schemas.js';
import { pageOf, pageSchema } from '../shared/admin-received-query.js';
import { EmspParam, OWN_LIST_ERRORS, emspKey, ownListFields, ownedFilter, updatedRule } from '../shared/owned-admin-query.js';

const SessionPath = PartyPath.extend({ session_id: ciString(36) });

const SessionsQuery = z.object({ ...ownListFields, status: SessionStatus.optional().describe('Only sessions in this status'), emsp: EmspParam }).superRefine(updatedRule);

export const cpoSessionRoutes = [
  defineRoute({
    method: 'get',
    path: '/parties/:country_code/:party_id/sessions',
    summary: "This CPO party's own sessions, by last_updated (then id), with the total of the filtered set",
    params: PartyPath,
    query: SessionsQuery,
    response: pageSchema(Session),
    errors: OWN_LIST_ERRORS,
    handler: async ({ app, params, query }) => {
      const filter = {
        ...ownedFilter(await cpoParty(app, params), query),
        tokenPartyKey: emspKey(query.emsp),
        fields: query.status ? { status: query.status } : undefined,
      };
      return { data: pageOf(query, await app.services.ownSessions.store.list(filter)) };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/parties/:country_code/:party_id/sessions/:session_id',
    summary: "Create or replace a session (complete object); pushed to the token owner's eMSP",
    params: SessionPath,
    body: Session,
    response: Session,
    errors: { 400: 'Invalid session', 404: 'Unknown party', 409: 'Session completed, or older than stored' },
    handler: async ({ app, params, body }) => ({ data: await app.services.ownSessions.put(await cpoParty(app, params), params.session_id, body) }),
  }),
  defineRoute({
    method: 'patch',
    path: '/parties/:country_code/:party_id/sessions/:session_id',
    summary: 'Update a session: kWh, status, end, cost; charging_periods given here are appended',
    params: SessionPath,
    body: Session.partial(),
    response: Session,
    errors: { 400: 'Invalid fields', 404: 'Unknown party or session', 409: 'Session completed, or older than stored' },
    handler: async ({ app, params, body }) => ({ data: await app.services.ownSessions.patch(await cpoParty(app, params), params.session_id, body as Record<string, unknown>) }),
  }),
  defineRoute({
    method: 'get',
    path: '/parties/:country_code/:party_id/sessions/:session_id',
    summary: 'Read a session as stored',
    params: SessionPath,
    response: Session,
    handler: async ({ app, params }) => {
      const session = await app.services.ownSessions.get(await cpoParty(app, params), params.session_id);
      if (!session) throw notFound('Session');
      return { data: session };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/parties/:country_code/:party_id/sessions/:session_id/cdr',
    summary: 'End the session (if it is not COMPLETED) and build its CDR with the tariff engine; the CDR is stored and pushed',
    successStatus: 201,
    params: SessionPath,
    body: z.object({
      timeline: z.unknown().optional().describe('Meter timeline (docs/tariffs.md); without it the session charging_periods are priced'),
      end_date_time: DateTime.optional(),
      cdr_id: ciString(36).optional(),
      signed_data: SignedData.optional().describe("The meter's signed readings (e.g. OCMF, docs/interop.md): carried into the CDR as given"),
    }),
    response: z.object({ cdr: Cdr, explanation: z.array(z.string()), warnings: z.array(z.string()) }),
    errors: { 400: 'The session cannot be priced as given', 404: 'Unknown party or session', 409: 'No location or tariffs to price with, or the CDR exists' },
    handler: async ({ app, params, body }) => ({
      data: await closeSessionWithCdr(app, await cpoParty(app, params), params.session_id, {
        timeline: body.timeline,
        endDateTime: body.end_date_time,
        cdrId: body.cdr_id,
        signedData: body.signed_data,
      }),
    }),
  }),
];
