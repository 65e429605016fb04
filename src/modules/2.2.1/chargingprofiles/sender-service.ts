/**
 * Charging profile requests our eMSP parties send to CPOs (09-chargingprofiles, Sender side):
 * set (PUT), ask for the active profile (GET) and clear (DELETE), each with its own unique
 * response_url, since the three result objects cannot be told apart by shape (P1). Same life
 * cycle as our commands: REQUESTED -> ACCEPTED | REJECTED | FAILED; ACCEPTED -> RESULT | TIMEOUT.
 * The CPO's ActiveChargingProfile updates (PUT on our SENDER endpoint) and the profile of an
 * ActiveChargingProfileResult are kept per session.
 */
import crypto from 'node:crypto';
import type { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { enqueueEmspEvent } from '../../../backends/emsp-events.js';
import { Prisma } from '../../../db/prisma.js';
import type { EmspChargingProfileRequest } from '../../../generated/prisma/client.js';
import { OcpiCallError } from '../../../ocpi/client.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { ciEquals, ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { RESULT_GRACE_MS } from '../commands/sender-service.js';
import { expireOverdueRequests } from '../shared/expire-requests.js';
import { type ProfileTarget, UUID, callerSpeaksFor, cpoPeer, profileTarget, table } from '../shared/cpo-target.js';
import { recordConflict } from '../../../platform/delegations/conflicts.js';
import { emspDelegate } from '../../../platform/delegations/delegations.js';
import { DomainError } from '../../../platform/domain-error.js';
import { relayActiveProfile, relayResult } from './relay-results.js';
import {
  type ActiveChargingProfile,
  type ActiveChargingProfileResult,
  type ChargingProfile,
  type ChargingProfileResponse,
  ReceivedChargingProfileResponse,
} from '../../../model/charging-profile.js';
import { OCPI_VERSION } from '../version.js';

export type ProfileKind = 'GET' | 'SET' | 'CLEAR';
const LOST_ANSWER_MS = 60_000;

export function profileRequestView(r: EmspChargingProfileRequest) {
  return {
    id: r.id,
    kind: r.kind as ProfileKind,
    session_id: r.sessionId,
    status: r.status as 'REQUESTED' | 'ACCEPTED' | 'REJECTED' | 'RESULT' | 'TIMEOUT' | 'FAILED',
    cpo: { country_code: r.cpoCountry, party_id: r.cpoParty },
    request: r.request as Record<string, unknown>,
    response: r.responseResult ? { result: r.responseResult, timeout: r.responseTimeout ?? 0 } : null,
    result: (r.resultBody as Record<string, unknown> | null) ?? null,
    failure: r.failure,
    deadline_at: r.deadlineAt.toISOString(),
    created_at: r.createdAt.toISOString(),
    responded_at: r.respondedAt?.toISOString() ?? null,
    result_at: r.resultAt?.toISOString() ?? null,
  };
}
export type ProfileRequestView = ReturnType<typeof profileRequestView>;

export type ProfileInput = { kind: 'SET'; charging_profile: ChargingProfile } | { kind: 'GET'; duration: number } | { kind: 'CLEAR' };

/** The SCSP our eMSP party sends a request on for (relay-service.ts): where its result goes next. */
export interface RelayFor {
  peerId: string;
  scsp: PartyRef;
  responseUrl: string;
}

/**
 * Sends a charging profile request of our eMSP `party` for a received session of one of its
 * tokens, to the CPO that owns the session; of our SCSP `party` for a session delegated to it, to
 * the party that sent it (profileTarget). `delivered` is false when the CPO gave no usable answer.
 * An eMSP that delegated its drivers' smart charging no longer steers them itself (409), except
 * to relay its SCSP's requests (`relay`).
 */
export async function sendProfileRequest(
  app: AppContext,
  party: PartyRef,
  sessionId: string,
  input: ProfileInput,
  relay?: RelayFor,
): Promise<{ request: ProfileRequestView; delivered: boolean }> {
  const target = await profileTarget(app, party, sessionId);
  if (!relay && !target.delegated) await refuseIfDelegated(app, party, target, input.kind);
  const peer = await cpoPeer(app, target.to, 'chargingprofiles', target.role);
  const id = crypto.randomUUID();
  const responseUrl = `${app.config.PUBLIC_BASE_URL}/ocpi/emsp/${OCPI_VERSION}/chargingprofiles/${input.kind.toLowerCase()}/${id}`;
  const sent =
    input.kind === 'SET'
      ? { charging_profile: input.charging_profile, response_url: responseUrl }
      : input.kind === 'GET'
        ? { duration: input.duration, response_url: responseUrl }
        : { response_url: responseUrl };

  const record = {
    data: {
      id,
      partyKey: partyKey(party.countryCode, party.partyId),
      cpoCountry: peer.to.countryCode,
      cpoParty: peer.to.partyId,
      peerId: peer.peerId,
      sessionId: target.sessionId,
      sessionKey: ciKey(target.sessionId),
      kind: input.kind,
      request: sent as Prisma.InputJsonValue,
      status: 'REQUESTED',
      deadlineAt: new Date(Date.now() + app.config.OUTBOUND_TIMEOUT_MS + LOST_ANSWER_MS),
    },
  };
  // The relay is known before the CPO is asked: its result may come back before the answer.
  await app.db.$transaction(async (tx) => {
    await tx.emspChargingProfileRequest.create(record);
    if (relay)
      await tx.chargingProfileRelay.create({
        data: {
          requestId: id,
          scspPeerId: relay.peerId,
          scspCountry: relay.scsp.countryCode.toUpperCase(),
          scspParty: relay.scsp.partyId.toUpperCase(),
          responseUrl: relay.responseUrl,
        },
      });
  });

  // `{url}/{session_id}` (P6); GET and DELETE carry everything in the query, percent-encoded (P4).
  const url = `${peer.url}/${encodeURIComponent(target.sessionId)}`;
  const method = input.kind === 'SET' ? 'PUT' : input.kind === 'GET' ? 'GET' : 'DELETE';
  let outcome: { response: ChargingProfileResponse } | { failure: string };
  try {
    const reply = await app.client.request({
      method,
      url,
      token: peer.token,
      encoding: peer.encoding,
      ...(input.kind === 'SET' ? { body: sent } : { query: sent as unknown as Record<string, string | number> }),
      from: party,
      to: peer.to,
    });
    const parsed = readProfileResponse(app, reply.data);
    outcome = parsed.success
      ? { response: parsed.data }
      : {
          failure: `The CPO answered ${reply.statusCode} without a valid ChargingProfileResponse (${parsed.error.issues[0].path.join('.') || 'data'}: ${parsed.error.issues[0].message})`,
        };
  } catch (e) {
    if (!(e instanceof OcpiCallError)) throw e;
    const carried = e.kind === 'ocpi' ? readProfileResponse(app, e.data) : null;
    outcome = carried?.success ? { response: carried.data } : { failure: e.message };
  }
  const stored = await recordOutcome(app, id, outcome);
  return { request: profileRequestView(stored), delivered: 'response' in outcome };
}

/**
 * Our eMSP party delegated its drivers' smart charging: the SCSP alone steers their sessions, so
 * its own backend's request is refused (409) and recorded as a conflict.
 */
async function refuseIfDelegated(app: AppContext, party: PartyRef, target: ProfileTarget, kind: ProfileKind): Promise<void> {
  const delegate = await emspDelegate(app.db, party);
  if (!delegate) return;
  await recordConflict(app, { party, requester: party, controller: delegate.scsp, sessionId: target.sessionId, kind, delegationId: delegate.delegationId });
  throw new DomainError(
    'conflict',
    `${party.countryCode}/${party.partyId} delegated the smart charging of its drivers to ${delegate.scsp.countryCode}/${delegate.scsp.partyId} (delegation ${delegate.delegationId}): only that SCSP sets their charging profiles`,
  );
}

/** The CPO's ChargingProfileResponse; one without `timeout` waits COMMAND_TIMEOUT_SECONDS for the result. */
function readProfileResponse(app: AppContext, data: unknown) {
  const parsed = ReceivedChargingProfileResponse.safeParse(data);
  if (!parsed.success) return parsed;
  return { success: true as const, data: { ...parsed.data, timeout: parsed.data.timeout ?? app.config.COMMAND_TIMEOUT_SECONDS } };
}

async function recordOutcome(app: AppContext, id: string, outcome: { response: ChargingProfileResponse } | { failure: string }): Promise<EmspChargingProfileRequest> {
  return app.db.$transaction(async (tx) => {
    const [row] = await tx.$queryRawUnsafe<Array<{ status: string }>>(`SELECT status FROM ${table(app, 'emsp_charging_profile_request')} WHERE id = $1::uuid FOR UPDATE`, id);
    const waiting = row?.status === 'REQUESTED';
    const now = new Date();
    if ('failure' in outcome)
      return tx.emspChargingProfileRequest.update({ where: { id }, data: { failure: outcome.failure.slice(0, 1000), ...(waiting ? { status: 'FAILED' } : {}) } });
    const { result, timeout } = outcome.response;
    const accepted = result === 'ACCEPTED';
    return tx.emspChargingProfileRequest.update({
      where: { id },
      data: {
        responseResult: result,
        responseTimeout: timeout,
        respondedAt: now,
        ...(waiting ? { status: accepted ? 'ACCEPTED' : 'REJECTED', deadlineAt: accepted ? new Date(now.getTime() + Math.max(0, timeout) * 1000 + RESULT_GRACE_MS) : now } : {}),
      },
    });
  });
}

/**
 * A result POSTed to one of our response_urls: ActiveChargingProfileResult, ChargingProfileResult
 * or ClearProfileResult, told apart by the request the URL belongs to (P1). `null`: unknown to
 * this caller (only the peer of the request's CPO party may answer). A second result is
 * acknowledged and ignored.
 */
export async function receiveProfileResult(
  app: AppContext,
  callerRoles: Array<{ countryCode: string; partyId: string }>,
  to: PartyRef,
  kind: ProfileKind,
  id: string,
  body: z.infer<typeof ActiveChargingProfileResult>,
): Promise<{ stored: true } | { stored: false; reason: string } | null> {
  if (!UUID.test(id)) return null;
  return app.db.$transaction(async (tx) => {
    const [locked] = await tx.$queryRawUnsafe<Array<{ id: string }>>(`SELECT id FROM ${table(app, 'emsp_charging_profile_request')} WHERE id = $1::uuid FOR UPDATE`, id);
    if (!locked) return null;
    const r = await tx.emspChargingProfileRequest.findUniqueOrThrow({ where: { id } });
    const party = { countryCode: r.partyKey.slice(0, 2), partyId: r.partyKey.slice(2) };
    if (
      r.kind !== kind ||
      !callerSpeaksFor(callerRoles, { countryCode: r.cpoCountry, partyId: r.cpoParty }) ||
      !(ciEquals(to.countryCode, party.countryCode) && ciEquals(to.partyId, party.partyId))
    )
      return null;
    if (r.status === 'RESULT') return { stored: false as const, reason: `Ignored: a result (${r.result}) was already received for this request` };
    // Only an active profile request's result carries a profile; a stray one elsewhere is dropped.
    const resultBody = kind === 'GET' && body.profile ? { result: body.result, profile: body.profile } : { result: body.result };
    const updated = await tx.emspChargingProfileRequest.update({ where: { id }, data: { status: 'RESULT', result: body.result, resultBody, resultAt: new Date() } });
    if (kind === 'GET' && body.profile) await saveActiveProfile(tx, { countryCode: r.cpoCountry, partyId: r.cpoParty }, r.sessionId, r.peerId, 'RESULT', body.profile);
    await enqueueEmspEvent(app, tx, party, 'chargingprofile.result', profileRequestView(updated));
    await relayResult(app, tx, updated, resultBody);
    return { stored: true as const };
  });
}

/**
 * The two parties of the request a result URL names, for a caller that left out the routing
 * headers: the CPO party it went to (when the caller speaks for it) and our eMSP party. Null for
 * an unknown request or one the caller may not answer.
 */
export async function profileRequestParties(
  app: AppContext,
  callerRoles: Array<{ countryCode: string; partyId: string }>,
  kind: ProfileKind,
  id: string,
): Promise<{ from: PartyRef; to: PartyRef } | null> {
  if (!UUID.test(id)) return null;
  const r = await app.db.emspChargingProfileRequest.findUnique({ where: { id }, select: { kind: true, partyKey: true, cpoCountry: true, cpoParty: true } });
  const cpo = r && { countryCode: r.cpoCountry, partyId: r.cpoParty };
  if (!r || !cpo || r.kind !== kind || !callerSpeaksFor(callerRoles, cpo)) return null;
  return { from: cpo, to: { countryCode: r.partyKey.slice(0, 2), partyId: r.partyKey.slice(2) } };
}

/**
 * The parties of an ActiveChargingProfile PUT without routing headers: the caller's CPO party
 * whose received session has this id (when exactly one has), and the eMSP whose token charges.
 * Null when none of the caller's parties has such a session.
 */
export async function activeProfileParties(
  app: AppContext,
  callerRoles: Array<{ countryCode: string; partyId: string }>,
  sessionId: string,
): Promise<{ from?: PartyRef; to?: PartyRef } | null> {
  const keys = [...new Set(callerRoles.map((r) => partyKey(r.countryCode, r.partyId)))];
  const rows = await app.db.$queryRawUnsafe<Array<{ party_key: string; token_cc: string | null; token_pid: string | null }>>(
    `SELECT party_key, document->'cdr_token'->>'country_code' AS token_cc, document->'cdr_token'->>'party_id' AS token_pid FROM ${table(app, 'received_session')} WHERE party_key = ANY($1::text[]) AND session_key = $2 LIMIT 2`,
    keys,
    ciKey(sessionId),
  );
  if (rows.length === 0) return null;
  if (rows.length > 1) return {};
  const [row] = rows;
  return {
    from: { countryCode: row.party_key.slice(0, 2), partyId: row.party_key.slice(2) },
    to: row.token_cc && row.token_pid ? { countryCode: row.token_cc, partyId: row.token_pid } : undefined,
  };
}

/**
 * An ActiveChargingProfile PUT for a session (§2.3): by the CPO that owns it (the caller's
 * OCPI-from party), for our eMSP whose token charges, which passes it on to the SCSP it relays
 * for; or, to our SCSP party `to`, by whoever sent it the session (the delegating CPO, or the
 * eMSP that forwarded it). `false`: no such session.
 */
export async function receiveActiveProfile(
  app: AppContext,
  peerId: string,
  routing: { from: PartyRef; to: PartyRef },
  sessionId: string,
  profile: ActiveChargingProfile,
): Promise<boolean> {
  const { from, to } = routing;
  const delegated = await app.db.$queryRawUnsafe<Array<{ id: string }>>(
    `SELECT s.document->>'id' AS id FROM ${table(app, 'scsp_session')} d JOIN ${table(app, 'received_session')} s ON s.party_key = d.party_key AND s.session_key = d.session_key
      WHERE d.recipient_key = $1 AND d.session_key = $2 AND d.sender_country = $3 AND d.sender_party = $4`,
    partyKey(to.countryCode, to.partyId),
    ciKey(sessionId),
    from.countryCode.toUpperCase(),
    from.partyId.toUpperCase(),
  );
  if (delegated[0]) {
    const id = delegated[0].id;
    await app.db.$transaction(async (tx) => {
      await saveActiveProfile(tx, from, id, peerId, 'PUT', profile);
      await enqueueEmspEvent(app, tx, to, 'chargingprofile.active', {
        cpo: { country_code: from.countryCode, party_id: from.partyId },
        session_id: id,
        active_charging_profile: profile,
      });
    });
    return true;
  }
  const rows = await app.db.$queryRawUnsafe<Array<{ id: string; token_cc: string | null; token_pid: string | null }>>(
    `SELECT document->>'id' AS id, document->'cdr_token'->>'country_code' AS token_cc, document->'cdr_token'->>'party_id' AS token_pid FROM ${table(app, 'received_session')} WHERE party_key = $1 AND session_key = $2`,
    partyKey(from.countryCode, from.partyId),
    ciKey(sessionId),
  );
  const session = rows[0];
  if (!session) return false;
  await app.db.$transaction(async (tx) => {
    await saveActiveProfile(tx, from, session.id, peerId, 'PUT', profile);
    // The eMSP whose token charges is the one to tell.
    if (session.token_cc && session.token_pid) {
      const emsp = await app.parties.find(session.token_cc, session.token_pid);
      if (emsp?.roles.includes('EMSP')) {
        await enqueueEmspEvent(app, tx, emsp, 'chargingprofile.active', {
          cpo: { country_code: from.countryCode, party_id: from.partyId },
          session_id: session.id,
          active_charging_profile: profile,
        });
        await relayActiveProfile(app, tx, emsp, from, session.id, profile);
      }
    }
  });
  return true;
}

async function saveActiveProfile(
  tx: Prisma.TransactionClient,
  cpo: PartyRef,
  sessionId: string,
  peerId: string,
  source: 'PUT' | 'RESULT',
  profile: ActiveChargingProfile,
): Promise<void> {
  const key = { cpoKey: partyKey(cpo.countryCode, cpo.partyId), sessionKey: ciKey(sessionId) };
  const data = { sessionId, peerId, source, profile: profile as Prisma.InputJsonValue, receivedAt: new Date() };
  await tx.emspActiveChargingProfile.upsert({ where: { cpoKey_sessionKey: key }, create: { ...key, ...data }, update: data });
}

/** The latest ActiveChargingProfile reported for a received session of `party`'s tokens, or delegated to it. */
export async function activeProfileOf(app: AppContext, party: PartyRef, sessionId: string) {
  const { to, sessionId: id } = await profileTarget(app, party, sessionId);
  const row = await app.db.emspActiveChargingProfile.findUnique({ where: { cpoKey_sessionKey: { cpoKey: partyKey(to.countryCode, to.partyId), sessionKey: ciKey(id) } } });
  return row
    ? {
        session_id: row.sessionId,
        source: row.source as 'PUT' | 'RESULT',
        received_at: row.receivedAt.toISOString(),
        active_charging_profile: row.profile as ActiveChargingProfile,
      }
    : null;
}

export async function findProfileRequest(app: AppContext, party: PartyRef, sessionId: string, id: string): Promise<ProfileRequestView | null> {
  if (!UUID.test(id)) return null;
  const r = await app.db.emspChargingProfileRequest.findFirst({ where: { id, partyKey: partyKey(party.countryCode, party.partyId), sessionKey: ciKey(sessionId) } });
  return r ? profileRequestView(r) : null;
}

/** Accepted requests without a result past their deadline become TIMEOUT; unanswered REQUESTED ones FAILED. */
export function expireEmspChargingProfileRequests(app: AppContext): Promise<number> {
  return expireOverdueRequests(app, { name: 'charging profile request', model: (db) => db.emspChargingProfileRequest, event: 'chargingprofile.result', view: profileRequestView });
}
