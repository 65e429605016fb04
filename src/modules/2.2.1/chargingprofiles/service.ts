/**
 * Charging profile requests received by our CPO parties (09-chargingprofiles), from the eMSP of
 * the session's token or from the SCSP our CPO delegated the location to. Like commands,
 * the ChargingProfileResponse only says whether we forward the request; the party's backend
 * answers later and the result goes to the sender's response_url through the outbox. Senders
 * whose SetChargingProfile was accepted get the session's ActiveChargingProfile updates (§2.3).
 */
import crypto from 'node:crypto';
import type { AppContext } from '../../../context.js';
import { forwardToBackend } from '../../../backends/adapter.js';
import type { Prisma } from '../../../db/prisma.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { invalidParameters } from '../../../ocpi/errors.js';
import { ciEquals } from '../../../model/primitives.js';
import { recordConflict } from '../../../platform/delegations/conflicts.js';
import { cpoDelegate, isDelegateOf } from '../../../platform/delegations/delegations.js';
import { DomainError } from '../../../platform/domain-error.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { ActiveChargingProfile, ChargingProfileAnswer, ChargingProfileResponse, ChargingProfileResponseType } from '../../../model/charging-profile.js';

export type ProfileRequestKind = 'GET' | 'SET' | 'CLEAR';
/** The backend (webhook or simulator) sees the OCPP-like operation name. */
export const BACKEND_COMMANDS: Record<ProfileRequestKind, string> = { GET: 'GET_ACTIVE_CHARGING_PROFILE', SET: 'SET_CHARGING_PROFILE', CLEAR: 'CLEAR_PROFILE' };

export interface ProfileCaller {
  peerId: string;
  /** The eMSP or SCSP party that sent the request (OCPI-from-*). */
  requester: PartyRef;
  /** Our party it is addressed to (OCPI-to-*): a CPO, or an eMSP relaying for its SCSP. */
  party: PartyRef;
}

const same = (a: PartyRef, b: PartyRef) => ciEquals(a.countryCode, b.countryCode) && ciEquals(a.partyId, b.partyId);

export async function receiveProfileRequest(
  app: AppContext,
  caller: ProfileCaller,
  kind: ProfileRequestKind,
  sessionId: string,
  request: Record<string, unknown>,
): Promise<ChargingProfileResponse> {
  const timeout = app.config.COMMAND_TIMEOUT_SECONDS;
  const answer = (result: ChargingProfileResponseType): ChargingProfileResponse => ({ result, timeout });
  const responseUrl = String(request.response_url);
  try {
    app.urlPolicy.check(responseUrl);
  } catch (e) {
    throw invalidParameters(`response_url: ${(e as Error).message}`);
  }
  const session = await app.services.ownSessions.get(caller.party, sessionId);
  if (!session) return answer('UNKNOWN_SESSION');
  // One controller per session (§1, topologies not mixed): the SCSP our CPO delegated the
  // location to, else the owner of the session's token. A party with no standing (neither the
  // token's eMSP nor one of our CPO's delegates) learns nothing: session ids are not revealed.
  const tokenEmsp = { countryCode: session.cdr_token.country_code, partyId: session.cdr_token.party_id };
  const delegate = await cpoDelegate(app.db, caller.party, session.location_id);
  const controller = delegate?.scsp ?? tokenEmsp;
  if (!same(caller.requester, controller)) {
    if (!same(caller.requester, tokenEmsp) && !(await isDelegateOf(app.db, caller.party, caller.requester))) return answer('UNKNOWN_SESSION');
    await recordConflict(app, { party: caller.party, requester: caller.requester, controller, sessionId: session.id, kind, delegationId: delegate?.delegationId });
    return answer('REJECTED');
  }
  // Profiles steer a session that charges or is about to (P10): a PENDING session may already
  // have its limit set before the car draws power; nothing is left to steer once it ended.
  if (session.status !== 'ACTIVE' && session.status !== 'PENDING') return answer('REJECTED');
  const owner = partyKey(caller.party.countryCode, caller.party.partyId);
  // An EVSE we publish without CHARGING_PROFILE_CAPABLE cannot take profiles (§1); an EVSE the
  // backend never published is left to the backend to judge.
  const evse = (await app.services.ownLocations.find([owner], session.location_id, { kind: 'evse', evseUid: session.evse_uid })) as { capabilities?: string[] } | null;
  if (evse && !(evse.capabilities ?? []).includes('CHARGING_PROFILE_CAPABLE')) return answer('NOT_SUPPORTED');
  const backend = await app.parties.backendOf(caller.party.countryCode, caller.party.partyId);
  if (!backend) return answer('NOT_SUPPORTED');

  const sessionKey = sessionId.toUpperCase();
  const requesterKey = partyKey(caller.requester.countryCode, caller.requester.partyId);
  const minIntervalMs = app.config.CHARGING_PROFILE_MIN_INTERVAL_SECONDS * 1000;
  const create = (tx: Prisma.TransactionClient) =>
    tx.cpoChargingProfileRequest.create({
      data: {
        id: crypto.randomUUID(),
        partyKey: owner,
        sessionKey,
        sessionId: session.id,
        peerId: caller.peerId,
        requesterCountry: caller.requester.countryCode.toUpperCase(),
        requesterParty: caller.requester.partyId.toUpperCase(),
        kind,
        request: request as object,
        responseUrl,
        status: 'FORWARDED',
        deadlineAt: new Date(Date.now() + timeout * 1000),
      },
    });
  const record = await app.db.$transaction(async (tx) => {
    // Only setting a profile changes the charge point's schedule; reading or clearing one is
    // neither limited nor counted, so a sender can always check or lift its limit (§2.4).
    if (kind !== 'SET') return create(tx);
    // Serialises concurrent set requests of one sender for one session, so the interval check holds.
    await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', `chargingprofiles:${owner}:${sessionKey}:${requesterKey}`);
    const recent = await tx.cpoChargingProfileRequest.findFirst({
      where: {
        partyKey: owner,
        sessionKey,
        kind: 'SET',
        requesterCountry: caller.requester.countryCode.toUpperCase(),
        requesterParty: caller.requester.partyId.toUpperCase(),
        createdAt: { gt: new Date(Date.now() - minIntervalMs) },
      },
      select: { id: true },
    });
    return recent ? null : create(tx);
  });
  if (!record) return answer('TOO_OFTEN');

  const resultUrl = `${app.config.PUBLIC_BASE_URL}/admin/parties/${caller.party.countryCode}/${caller.party.partyId}/charging-profiles/${record.id}/result`;
  // After the answer: the sender must not wait for the charge point.
  setImmediate(() => {
    forwardToBackend(app, backend, {
      id: record.id,
      party: caller.party,
      requester: caller.requester,
      command: BACKEND_COMMANDS[kind],
      request: { ...request, session_id: session.id },
      deadlineAt: record.deadlineAt,
      resultUrl,
    }).catch((e: Error) => {
      app.log.warn({ request_id: record.id, err: e.message }, 'backend refused or missed a charging profile request');
      void answerProfileRequest(app, caller.party, record.id, { result: 'REJECTED' }).catch(() => undefined);
    });
  });
  return answer('ACCEPTED');
}

/** The backend's (or the sweep's) answer: stored, and queued for the sender's response_url. */
export async function answerProfileRequest(app: AppContext, party: PartyRef, requestId: string, answer: ChargingProfileAnswer, timedOut = false) {
  const key = partyKey(party.countryCode, party.partyId);
  return app.db.$transaction(async (tx) => {
    const record = await tx.cpoChargingProfileRequest.findFirst({ where: { id: requestId, partyKey: key } });
    if (!record) throw new DomainError('not_found', `Unknown charging profile request ${requestId}`);
    if (record.status !== 'FORWARDED') throw new DomainError('conflict', `Request ${requestId} was already answered (${record.result})`);
    if (record.kind === 'GET' && answer.result === 'ACCEPTED' && !answer.profile)
      throw new DomainError('invalid', 'profile: required when an active profile request is ACCEPTED', [{ path: 'body.profile', message: 'required' }]);
    if (record.kind !== 'GET' && answer.profile)
      throw new DomainError('invalid', 'profile: only answers an active profile request', [{ path: 'body.profile', message: 'not allowed' }]);
    const updated = await tx.cpoChargingProfileRequest.update({
      where: { id: requestId },
      data: { status: timedOut ? 'TIMEOUT' : 'ANSWERED', result: answer.result, answeredAt: new Date() },
    });
    // The three result objects share a shape; the sender tells them apart by its unique URL (P1).
    const body = record.kind === 'GET' && answer.profile ? { result: answer.result, profile: answer.profile } : { result: answer.result };
    await app.outbox.enqueue(tx, [
      {
        peerId: record.peerId,
        objectKey: `chargingprofiles:${record.id}`,
        kind: 'CALLBACK',
        module: 'chargingprofiles',
        method: 'POST',
        target: { url: record.responseUrl },
        body,
        fullVersion: true,
        from: party,
        to: { countryCode: record.requesterCountry, partyId: record.requesterParty },
        // Worth delivering only while the sender waits; a timed-out request gets one more timeout.
        deadlineAt: timedOut ? new Date(Date.now() + app.config.COMMAND_TIMEOUT_SECONDS * 1000) : record.deadlineAt,
      },
    ]);
    return updated;
  });
}

/** Requests the backend did not answer in time: REJECTED, the result type has no TIMEOUT. */
export async function expireChargingProfileRequests(app: AppContext): Promise<number> {
  const overdue = await app.db.cpoChargingProfileRequest.findMany({ where: { status: 'FORWARDED', deadlineAt: { lt: new Date() } }, take: 500 });
  let n = 0;
  for (const r of overdue) {
    await answerProfileRequest(app, { countryCode: r.partyKey.slice(0, 2), partyId: r.partyKey.slice(2) }, r.id, { result: 'REJECTED' }, true)
      .then(() => n++)
      .catch(() => undefined);
  }
  return n;
}

/**
 * The backend reports a changed ActiveChargingProfile: PUT to the chargingprofiles SENDER
 * endpoint of every sender whose SetChargingProfile the charge point accepted for this
 * session, and to nobody else (§2.3). Returns how many senders were told.
 */
export async function reportActiveProfile(app: AppContext, party: PartyRef, sessionId: string, profile: ActiveChargingProfile): Promise<number> {
  const session = await app.services.ownSessions.get(party, sessionId);
  if (!session) throw new DomainError('not_found', `Unknown session ${sessionId}`);
  const owner = partyKey(party.countryCode, party.partyId);
  const sessionKey = sessionId.toUpperCase();
  const setters = await app.db.cpoChargingProfileRequest.findMany({
    where: { partyKey: owner, sessionKey, kind: 'SET', result: 'ACCEPTED' },
    distinct: ['peerId', 'requesterCountry', 'requesterParty'],
    select: { peerId: true, requesterCountry: true, requesterParty: true },
  });
  const peers = await app.db.peer.findMany({
    where: { id: { in: [...new Set(setters.map((s) => s.peerId))] }, status: { in: ['REGISTERED', 'SUSPENDED'] } },
    select: { id: true, endpoints: true },
  });
  const withSender = new Set(
    peers
      .filter((p) => ((p.endpoints ?? []) as Array<{ identifier: string; role: string }>).some((e) => e.identifier === 'chargingprofiles' && e.role === 'SENDER'))
      .map((p) => p.id),
  );
  const targets = setters.filter((s) => withSender.has(s.peerId));
  const now = new Date();
  await app.db.$transaction(async (tx) =>
    app.outbox.enqueue(
      tx,
      targets.map((t) => ({
        peerId: t.peerId,
        objectKey: `chargingprofiles:${t.requesterCountry}/${t.requesterParty}:${owner}/${sessionKey}`,
        kind: 'PUSH' as const,
        module: 'chargingprofiles',
        method: 'PUT' as const,
        // The sender's own endpoint, never built from a response_url (P2); `{url}/{session_id}` (P6).
        target: { interfaceRole: 'SENDER' as const, path: `/${encodeURIComponent(session.id)}` },
        body: profile,
        fullVersion: true,
        lastUpdated: now,
        from: party,
        to: { countryCode: t.requesterCountry, partyId: t.requesterParty },
      })),
    ),
  );
  return targets.length;
}
