/**
 * Open routing by content (transport §9.5): the hub remembers who owns the objects it sees
 * created through it (a PUT to a RECEIVER names the owner in its client-owned URL
 * `/{country_code}/{party_id}/{id}`), and a request without OCPI-to-* that names such an object
 * (a command's location_id or session_id, a token uid to authorize, a charging profile's
 * session, one object of a SENDER) goes to its owner.
 */
import type { AppContext } from '../context.js';
import type { PartyRef } from '../ocpi/context.js';
import { ciKey } from '../model/primitives.js';
import { partyKey } from '../platform/parties/party-store.js';
import type { HubPolicy } from './policy.js';

function segments(path: string): string[] {
  return path.split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
}

/**
 * After a PUT of a client-owned object through the hub: remember its owner, and for a session
 * the eMSP party of its cdr_token (a later PATCH of it is routed there: recipients.ts).
 */
export async function recordOwner(app: AppContext, policy: HubPolicy, module: string, interfaceRole: string, method: string, path: string, body?: unknown): Promise<void> {
  if (method !== 'PUT' || interfaceRole !== 'RECEIVER' || !policy.clientOwned.has(module)) return;
  const [cc, pid, id] = segments(path);
  if (!cc || !pid || !id || cc.length !== 2 || pid.length !== 3 || id.length > 40) return;
  // A session's later PATCH carries no cdr_token: remember the one its PUT named.
  const recipient = policy.routedByTokenOwner.has(module) ? tokenOwnerIn(body) : null;
  const recipientCols = recipient ? { recipientCountryCode: recipient.countryCode, recipientPartyId: recipient.partyId } : {};
  const row = { module, objectKey: ciKey(id), partyKey: partyKey(cc, pid), countryCode: cc.toUpperCase(), partyId: pid.toUpperCase(), ...recipientCols };
  await app.db.hubObjectOwner.upsert({
    where: { module_objectKey_partyKey: { module, objectKey: row.objectKey, partyKey: row.partyKey } },
    create: row,
    update: { updatedAt: new Date(), ...recipientCols },
  });
  // A token's contract id is how a 2.1.1 session or CDR names it (its auth_id): token-contracts.ts.
  if (module === 'tokens') await app.services.hubTokenContracts.record(row, body);
}

/** The eMSP party named by a session's or CDR's `cdr_token`, when it is well-formed. */
export function tokenOwnerIn(body: unknown): PartyRef | null {
  const token = (body as { cdr_token?: { country_code?: unknown; party_id?: unknown } } | null)?.cdr_token;
  const cc = token?.country_code;
  const pid = token?.party_id;
  if (typeof cc !== 'string' || typeof pid !== 'string' || cc.length !== 2 || pid.length !== 3) return null;
  return { countryCode: cc.toUpperCase(), partyId: pid.toUpperCase() };
}

/** The recipient recorded for a session that passed the hub, by its client-owned URL. */
export async function sessionRecipient(app: AppContext, path: string): Promise<PartyRef | null> {
  const [cc, pid, id] = segments(path);
  if (!cc || !pid || !id || id.length > 40) return null;
  const row = await app.db.hubObjectOwner.findUnique({ where: { module_objectKey_partyKey: { module: 'sessions', objectKey: ciKey(id), partyKey: partyKey(cc, pid) } } });
  return row?.recipientCountryCode && row.recipientPartyId ? { countryCode: row.recipientCountryCode, partyId: row.recipientPartyId } : null;
}

/** Which object a request names, if any: [module that owns it, its id]. */
export function namedObject(policy: HubPolicy, module: string, interfaceRole: string, method: string, path: string, body: unknown): [string, string] | null {
  const seg = segments(path);
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.length <= 40 ? v : null);
  if (module === 'commands' && interfaceRole === 'RECEIVER' && method === 'POST') {
    const sessionId = str(b.session_id);
    if (seg[0] === 'STOP_SESSION' && sessionId) return ['sessions', sessionId];
    const locationId = str(b.location_id);
    if (locationId) return ['locations', locationId];
    return null;
  }
  if (module === 'chargingprofiles' && interfaceRole === 'RECEIVER' && seg[0]) return ['sessions', seg[0]];
  if (module === 'tokens' && interfaceRole === 'SENDER' && seg[1] === 'authorize') return ['tokens', seg[0]];
  if (interfaceRole === 'SENDER' && method === 'GET' && policy.clientOwned.has(module) && seg[0]) return [module, seg[0]];
  return null;
}

/** The one owner of the named object, or null when none or several are known. */
export async function ownerOf(app: AppContext, object: [string, string]): Promise<PartyRef | null> {
  const rows = await app.db.hubObjectOwner.findMany({ where: { module: object[0], objectKey: ciKey(object[1]) }, take: 2 });
  return rows.length === 1 ? { countryCode: rows[0].countryCode, partyId: rows[0].partyId } : null;
}
