/** CPO backend API for charging profiles: read a request, report its result, report a changed ActiveChargingProfile. */
import { z } from 'zod';
import { ActiveChargingProfile, ChargingProfileAnswer } from '../../../model/charging-profile.js';
import { answerProfileRequest, reportActiveProfile } from './service.js';
import { defineRoute } from '../../../ocpi/route.js';
import { ciString } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { notFound } from '../../../admin/errors.js';
import { cpoParty } from '../../../admin/cpo-party.js';
import { PartyPath } from '../../../admin/schemas.js';

const RequestPath = PartyPath.extend({ request_id: z.string().uuid() });
const SessionPath = PartyPath.extend({ session_id: ciString(36) });

const RequestView = z.object({
  id: z.string(),
  session_id: z.string(),
  kind: z.enum(['GET', 'SET', 'CLEAR']),
  status: z.enum(['FORWARDED', 'ANSWERED', 'TIMEOUT']),
  result: z.string().nullable(),
  request: z.record(z.string(), z.unknown()),
  deadline_at: z.string(),
  created_at: z.string(),
  answered_at: z.string().nullable(),
});

function view(r: {
  id: string;
  sessionId: string;
  kind: string;
  status: string;
  result: string | null;
  request: unknown;
  deadlineAt: Date;
  createdAt: Date;
  answeredAt: Date | null;
}) {
  // The sender's response_url is ours to call, not the backend's.
  const { response_url: _hidden, ...request } = r.request as Record<string, unknown>;
  return {
    id: r.id,
    session_id: r.sessionId,
    kind: r.kind as 'GET',
    status: r.status as 'FORWARDED',
    result: r.result,
    request,
    deadline_at: r.deadlineAt.toISOString(),
    created_at: r.createdAt.toISOString(),
    answered_at: r.answeredAt?.toISOString() ?? null,
  };
}

export const cpoChargingProfileRoutes = [
  defineRoute({
    method: 'get',
    path: '/parties/:country_code/:party_id/charging-profiles/:request_id',
    summary: 'A charging profile request received for this party, and its result',
    params: RequestPath,
    response: RequestView,
    handler: async ({ app, params }) => {
      const party = await cpoParty(app, params);
      const r = await app.db.cpoChargingProfileRequest.findFirst({ where: { id: params.request_id, partyKey: partyKey(party.countryCode, party.partyId) } });
      if (!r) throw notFound('Charging profile request');
      return { data: view(r) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/parties/:country_code/:party_id/charging-profiles/:request_id/result',
    summary: "The backend's answer, sent to the sender as ActiveChargingProfileResult, ChargingProfileResult or ClearProfileResult",
    description: '`profile` is required when an active profile request (GET) is ACCEPTED, and not allowed otherwise.',
    params: RequestPath,
    body: ChargingProfileAnswer,
    response: RequestView,
    errors: { 400: 'profile missing or not allowed', 404: 'Unknown request', 409: 'Already answered or timed out' },
    handler: async ({ app, params, body }) => ({ data: view(await answerProfileRequest(app, await cpoParty(app, params), params.request_id, body)) }),
  }),
  defineRoute({
    method: 'put',
    path: '/parties/:country_code/:party_id/sessions/:session_id/active-charging-profile',
    summary: 'The ActiveChargingProfile of a session changed; PUT to every sender whose profile was accepted for it',
    params: SessionPath,
    body: ActiveChargingProfile,
    response: z.object({ notified: z.number().int() }),
    errors: { 404: 'Unknown party or session' },
    handler: async ({ app, params, body }) => ({ data: { notified: await reportActiveProfile(app, await cpoParty(app, params), params.session_id, body) } }),
  }),
];
