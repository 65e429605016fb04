/**
 * Delegations of smart charging (09-chargingprofiles, topologies): one of our CPO parties lets a
 * Smart Charging Service Provider steer the sessions at some or all of its locations, or one of
 * our eMSP parties lets one steer its drivers' sessions. One session has one controller: the
 * delegation decides, and without one the eMSP of the session's token does. So a CPO's
 * delegations never cover the same location twice and an eMSP delegates to one SCSP at most.
 */
import type { Db, Prisma } from '../../db/prisma.js';
import type { Delegation } from '../../generated/prisma/client.js';
import { ciKey } from '../../model/primitives.js';
import type { PartyRef } from '../../ocpi/context.js';
import { DomainError } from '../domain-error.js';
import { partyKey } from '../parties/party-store.js';
import type { LocalParty } from '../parties/party-store.js';
import type { PeerRoleRecord } from '../peers/peer-store.js';

type Tx = Prisma.TransactionClient | Db;

export type DelegatingRole = 'CPO' | 'EMSP';

export interface DelegationView {
  id: string;
  from: string;
  role: DelegatingRole;
  to: string;
  /** null: every location (and always for an eMSP). */
  locations: string[] | null;
  created_at: string;
}

export interface DelegationInput {
  from: PartyRef;
  to: PartyRef;
  role?: DelegatingRole;
  locations?: string[];
}

const name = (p: { countryCode: string; partyId: string }) => `${p.countryCode}/${p.partyId}`.toUpperCase();

export function delegationView(d: Delegation): DelegationView {
  return {
    id: d.id,
    from: `${d.fromCountry}/${d.fromParty}`,
    role: d.fromRole as DelegatingRole,
    to: `${d.toCountry}/${d.toParty}`,
    locations: d.locations.length ? d.locations : null,
    created_at: d.createdAt.toISOString(),
  };
}

/** The delegate of a session, as the party that controls it sees it. */
export interface Delegate {
  delegationId: string;
  scsp: PartyRef;
}

const delegateOf = (d: Delegation): Delegate => ({ delegationId: d.id, scsp: { countryCode: d.toCountry, partyId: d.toParty } });

/** The SCSP our CPO party delegated the sessions at this location to, if any. */
export async function cpoDelegate(db: Tx, cpo: PartyRef, locationId: string): Promise<Delegate | null> {
  const rows = await db.delegation.findMany({ where: { fromKey: partyKey(cpo.countryCode, cpo.partyId), fromRole: 'CPO' } });
  const found = rows.find((d) => d.locationKeys.length === 0 || d.locationKeys.includes(ciKey(locationId)));
  return found ? delegateOf(found) : null;
}

/** The SCSP our eMSP party delegated its drivers' sessions to, if any. */
export async function emspDelegate(db: Tx, emsp: PartyRef): Promise<Delegate | null> {
  const found = await db.delegation.findFirst({ where: { fromKey: partyKey(emsp.countryCode, emsp.partyId), fromRole: 'EMSP' } });
  return found ? delegateOf(found) : null;
}

/** Whether `party` is the delegate of any delegation of `from` (it may know that party's sessions). */
export async function isDelegateOf(db: Tx, from: PartyRef, party: PartyRef): Promise<boolean> {
  const n = await db.delegation.count({ where: { fromKey: partyKey(from.countryCode, from.partyId), toKey: partyKey(party.countryCode, party.partyId) } });
  return n > 0;
}

/**
 * The parties the loopback connection speaks for: of every delegation to an SCSP hosted here,
 * the SCSP and the delegating party in the role it delegates as (each end sends to the other).
 */
export async function loopbackRoles(db: Tx, locals: LocalParty[]): Promise<PeerRoleRecord[]> {
  const byKey = new Map(locals.map((p) => [partyKey(p.countryCode, p.partyId), p]));
  const roles = new Map<string, PeerRoleRecord>();
  for (const d of await db.delegation.findMany({ orderBy: { createdAt: 'asc' } })) {
    const scsp = byKey.get(d.toKey);
    const from = byKey.get(d.fromKey);
    if (!scsp?.roles.includes('SCSP') || !from) continue;
    for (const [party, role] of [
      [scsp, 'SCSP'],
      [from, d.fromRole],
    ] as const)
      roles.set(`${partyKey(party.countryCode, party.partyId)}/${role}`, { role, countryCode: party.countryCode, partyId: party.partyId, businessDetails: party.businessDetails });
  }
  return [...roles.values()];
}

export async function listDelegations(db: Db): Promise<DelegationView[]> {
  const rows = await db.delegation.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  return rows.map(delegationView);
}

/** Ends a delegation; answers the parties it linked (`CC/PID`), or null when there was none. */
export async function deleteDelegation(db: Db, id: string): Promise<{ from: string; to: string } | null> {
  const ended = await db.delegation.findUnique({ where: { id }, select: { fromCountry: true, fromParty: true, toCountry: true, toParty: true } });
  if (!ended) return null;
  const { count } = await db.delegation.deleteMany({ where: { id } });
  return count > 0 ? { from: `${ended.fromCountry}/${ended.fromParty}`, to: `${ended.toCountry}/${ended.toParty}` } : null;
}

/** Where a party is known: ours (with its roles) or a peer's (directly or behind a hub, with the roles declared). */
export interface KnownParty {
  local: LocalParty | null;
  peerRoles: string[];
}

async function knownParty(db: Db, locals: LocalParty[], party: PartyRef): Promise<KnownParty> {
  const key = partyKey(party.countryCode, party.partyId);
  const local = locals.find((p) => partyKey(p.countryCode, p.partyId) === key) ?? null;
  const [direct, behindHub] = await Promise.all([
    db.peerRole.findMany({ where: { partyKey: key, peer: { status: { not: 'UNREGISTERED' } } }, select: { role: true } }),
    db.remoteClientInfo.findMany({ where: { partyKey: key }, select: { role: true } }),
  ]);
  return { local, peerRoles: [...new Set([...direct, ...behindHub].map((r) => r.role))] };
}

const invalid = (field: string, message: string) => new DomainError('invalid', `${field}: ${message}`, [{ path: `body.${field}`, message }]);

/**
 * Creates a delegation after checking both parties: `from` one of our CPO or eMSP parties
 * (404 when unknown), `to` a known SCSP (404 unknown, 400 known without the SCSP role).
 * Serialised per delegating party, so two concurrent delegations cannot both cover a session.
 */
export async function createDelegation(db: Db, locals: LocalParty[], input: DelegationInput): Promise<DelegationView> {
  const from = (await knownParty(db, locals, input.from)).local;
  if (!from) throw new DomainError('not_found', `from: ${name(input.from)} is not a party of this platform`, [{ path: 'body.from', message: 'unknown party' }]);
  const delegating = from.roles.filter((r): r is DelegatingRole => r === 'CPO' || r === 'EMSP');
  if (delegating.length === 0) throw invalid('from', `${name(from)} is neither a CPO nor an eMSP party`);
  const role = input.role ?? (input.locations ? 'CPO' : delegating.length === 1 ? delegating[0] : undefined);
  if (!role) throw invalid('role', `${name(from)} is both CPO and eMSP: say which role delegates (CPO or EMSP)`);
  if (input.locations && role !== 'CPO') throw invalid('locations', 'only a CPO delegates by location; an eMSP delegates all its drivers’ sessions');
  if (!delegating.includes(role)) throw invalid(input.role ? 'role' : 'locations', `${name(from)} is not a${role === 'CPO' ? ' CPO' : 'n eMSP'} party`);

  const to = await knownParty(db, locals, input.to);
  const scspHere = to.local?.roles.includes('SCSP') ?? false;
  if (!scspHere && !to.peerRoles.includes('SCSP')) {
    if (!to.local && to.peerRoles.length === 0)
      throw new DomainError('not_found', `to: ${name(input.to)} is neither a party of this platform nor one a peer or hub declared`, [
        { path: 'body.to', message: 'unknown party' },
      ]);
    throw invalid('to', `${name(input.to)} is not an SCSP party`);
  }
  if (partyKey(input.to.countryCode, input.to.partyId) === partyKey(from.countryCode, from.partyId)) throw invalid('to', 'a party cannot delegate to itself');

  const fromKey = partyKey(from.countryCode, from.partyId);
  const locations = input.locations ?? [];
  const locationKeys = [...new Set(locations.map(ciKey))];
  return db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe('SELECT pg_advisory_xact_lock(hashtext($1))', `delegation:${fromKey}`);
    const existing = await tx.delegation.findMany({ where: { fromKey, fromRole: role } });
    if (role === 'EMSP' && existing.length) throw new DomainError('conflict', `${name(from)} already delegates its drivers' sessions (delegation ${existing[0].id}); end it first`);
    for (const d of existing) {
      const overlap = d.locationKeys.length === 0 || locationKeys.length === 0 ? null : locationKeys.filter((k) => d.locationKeys.includes(k));
      if (overlap === null || overlap.length)
        throw new DomainError(
          'conflict',
          `${name(from)} already delegates ${overlap ? `location ${overlap.join(', ')}` : 'every location'} to ${d.toCountry}/${d.toParty} (delegation ${d.id}): one session has one controller`,
        );
    }
    const created = await tx.delegation.create({
      data: {
        fromKey,
        fromCountry: from.countryCode,
        fromParty: from.partyId,
        fromRole: role,
        toKey: partyKey(input.to.countryCode, input.to.partyId),
        toCountry: input.to.countryCode.toUpperCase(),
        toParty: input.to.partyId.toUpperCase(),
        locations,
        locationKeys,
      },
    });
    return delegationView(created);
  });
}
