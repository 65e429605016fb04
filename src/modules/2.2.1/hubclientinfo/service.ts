/**
 * Our hubclientinfo RECEIVER: what the hubs we are connected to tell us about the parties
 * behind them. Stored per (hub connection, party, role); an older `last_updated` than ours is
 * acknowledged and ignored. Only a connection that registered role HUB may write here.
 */
import type { AppContext } from '../../../app-context.js';
import { requestFullPull } from '../../../delivery/pulls.js';
import { remoteParties } from '../../../hub/remote-parties.js';
import { hubDirectory } from '../../../hub/directory.js';
import type { AuthenticatedPeer } from '../../../ocpi/context.js';
import { OcpiError, invalidParameters, notFound } from '../../../ocpi/errors.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { ciEquals } from '../../../ocpi/types.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { ClientInfo } from './schemas.js';

const PULLED_MODULES = ['locations', 'tariffs', 'sessions', 'cdrs'];

function assertHub(peer: AuthenticatedPeer): void {
  if (!peer.roles.some((r) => r.role === 'HUB')) throw new OcpiError(OcpiStatus.CLIENT_ERROR, 'Only a hub connection may send ClientInfo', 403);
}

export async function putClientInfo(app: AppContext, peer: AuthenticatedPeer, path: { country_code: string; party_id: string }, body: ClientInfo): Promise<{ ignored: boolean }> {
  assertHub(peer);
  if (!ciEquals(path.country_code, body.country_code) || !ciEquals(path.party_id, body.party_id)) {
    throw invalidParameters('country_code/party_id: must match the URL');
  }
  const key = { peerId: peer.peerId, partyKey: partyKey(body.country_code, body.party_id), role: body.role };
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
  remoteParties(app).invalidate(peer.peerId);
  hubDirectory(app).invalidate();
  // A CPO newly reported behind the hub: the next pull of the hub is a full one, or its objects
  // older than our last pull would never be read (they were skipped as of an unknown owner).
  if (written[0]?.inserted && body.role === 'CPO') await requestFullPull(app, peer.peerId, PULLED_MODULES);
  return { ignored: written.length === 0 };
}

/** The most recently updated entry for that party (it may exist with several roles). */
export async function getClientInfo(app: AppContext, peer: AuthenticatedPeer, path: { country_code: string; party_id: string }): Promise<ClientInfo> {
  assertHub(peer);
  const row = await app.db.remoteClientInfo.findFirst({ where: { peerId: peer.peerId, partyKey: partyKey(path.country_code, path.party_id) }, orderBy: { lastUpdated: 'desc' } });
  if (!row) throw notFound(`No ClientInfo for ${path.country_code}/${path.party_id}`);
  return { party_id: row.partyId, country_code: row.countryCode, role: row.role as ClientInfo['role'], status: row.status as ClientInfo['status'], last_updated: row.lastUpdated.toISOString() };
}
