/** CPO backend API for sessions and CDRs: the CPO's system reports them, the platform stores and pushes. */
import { z } from 'zod';
import { defineRoute } from '../../../ocpi/route.js';
import { DateTime, ciString } from '../../../model/primitives.js';
import { closeSessionWithCdr } from '../cdrs/from-session.js';
import { Cdr } from '../../../model/cdr.js';
import { Session } from '../../../model/session.js';
import { notFound } from '../../../admin/errors.js';
import { cpoParty } from '../../../admin/cpo-party.js';
import { PartyPath } from '../../../admin/schemas.js';

const SessionPath = PartyPath.extend({ session_id: ciString(36) });
const CdrPath = PartyPath.extend({ cdr_id: ciString(39) });

export const cpoSessionRoutes = [
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
    }),
    response: z.object({ cdr: Cdr, explanation: z.array(z.string()), warnings: z.array(z.string()) }),
    errors: { 400: 'The session cannot be priced as given', 404: 'Unknown party or session', 409: 'No location or tariffs to price with, or the CDR exists' },
    handler: async ({ app, params, body }) => ({
      data: await closeSessionWithCdr(app, await cpoParty(app, params), params.session_id, { timeline: body.timeline, endDateTime: body.end_date_time, cdrId: body.cdr_id }),
    }),
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
];
