/**
 * Topology "eMSP delegates to an SCSP" (09-chargingprofiles): our eMSP party forwards the
 * sessions CPOs send about its drivers to the SCSP it delegated smart charging to, pushed or
 * pulled alike. Always the whole session (PUT), under the CPO's own `{country_code}/{party_id}`
 * and session id, with OCPI-from = our eMSP: the SCSP steers it through our eMSP, which relays
 * its charging profile requests to the CPO (chargingprofiles/relay-service.ts).
 */
import type { AppContext } from '../../../context.js';
import type { Prisma } from '../../../db/prisma.js';
import { scspTargets } from '../../../delivery/push-targets.js';
import { ciEquals } from '../../../model/primitives.js';
import type { Session } from '../../../model/session.js';
import { emspDelegate } from '../../../platform/delegations/delegations.js';
import { partyKey } from '../../../platform/parties/party-store.js';

export async function forwardToDelegate(app: AppContext, tx: Prisma.TransactionClient, session: Session): Promise<void> {
  const token = session.cdr_token;
  const emsp = (await app.parties.listCached()).find((p) => p.roles.includes('EMSP') && ciEquals(p.countryCode, token.country_code) && ciEquals(p.partyId, token.party_id));
  if (!emsp) return;
  const from = { countryCode: emsp.countryCode, partyId: emsp.partyId };
  const delegate = await emspDelegate(tx, from);
  if (!delegate) return;
  const targets = await scspTargets(tx, 'sessions', delegate.scsp);
  const key = `${partyKey(session.country_code, session.party_id)}/${session.id.toUpperCase()}`;
  await app.outbox.enqueue(
    tx,
    targets.map((t) => ({
      peerId: t.peerId,
      objectKey: `sessions:${t.to.countryCode}/${t.to.partyId}:${key}`,
      kind: 'PUSH' as const,
      module: 'sessions',
      method: 'PUT' as const,
      target: { interfaceRole: 'RECEIVER' as const, path: `/${session.country_code}/${session.party_id}/${encodeURIComponent(session.id)}` },
      body: session,
      fullVersion: true,
      lastUpdated: new Date(session.last_updated),
      from,
      to: t.to,
    })),
  );
}
