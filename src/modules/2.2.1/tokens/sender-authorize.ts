/**
 * Real-time authorization, eMSP side (07-tokens §2.2, §3.2): a CPO asks whether one of our
 * eMSP party's tokens may charge, optionally at a location. The party's webhook backend decides
 * when it asked to (`authorize: true`), within EMSP_AUTHORIZE_TIMEOUT_MS; otherwise, or when it
 * fails, the token store does.
 */
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { type WebhookBackend, postSigned } from '../../../backends/adapter.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { OcpiCallError } from '../../../ocpi/client.js';
import { OcpiError, notFound } from '../../../ocpi/errors.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { ciEquals } from '../../../model/primitives.js';
import { AuthorizationInfo, type LocationReferences } from '../../../model/authorization.js';
import type { AllowedType } from '../../../model/token.js';
import type { OwnTokenRecord } from './sender-store.js';
import { tokenKey } from './store.js';

/** The store's verdict, or that it cannot decide without a location (2002, P6). */
type Verdict = { allowed: AllowedType; location?: LocationReferences } | 'NEEDS_LOCATION';

/** What the backend answers: an AuthorizationInfo whose token we may fill in ourselves. */
const BackendAnswer = AuthorizationInfo.extend({ token: z.unknown().optional() });

/** `request.log` is read only when there is something to log (the request's logger is made on first use). */
export async function authorizeOwnToken(
  app: AppContext,
  party: PartyRef,
  uid: string,
  type: string,
  location: LocationReferences | null | undefined,
  request: { readonly log: Logger },
): Promise<AuthorizationInfo> {
  const record = await app.services.ownTokens.store.get(tokenKey(party.countryCode, party.partyId, uid, type));
  // HTTP 404 and 2004 together, no data (P1). The uid stays out of the message: it is logged.
  if (!record) throw notFound(`Unknown token of type ${type} for ${party.countryCode}/${party.partyId}`, OcpiStatus.UNKNOWN_TOKEN);
  const where = location ?? undefined;

  const backend = await app.parties.backendOf(party.countryCode, party.partyId);
  if (backend?.adapter === 'webhook' && backend.authorize) {
    try {
      return await askBackend(app, backend, record, where);
    } catch (e) {
      request.log.warn(
        { party: `${party.countryCode}/${party.partyId}`, reason: (e as Error).message },
        'eMSP backend gave no authorization answer; answered from the token store',
      );
    }
  }

  const verdict = decide(record, where, new Date());
  if (verdict === 'NEEDS_LOCATION') {
    throw new OcpiError(OcpiStatus.NOT_ENOUGH_INFORMATION, 'This token may only charge at some locations: send LocationReferences');
  }
  return answer(record, verdict);
}

/**
 * The store's rules, in order: `valid: false` is BLOCKED, a passed `expires_at` EXPIRED; with
 * `allowed_locations`, a location not listed (or none of the requested EVSEs) is NOT_ALLOWED
 * and a request without LocationReferences cannot be decided. Opening hours or EVSE status are
 * never judged: our copy of them may be stale (§2.2).
 */
export function decide(record: OwnTokenRecord, location: LocationReferences | undefined, now: Date): Verdict {
  if (!record.token.valid) return { allowed: 'BLOCKED' };
  if (record.expiresAt && new Date(record.expiresAt).getTime() <= now.getTime()) return { allowed: 'EXPIRED' };
  const rules = record.allowedLocations;
  if (!rules) return { allowed: 'ALLOWED', ...(location ? { location: echo(location, location.evse_uids ?? []) } : {}) };
  if (!location) return 'NEEDS_LOCATION';
  const rule = rules.find((r) => ciEquals(r.location_id, location.location_id));
  if (!rule) return { allowed: 'NOT_ALLOWED' };
  const requested = location.evse_uids ?? [];
  const permitted = rule.evse_uids ?? [];
  if (permitted.length === 0) return { allowed: 'ALLOWED', location: echo(location, requested) };
  // No EVSE named: the whole location was asked about, and the answer lists where it may charge.
  if (requested.length === 0) return { allowed: 'ALLOWED', location: echo(location, permitted) };
  const allowed = requested.filter((uid) => permitted.some((p) => ciEquals(p, uid)));
  return allowed.length ? { allowed: 'ALLOWED', location: echo(location, allowed) } : { allowed: 'NOT_ALLOWED' };
}

function echo(location: LocationReferences, evseUids: string[]): LocationReferences {
  return { location_id: location.location_id, evse_uids: evseUids };
}

/** The complete Token always; the location only for an ALLOWED answer to a request with one (§3.2). */
function answer(
  record: OwnTokenRecord,
  verdict: Exclude<Verdict, 'NEEDS_LOCATION'>,
  extra: { reference?: string | null; info?: AuthorizationInfo['info'] } = {},
): AuthorizationInfo {
  return {
    allowed: verdict.allowed,
    token: record.token,
    ...(verdict.allowed === 'ALLOWED' && verdict.location ? { location: verdict.location } : {}),
    // One per answer: the CPO copies it into the Session and CDR (P8).
    authorization_reference: extra.reference ?? crypto.randomUUID(),
    ...(extra.info ? { info: extra.info } : {}),
  };
}

/**
 * The party's backend decides. The Token it is told about is ours, and so is the one answered:
 * the backend gives the verdict, not the token. An answer that is not an AuthorizationInfo
 * counts as no answer.
 */
async function askBackend(app: AppContext, backend: WebhookBackend, record: OwnTokenRecord, location: LocationReferences | undefined): Promise<AuthorizationInfo> {
  const body = JSON.stringify({ type: 'token.authorize', token: record.token, location: location ?? null });
  let reply: unknown;
  try {
    reply = await postSigned(app, backend, body, {}, app.config.EMSP_AUTHORIZE_TIMEOUT_MS);
  } catch (e) {
    // Status or failure kind only: an error's text could carry more than we want in a log.
    const err = e instanceof OcpiCallError ? e : undefined;
    throw new Error(
      err?.kind === 'http'
        ? `HTTP ${err.httpStatus}`
        : err?.kind === 'timeout'
          ? `no answer within ${app.config.EMSP_AUTHORIZE_TIMEOUT_MS} ms`
          : err?.kind === 'policy'
            ? 'webhook URL refused by the outbound policy'
            : err?.kind === 'network'
              ? 'backend unreachable'
              : 'request failed',
    );
  }
  const parsed = BackendAnswer.safeParse(reply);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`invalid answer (${first.path.join('.') || 'body'}: ${first.message})`);
  }
  const given = parsed.data;
  // The location echoed must be the one asked about; otherwise the whole requested one stands.
  const echoed = location && given.location && ciEquals(given.location.location_id, location.location_id) ? given.location : location;
  return answer(
    record,
    { allowed: given.allowed, ...(echoed && location ? { location: echo(location, echoed.evse_uids ?? []) } : {}) },
    { reference: given.authorization_reference, info: given.info },
  );
}
