/**
 * Where a request of one of our eMSP parties goes (commands, charging profiles): the CPO party
 * that owns the received location or session, the registered peer that declared that party, and
 * that peer's RECEIVER endpoint of the module. An SCSP party's charging profile requests go to
 * whoever sent it the session: the CPO that delegated to it, or the eMSP that forwarded it.
 * Failures say what is missing.
 */
import type { AppContext } from '../../../context.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { ciEquals, ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { AuthEncoding } from '../../../ocpi/client.js';
import { routeThroughHub } from '../../../hub/behind-hub.js';
import { recipientTable } from './received-recipients.js';

export type TargetProblem = 'unknown_location' | 'unknown_session' | 'ambiguous' | 'cpo_not_connected' | 'no_endpoint';

/** Thrown when the target cannot be found; the admin API maps `missing` problems to 404, the rest to 422. */
export class TargetError extends Error {
  constructor(
    readonly problem: TargetProblem,
    message: string,
  ) {
    super(message);
  }

  get missing(): boolean {
    return this.problem === 'unknown_location' || this.problem === 'unknown_session';
  }
}

export interface CpoPeer {
  peerId: string;
  /** The module's RECEIVER endpoint URL, without a trailing slash. */
  url: string;
  /** The CPO party as its peer registered it: what OCPI-to-* must say. */
  to: PartyRef;
  token: string;
  encoding: AuthEncoding;
}

const describe = (p: PartyRef) => `${p.countryCode}/${p.partyId}`;

/**
 * The CPO party of a received location, by id alone (the admin names no owner). When the id exists
 * at several CPOs, the ones that sent it to `emsp` (received_recipient) decide; otherwise any.
 */
export async function cpoOfLocation(app: AppContext, emsp: PartyRef, locationId: string): Promise<PartyRef> {
  const rows = await app.db.$queryRawUnsafe<Array<{ country_code: string; party_id: string; addressed: boolean }>>(
    `SELECT l.document->>'country_code' AS country_code, l.document->>'party_id' AS party_id,
            EXISTS (SELECT 1 FROM ${recipientTable(app.config.DATABASE_SCHEMA)} r WHERE r.recipient_key = $2 AND r.module = 'locations' AND r.party_key = l.party_key AND r.object_key = l.location_key) AS addressed
       FROM ${table(app, 'received_location')} l WHERE l.location_key = $1 ORDER BY l.party_key`,
    ciKey(locationId),
    partyKey(emsp.countryCode, emsp.partyId),
  );
  const addressed = rows.filter((r) => r.addressed);
  const candidates = addressed.length ? addressed : rows;
  if (candidates.length === 0) throw new TargetError('unknown_location', `Location ${locationId} is not among the locations received from CPOs (give cpo to send anyway)`);
  if (candidates.length > 1)
    throw new TargetError('ambiguous', `Location ${locationId} exists at several CPOs (${candidates.map((r) => `${r.country_code}/${r.party_id}`).join(', ')}): give cpo`);
  return { countryCode: candidates[0].country_code, partyId: candidates[0].party_id };
}

/**
 * The CPO party of a received session started with a token of `emsp`. Sessions of other eMSPs'
 * tokens are not this party's to steer and count as unknown.
 */
export async function cpoOfSession(app: AppContext, emsp: PartyRef, sessionId: string, cpo?: PartyRef): Promise<{ cpo: PartyRef; sessionId: string }> {
  const rows = await app.db.$queryRawUnsafe<Array<{ country_code: string; party_id: string; id: string; token_cc: string | null; token_pid: string | null }>>(
    `SELECT document->>'country_code' AS country_code, document->>'party_id' AS party_id, document->>'id' AS id,
            document->'cdr_token'->>'country_code' AS token_cc, document->'cdr_token'->>'party_id' AS token_pid
       FROM ${table(app, 'received_session')} WHERE session_key = $1 ${cpo ? 'AND party_key = $2' : ''} ORDER BY party_key`,
    ciKey(sessionId),
    ...(cpo ? [partyKey(cpo.countryCode, cpo.partyId)] : []),
  );
  const ours = rows.filter((r) => ciEquals(r.token_cc, emsp.countryCode) && ciEquals(r.token_pid, emsp.partyId));
  if (ours.length === 0) throw new TargetError('unknown_session', `Session ${sessionId} is not among the sessions received for ${describe(emsp)}'s tokens`);
  if (ours.length > 1) throw new TargetError('ambiguous', `Session ${sessionId} exists at several CPOs (${ours.map((r) => `${r.country_code}/${r.party_id}`).join(', ')})`);
  return { cpo: { countryCode: ours[0].country_code, partyId: ours[0].party_id }, sessionId: ours[0].id };
}

/** Who steers a received session for our party: the party its requests go to, and that party's role. */
export interface ProfileTarget {
  to: PartyRef;
  role: 'CPO' | 'EMSP';
  /** The session id as its CPO spells it. */
  sessionId: string;
  /** Delegated to our party as an SCSP (else a session of its own drivers). */
  delegated: boolean;
}

/**
 * Where our party's charging profile requests for a session go. A session delegated to it as an
 * SCSP (scsp_session): to the party that sent it, the CPO itself or the eMSP that forwarded it;
 * else (an eMSP) the CPO of a session of its tokens.
 */
export async function profileTarget(app: AppContext, party: PartyRef, sessionId: string): Promise<ProfileTarget> {
  const rows = await app.db.$queryRawUnsafe<Array<{ id: string; owner_key: string; sender_country: string; sender_party: string }>>(
    `SELECT s.document->>'id' AS id, d.party_key AS owner_key, d.sender_country, d.sender_party
       FROM ${table(app, 'scsp_session')} d JOIN ${table(app, 'received_session')} s ON s.party_key = d.party_key AND s.session_key = d.session_key
      WHERE d.recipient_key = $1 AND d.session_key = $2 ORDER BY d.party_key`,
    partyKey(party.countryCode, party.partyId),
    ciKey(sessionId),
  );
  if (rows.length > 1)
    throw new TargetError(
      'ambiguous',
      `Session ${sessionId} was delegated to ${describe(party)} by several parties (${rows.map((r) => `${r.sender_country}/${r.sender_party}`).join(', ')})`,
    );
  if (rows.length === 1) {
    const [r] = rows;
    const to = { countryCode: r.sender_country, partyId: r.sender_party };
    return { to, role: partyKey(to.countryCode, to.partyId) === r.owner_key ? 'CPO' : 'EMSP', sessionId: r.id, delegated: true };
  }
  const { cpo, sessionId: id } = await cpoOfSession(app, party, sessionId);
  return { to: cpo, role: 'CPO', sessionId: id, delegated: false };
}

/**
 * The registered peer that declared `party` with `role` (a CPO; for a request our SCSP sends
 * through a delegating eMSP, that eMSP) and offers the module's RECEIVER interface; else the hub
 * connection that reports the party as CONNECTED behind it.
 */
export async function cpoPeer(app: AppContext, cpo: PartyRef, module: 'commands' | 'chargingprofiles', role: 'CPO' | 'EMSP' = 'CPO'): Promise<CpoPeer> {
  const rows = await app.db.peerRole.findMany({
    // Through the loopback connection only smart charging travels (delegations to an SCSP hosted here), never commands.
    where: { role, partyKey: partyKey(cpo.countryCode, cpo.partyId), peer: { status: 'REGISTERED', ...(module === 'commands' ? { loopback: false } : {}) } },
    select: { peerId: true, countryCode: true, partyId: true, peer: { select: { endpoints: true, peerTokenEnc: true, authEncoding: true } } },
  });
  for (const r of rows) {
    const endpoint = ((r.peer.endpoints ?? []) as Array<{ identifier: string; role: string; url: string }>).find((e) => e.identifier === module && e.role === 'RECEIVER');
    if (!endpoint || !r.peer.peerTokenEnc) continue;
    return {
      peerId: r.peerId,
      // Endpoint URLs carry no trailing slash since 2.2.1-d2; tolerate one anyway (08 P10, 09 P6).
      url: endpoint.url.replace(/\/+$/, ''),
      to: { countryCode: r.countryCode, partyId: r.partyId },
      token: app.secrets.decrypt(r.peer.peerTokenEnc),
      encoding: r.peer.authEncoding as AuthEncoding,
    };
  }
  // Not reachable directly: a hub we are connected to may report the party behind it; the
  // request then goes to the hub's endpoint with OCPI-to-* = that party (transport §9.2).
  const viaHub = await routeThroughHub(app, cpo, role, module, 'RECEIVER');
  if (viaHub) return viaHub;
  if (rows.length === 0) throw new TargetError('cpo_not_connected', `No registered peer declared ${role} party ${describe(cpo)}, and no connected hub reports it`);
  throw new TargetError('no_endpoint', `The peer of ${role} party ${describe(cpo)} offers no ${module} RECEIVER endpoint`);
}

/**
 * Whether the calling peer registered `cpo` (any role): only it may answer for that party. A hub
 * connection's roles include the parties its ClientInfo reported (hub/remote-parties.ts), so the
 * hub that carried a command may post its result.
 */
export function callerSpeaksFor(roles: Array<{ countryCode: string; partyId: string }>, cpo: PartyRef): boolean {
  return roles.some((r) => ciEquals(r.countryCode, cpo.countryCode) && ciEquals(r.partyId, cpo.partyId));
}

export function table(app: AppContext, name: string): string {
  return `"${app.config.DATABASE_SCHEMA.replace(/"/g, '""')}"."${name}"`;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
