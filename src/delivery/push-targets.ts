/**
 * Who receives a push of a module: every live peer (registered or suspended; a suspended peer
 * gets its backlog on resume) that advertises the module's RECEIVER endpoint, once per party
 * of a receiving role it declared, so OCPI-to-* names each party.
 */
import type { Db, Prisma } from '../db/prisma.js';
import type { PartyRef } from '../ocpi/context.js';

export interface PushTarget {
  peerId: string;
  to: PartyRef;
}

/** CPO data goes to eMSP-like roles (transport §9.3: OTHER counts as eMSP, NSP and NAP read locations too). */
export const CPO_DATA_RECEIVERS = ['EMSP', 'NSP', 'NAP', 'OTHER'];

export async function pushTargets(tx: Prisma.TransactionClient | Db, module: string, roles: string[]): Promise<PushTarget[]> {
  const rows = await tx.peerRole.findMany({
    // A hub connection takes every broadcast push, addressed to the hub itself (transport §9.3).
    // The endpoint test runs in the database (JSONB containment): with hundreds of peers,
    // reading every peer's endpoint list on each change cost more than the change.
    where: {
      role: { in: [...roles, 'HUB'] },
      peer: { status: { in: ['REGISTERED', 'SUSPENDED'] }, endpoints: { array_contains: [{ identifier: module, role: 'RECEIVER' }] } },
    },
    select: { peerId: true, countryCode: true, partyId: true },
  });
  const seen = new Set<string>();
  const out: PushTarget[] = [];
  for (const r of rows) {
    const key = `${r.peerId}/${r.countryCode}/${r.partyId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ peerId: r.peerId, to: { countryCode: r.countryCode, partyId: r.partyId } });
  }
  return out;
}

/**
 * `pushTargets` as SQL, for a statement that writes a change and its pushes at once
 * (Outbox.broadcastCtes): the body of a CTE with columns peer_id, country_code, party_id and
 * n (the delivery order), empty unless `when` holds. Read from the tables by the statement
 * itself, so a peer registered or suspended a moment ago is seen, with no cache to keep right
 * and no query of its own per change. `module` and `roles` are SQL expressions (parameters;
 * roles a text[] that must include HUB, see pushTargets).
 */
export function pushTargetsSql(schema: string, module: string, roles: string, when: string): string {
  const q = `"${schema.replace(/"/g, '""')}"`;
  // The receiving peers as one array, then one pass over peer_role: a join lets the planner,
  // which cannot estimate the endpoint test, probe peer_role once per peer (3x slower at 200).
  return `SELECT d.peer_id, d.country_code, d.party_id, row_number() OVER (ORDER BY d.peer_id, d.country_code, d.party_id) AS n
    FROM (SELECT DISTINCT r.peer_id, r.country_code, r.party_id
            FROM ${q}."peer_role" r,
                 (SELECT array_agg(p.id) AS ids FROM ${q}."peer" p WHERE ${when} AND p.status IN ('REGISTERED', 'SUSPENDED')
                    AND p.endpoints @> jsonb_build_array(jsonb_build_object('identifier', ${module}, 'role', 'RECEIVER'))) pe
           WHERE r.role = ANY(${roles}) AND r.peer_id = ANY(pe.ids)) d`;
}

/**
 * Party-specific data (sessions, CDRs) goes only to the peer that registered the token's eMSP
 * party, never broadcast (transport §9.3: they may be personal data).
 */
export function tokenOwnerTargets(tx: Prisma.TransactionClient | Db, module: string, owner: PartyRef): Promise<PushTarget[]> {
  return partyTargets(tx, module, owner, ['EMSP', 'OTHER'], false);
}

/**
 * Sessions a CPO or eMSP delegated to a Smart Charging Service Provider go to that party alone
 * (an SCSP hosted here: through the platform's loopback connection).
 */
export function scspTargets(tx: Prisma.TransactionClient | Db, module: string, scsp: PartyRef): Promise<PushTarget[]> {
  return partyTargets(tx, module, scsp, ['SCSP']);
}

/**
 * The peer that registered `party` with one of `roles` and offers the module's RECEIVER; when
 * none does, the hub whose ClientInfo reports the party behind it, which routes it there.
 */
async function partyTargets(tx: Prisma.TransactionClient | Db, module: string, party: PartyRef, roles: string[], viaLoopback = true): Promise<PushTarget[]> {
  const key = `${party.countryCode}${party.partyId}`.toUpperCase();
  const rows = await tx.peerRole.findMany({
    where: { role: { in: roles }, partyKey: key, peer: { status: { in: ['REGISTERED', 'SUSPENDED'] }, ...(viaLoopback ? {} : { loopback: false }) } },
    select: { peerId: true, countryCode: true, partyId: true, peer: { select: { endpoints: true } } },
  });
  const direct = rows
    .filter((r) => ((r.peer.endpoints ?? []) as Array<{ identifier: string; role: string }>).some((e) => e.identifier === module && e.role === 'RECEIVER'))
    .map((r) => ({ peerId: r.peerId, to: { countryCode: r.countryCode, partyId: r.partyId } }));
  if (direct.length) return unique(direct);
  const behindHub = await tx.remoteClientInfo.findMany({ where: { partyKey: key, role: { in: roles }, status: { not: 'SUSPENDED' } } });
  if (!behindHub.length) return [];
  const hubs = await tx.peer.findMany({
    where: { id: { in: behindHub.map((r) => r.peerId) }, status: { in: ['REGISTERED', 'SUSPENDED'] } },
    select: { id: true, endpoints: true },
  });
  return unique(
    behindHub
      .filter((r) =>
        hubs.some((h) => h.id === r.peerId && ((h.endpoints ?? []) as Array<{ identifier: string; role: string }>).some((e) => e.identifier === module && e.role === 'RECEIVER')),
      )
      .map((r) => ({ peerId: r.peerId, to: { countryCode: r.countryCode, partyId: r.partyId } })),
  );
}

/** One target per peer and party (a party may be declared with several of the roles). */
function unique(targets: PushTarget[]): PushTarget[] {
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = `${t.peerId}/${t.to.countryCode}/${t.to.partyId}`.toUpperCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
