/**
 * Charge points that went away. Each API process holding sockets runs this sweep on a timer:
 * rows still "connected" through a process whose lease is gone (it crashed) are disconnected;
 * a charge point disconnected for longer than OCPP_OFFLINE_GRACE_SECONDS has its EVSEs set to
 * UNKNOWN (a reconnection within the grace period cancels that); remote starts never followed
 * by a StartTransaction and expired reservations are deleted. Every step is a claim in one
 * statement, so several processes sweeping at once do each thing once. A charge point back
 * from that is asked for its statuses.
 */
import type { AppContext } from '../../context.js';
import type { ConnectorMap } from './mapping.js';
import { allEvsesOf } from './mapping.js';
import type { OcppCluster } from './cluster.js';
import { findChargePoint } from './charge-points.js';
import type { ChargePointLink } from './link.js';
import { purgeExpiredReservations } from './reservations.js';
import { locationOf } from './transactions.js';

/** A remote start not followed by its StartTransaction within this time is forgotten (transactions.ts stops matching it then). */
const PENDING_KEPT_MS = 10 * 60_000;

export interface SweepResult {
  /** Rows of dead processes set disconnected. */
  orphaned: number;
  /** Charge points whose EVSEs turned UNKNOWN. */
  offline: number;
  pendingDropped: number;
  reservationsDropped: number;
}

/** How often a process sweeps: a fraction of the grace period, within 1 to 15 seconds. */
export const sweepIntervalMs = (graceSeconds: number) => Math.min(15_000, Math.max(1_000, (graceSeconds * 1000) / 4));

export async function sweepOffline(app: AppContext, cluster: OcppCluster | null): Promise<SweepResult> {
  const result: SweepResult = { orphaned: 0, offline: 0, pendingDropped: 0, reservationsDropped: 0 };
  const now = new Date();
  const due = new Date(now.getTime() + app.config.OCPP_OFFLINE_GRACE_SECONDS * 1000);

  if (cluster) {
    const holders = await app.db.ocppChargePoint.findMany({ where: { connectedSince: { not: null } }, distinct: ['holder'], select: { holder: true } });
    for (const { holder } of holders) {
      // Redis cannot tell (null): nobody is written off on a guess.
      if (holder !== null && (await cluster.isAlive(holder)) !== false) continue;
      const { count } = await app.db.ocppChargePoint.updateMany({
        where: { holder, connectedSince: { not: null } },
        data: { connectedSince: null, holder: null, offlineDueAt: due },
      });
      if (count) app.log.warn({ holder, charge_points: count }, 'OCPP charge points of a process that stopped without closing them: disconnected');
      result.orphaned += count;
    }
  }

  const expired = await app.db.ocppChargePoint.findMany({ where: { offlineDueAt: { lte: now }, connectedSince: null }, select: { partyKey: true, idKey: true }, take: 500 });
  for (const row of expired) {
    const { count } = await app.db.ocppChargePoint.updateMany({ where: { ...row, offlineDueAt: { lte: now }, connectedSince: null }, data: { offlineDueAt: null } });
    if (!count) continue;
    result.offline++;
    await markEvsesUnknown(app, row.partyKey, row.idKey).catch((e: Error) =>
      app.log.warn({ charge_point: row.idKey, err: e.message }, 'OCPP charge point offline: EVSE status not applied'),
    );
  }

  const pending = await app.db.ocppTransaction.deleteMany({ where: { status: 'PENDING', createdAt: { lt: new Date(now.getTime() - PENDING_KEPT_MS) } } });
  result.pendingDropped = pending.count;
  result.reservationsDropped = await purgeExpiredReservations(app, now);
  return result;
}

/** The part of the library's client this needs besides what RpcLink has. */
interface Answering {
  once(event: 'callResult', listener: (e: { outbound: boolean }) => void): unknown;
}

/**
 * A charge point back after its EVSEs were set UNKNOWN may not repeat statuses that did not
 * change while it was away: it is asked for them (TriggerMessage StatusNotification, the same
 * call in 1.6 and 2.0.1) once it has spoken first, so that a BootNotification it sends is answered
 * before we call. A charge point without remote trigger refuses; its next status change heals.
 */
export async function askStatusIfUnknown(link: ChargePointLink): Promise<void> {
  // Listening first, reading after: a charge point whose first call is answered while the
  // location is still being read (a loaded database) must still be asked.
  const unknown = hasUnknownEvse(link);
  (link.rpc as unknown as Answering).once('callResult', () =>
    setImmediate(async () => {
      if (!(await unknown.catch(() => false))) return;
      await link.rpc
        .call('TriggerMessage', { requestedMessage: 'StatusNotification' })
        .catch((e: Error) => link.app.log.info({ charge_point: link.cp.chargePointId, err: e.message }, 'OCPP charge point did not send its statuses on request'));
    }),
  );
  await unknown;
}

/** Whether an EVSE of the charge point's location is UNKNOWN (it was written off while away). */
async function hasUnknownEvse(link: ChargePointLink): Promise<boolean> {
  const location = await locationOf(link.app, link.cp);
  const evses = location ? allEvsesOf(location, link.cp.connectors as ConnectorMap | null) : [];
  return evses.some((ref) => location?.evses?.find((e) => e.uid === ref.evseUid)?.status === 'UNKNOWN');
}

async function markEvsesUnknown(app: AppContext, partyKeyValue: string, idKey: string): Promise<void> {
  const row = await app.db.ocppChargePoint.findUnique({
    where: { partyKey_idKey: { partyKey: partyKeyValue, idKey } },
    select: { countryCode: true, partyId: true, chargePointId: true },
  });
  if (!row) return;
  const cp = await findChargePoint(app, { countryCode: row.countryCode, partyId: row.partyId }, row.chargePointId);
  const location = cp ? await locationOf(app, cp) : null;
  if (!cp || !location) return;
  for (const ref of allEvsesOf(location, cp.connectors as ConnectorMap | null)) {
    if (location.evses?.find((e) => e.uid === ref.evseUid)?.status === 'UNKNOWN') continue;
    await app.services.ownLocations.patch(cp.party, cp.locationId, { kind: 'evse', evseUid: ref.evseUid }, { status: 'UNKNOWN' });
  }
  app.log.info({ charge_point: cp.chargePointId, party: `${cp.party.countryCode}/${cp.party.partyId}` }, 'OCPP charge point offline past the grace period: its EVSEs are UNKNOWN');
}
