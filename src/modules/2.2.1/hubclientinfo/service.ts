/**
 * Our hubclientinfo RECEIVER: what the hubs we are connected to tell us about the parties
 * behind them, pushed by the hub (PUT) or read from its SENDER list (pull.ts). Stored per (hub
 * connection, party, role); an older `last_updated` than ours is acknowledged and ignored. Only
 * a connection that registered role HUB may write here.
 */
import type { AppContext } from '../../../context.js';
import { requestFullPull } from '../../../delivery/pulls.js';
import type { AuthenticatedPeer } from '../../../ocpi/context.js';
import { OcpiError, invalidParameters, notFound } from '../../../ocpi/errors.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { ciEquals } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { ClientInfo } from '../../../model/client-info.js';

const PULLED_MODULES = ['locations', 'tariffs', 'sessions', 'cdrs'];

function assertHub(peer: AuthenticatedPeer): void {
  if (!peer.roles.some((r) => r.role === 'HUB')) throw new OcpiError(OcpiStatus.CLIENT_ERROR, 'Only a hub connection may send ClientInfo', 403);
}

export async function putClientInfo(app: AppContext, peer: AuthenticatedPeer, path: { country_code: string; party_id: string }, body: ClientInfo): Promise<{ ignored: boolean }> {
  assertHub(peer);
  if (!ciEquals(path.country_code, body.country_code) || !ciEquals(path.party_id, body.party_id)) {
    throw invalidParameters('country_code/party_id: must match the URL');
  }
  return storeClientInfo(app, peer.peerId, body);
}

/** One ClientInfo of hub connection `peerId`, pushed or pulled: the same rules for both. */
export async function storeClientInfo(app: AppContext, peerId: string, body: ClientInfo): Promise<{ ignored: boolean }> {
  // A hub's full list names us too: our own parties are never "behind" a hub (the hub would
  // then speak for them, and our own objects would be pulled back as a CPO's).
  const ours = (await app.parties.listCached()).some((p) => ciEquals(p.countryCode, body.country_code) && ciEquals(p.partyId, body.party_id));
  if (ours) return { ignored: true };
  const key = { peerId, partyKey: partyKey(body.country_code, body.party_id), role: body.role };
  const lastUpdated = new Date(body.last_updated);
  const data = { countryCode: body.country_code.toUpperCase(), partyId: body.party_id.toUpperCase(), status: body.status, lastUpdated };
  // One statement: a concurrent older PUT cannot overwrite a newer one.
  const written = await app.db.$queryRawUnsafe<Array<{ inserted: boolean }>>(
    `INSERT INTO "${app.config.DATABASE_SCHEMA}"."remote_client_info" (peer_id, party_key, role, country_code, party_id, status, last_updated)
     VALUES ($1::uuid, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (peer_id, party_key, role) DO UPDATE SET country_code = EXCLUDED.country_code, party_id = EXCLUDED.party_id, status = EXCLUDED.status, last_updated = EXCLUDED.last_updated
     WHERE remote_client_info.last_updated <= EXCLUDED.last_updated
     RETURNING (xmax = 0) AS inserted`,
    key.peerId,
    key.partyKey,
    key.role,
    data.countryCode,
    data.partyId,
    data.status,
    lastUpdated,
  );
  app.services.remoteParties.invalidate(peerId);
  app.services.hubDirectory.invalidate();
  // A CPO newly reported behind the hub: the next pull of the hub is a full one, or its objects
  // older than our last pull would never be read (they were skipped as of an unknown owner).
  if (written[0]?.inserted && body.role === 'CPO') await requestFullPull(app, peerId, PULLED_MODULES);
  return { ignored: written.length === 0 };
}

/**
 * After a complete full read of the hub's list: what it no longer lists is no longer valid
 * (04-hubclientinfo §4), so it is forgotten and the party is unknown behind that hub again.
 */
export async function forgetUnlisted(app: AppContext, peerId: string, listed: ClientInfo[]): Promise<number> {
  const keep = new Set(listed.map((c) => `${partyKey(c.country_code, c.party_id)}/${c.role}`));
  const rows = await app.db.remoteClientInfo.findMany({ where: { peerId }, select: { partyKey: true, role: true } });
  const gone = rows.filter((r) => !keep.has(`${r.partyKey}/${r.role}`));
  if (gone.length) {
    await app.db.remoteClientInfo.deleteMany({ where: { peerId, OR: gone.map((r) => ({ partyKey: r.partyKey, role: r.role })) } });
    app.services.remoteParties.invalidate(peerId);
    app.services.hubDirectory.invalidate();
  }
  return gone.length;
}

/** The most recently updated entry for that party (it may exist with several roles). */
export async function getClientInfo(app: AppContext, peer: AuthenticatedPeer, path: { country_code: string; party_id: string }): Promise<ClientInfo> {
  assertHub(peer);
  const row = await app.db.remoteClientInfo.findFirst({ where: { peerId: peer.peerId, partyKey: partyKey(path.country_code, path.party_id) }, orderBy: { lastUpdated: 'desc' } });
  if (!row) throw notFound(`No ClientInfo for ${path.country_code}/${path.party_id}`);
  return {
    party_id: row.partyId,
    country_code: row.countryCode,
    role: row.role as ClientInfo['role'],
    status: row.status as ClientInfo['status'],
    last_updated: row.lastUpdated.toISOString(),
  };
}
