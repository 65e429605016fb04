/**
 * eMSP and SCSP backend API for charging profiles: set, ask for or clear the profile of a received
 * session of one of the party's tokens (an SCSP: of a session delegated to it), and read what the
 * CPO (or the eMSP relaying for the SCSP) answered.
 */
import { z } from 'zod';
import { activeProfileOf, findProfileRequest, type ProfileInput, sendProfileRequest } from './sender-service.js';
import { ActiveChargingProfile, ChargingProfile } from '../../../model/charging-profile.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { defineRoute } from '../../../ocpi/route.js';
import { ciString } from '../../../model/primitives.js';
import type { AppContext } from '../../../context.js';
import { notFound } from '../../../admin/errors.js';
import { withTarget } from '../commands/sender-admin.js';
import { SESSION_RECEIVING_ROLES, emspParty } from '../../../admin/emsp-party.js';
import { PartyPath } from '../../../admin/schemas.js';

const SessionPath = PartyPath.extend({ session_id: ciString(36) });
const PATH = '/parties/:country_code/:party_id/sessions/:session_id/charging-profile';

export const EmspProfileRequestView = z.object({
  id: z.string().uuid(),
  kind: z.enum(['GET', 'SET', 'CLEAR']),
  session_id: z.string(),
  status: z.enum(['REQUESTED', 'ACCEPTED', 'REJECTED', 'RESULT', 'TIMEOUT', 'FAILED']),
  cpo: z.object({ country_code: z.string(), party_id: z.string() }).describe('Where the request went: the CPO, or for an SCSP the eMSP that relays it'),
  request: z.record(z.string(), z.unknown()).describe('What was sent, with our response_url'),
  response: z.object({ result: z.string(), timeout: z.number().int() }).nullable().describe("The CPO's ChargingProfileResponse"),
  result: z.record(z.string(), z.unknown()).nullable().describe('The ActiveChargingProfileResult, ChargingProfileResult or ClearProfileResult posted by the CPO'),
  failure: z.string().nullable(),
  deadline_at: z.string(),
  created_at: z.string(),
  responded_at: z.string().nullable(),
  result_at: z.string().nullable(),
});

const ERRORS = {
  404: 'Unknown party, or no received session of this party’s tokens (or delegated to it) with this id',
  409: 'This eMSP delegated the smart charging of its drivers to an SCSP: only that SCSP sets their profiles',
  422: 'Session id at several CPOs, CPO not connected, or no chargingprofiles endpoint',
  502: 'The CPO gave no usable answer: the request is stored as FAILED with the reason',
};

async function send(app: AppContext, params: z.infer<typeof SessionPath>, input: ProfileInput) {
  const party: PartyRef = await emspParty(app, params, SESSION_RECEIVING_ROLES);
  const sent = await withTarget(() => sendProfileRequest(app, party, params.session_id, input));
  return { data: sent.request, httpStatus: sent.delivered ? 201 : 502 };
}

export const emspChargingProfileRoutes = [
  defineRoute({
    method: 'put',
    path: PATH,
    summary: "Set or replace the charging profile of a session at its CPO; the CPO's answer is stored, the result follows",
    params: SessionPath,
    body: z.object({ charging_profile: ChargingProfile }),
    response: EmspProfileRequestView,
    successStatus: 201,
    errors: ERRORS,
    handler: async ({ app, params, body }) => send(app, params, { kind: 'SET', charging_profile: body.charging_profile }),
  }),
  defineRoute({
    method: 'get',
    path: PATH,
    summary: 'Ask the CPO for the ActiveChargingProfile of a session for the next `duration` seconds; answers the stored request (201), the profile follows',
    params: SessionPath,
    query: z.object({ duration: z.coerce.number().int().min(1).max(86400) }),
    response: EmspProfileRequestView,
    successStatus: 201,
    errors: ERRORS,
    handler: async ({ app, params, query }) => send(app, params, { kind: 'GET', duration: query.duration }),
  }),
  defineRoute({
    method: 'delete',
    path: PATH,
    summary: 'Clear the charging profile of a session at its CPO; the result follows',
    params: SessionPath,
    response: EmspProfileRequestView,
    successStatus: 201,
    errors: ERRORS,
    handler: async ({ app, params }) => send(app, params, { kind: 'CLEAR' }),
  }),
  defineRoute({
    method: 'get',
    path: `${PATH}/requests/:request_id`,
    summary: 'A charging profile request this eMSP party sent, with the answer and result of its CPO',
    params: SessionPath.extend({ request_id: z.string().uuid() }),
    response: EmspProfileRequestView,
    errors: { 404: 'Unknown party or request' },
    handler: async ({ app, params }) => {
      const found = await findProfileRequest(app, await emspParty(app, params, SESSION_RECEIVING_ROLES), params.session_id, params.request_id);
      if (!found) throw notFound('Charging profile request');
      return { data: found };
    },
  }),
  defineRoute({
    method: 'get',
    path: `${PATH}/active`,
    summary: 'The latest ActiveChargingProfile the CPO reported for this session (pushed, or the result of a GET)',
    params: SessionPath,
    response: z.object({ session_id: z.string(), source: z.enum(['PUT', 'RESULT']), received_at: z.string(), active_charging_profile: ActiveChargingProfile }),
    errors: { 404: 'Unknown party or session, or no profile reported yet' },
    handler: async ({ app, params }) => {
      const active = await withTarget(async () => activeProfileOf(app, await emspParty(app, params, SESSION_RECEIVING_ROLES), params.session_id));
      if (!active) throw notFound('Active charging profile');
      return { data: active };
    },
  }),
];
