/**
 * eMSP and SCSP backend API: the sessions on one of our eMSP parties' tokens that CPO peers sent,
 * or the sessions delegated to one of our SCSP parties (by a CPO, or forwarded by an eMSP).
 */
import { z } from 'zod';
import { defineRoute } from '../../../ocpi/route.js';
import { SESSION_RECEIVING_ROLES, emspParty } from '../../../admin/emsp-party.js';
import { notFound } from '../../../admin/errors.js';
import { PartyPath } from '../../../admin/schemas.js';
import { Session, SessionStatus } from '../../../model/session.js';
import { LIST_ERRORS, OnePath, RECEIVED_BASE, listFields, listFilter, ownerRule, pageOf, pageSchema } from '../shared/admin-received-query.js';

const SessionsQuery = z.object({ ...listFields, status: SessionStatus.optional().describe('Only sessions in this status') }).superRefine(ownerRule);

export const emspReceivedSessionRoutes = [
  defineRoute({
    method: 'get',
    path: `${RECEIVED_BASE}/sessions`,
    summary: "Sessions on this eMSP party's tokens that CPO peers sent (for an SCSP: the sessions delegated to it), by last_updated, with the total of the filtered set",
    params: PartyPath,
    query: SessionsQuery,
    response: pageSchema(Session),
    errors: { ...LIST_ERRORS, 404: 'Unknown party, or neither an eMSP nor an SCSP party' },
    handler: async ({ app, params, query }) => {
      const filter = { ...listFilter(await emspParty(app, params, SESSION_RECEIVING_ROLES), query), status: query.status };
      return { data: pageOf(query, await app.services.receivedSessionQueries.list(filter)) };
    },
  }),
  defineRoute({
    method: 'get',
    path: `${RECEIVED_BASE}/sessions/:cc/:pid/:id`,
    summary: "One session on this eMSP party's tokens, or delegated to this SCSP party (cc/pid: the CPO party)",
    params: OnePath(36),
    response: Session,
    errors: { 404: 'Unknown party, or no such session for this party' },
    handler: async ({ app, params }) => {
      const session = await app.services.receivedSessionQueries.get(await emspParty(app, params, SESSION_RECEIVING_ROLES), params.cc, params.pid, params.id);
      if (!session) throw notFound('Session');
      return { data: session };
    },
  }),
];
