/**
 * The `ocpp` backend adapter: charge points of our CPO parties connect over OCPP-J at
 * `/ocpp/{country_code}/{party_id}/{charge_point_id}` on the API process's HTTP server. The
 * handshake checks the party (its backend must be `ocpp`), the charge point and its HTTP Basic
 * password, and negotiates a subprotocol of a version we implement; ocpp-rpc frames the
 * messages and validates each against the OCPP JSON schemas both ways (strict mode). Commands
 * forwarded to the party (registered with the adapter like the simulator) run on the socket
 * this process holds, or reach the API process that holds it through Redis (cluster.ts); a
 * sweep writes off charge points gone too long (offline.ts). docs/ocpp.md has the design.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { RPCServer } from 'ocpp-rpc';
import type { AppContext } from '../../context.js';
import type { PartyRef } from '../../ocpi/context.js';
import { partyKey } from '../../platform/parties/party-store.js';
import { registerOcpp } from '../adapter.js';
import { type ChargePointRecord, decoyPasswordCheck, findChargePoint, idKeyOf, markConnection, verifyChargePointPassword } from './charge-points.js';
import { type ClusterMessage, OcppCluster, commandOf } from './cluster.js';
import { type Routing, commandRefusal, linkKey, runCommand } from './commands.js';
import type { ChargePointLink, OcppVersion, RpcLink } from './link.js';
import { countMessages, ocppCounters } from './metrics.js';
import { registerReservationCanceller } from './reservations.js';
import { type SweepResult, askStatusIfUnknown, sweepIntervalMs, sweepOffline } from './offline.js';
import { closeStatusQueue, statusQueueOf } from './status-queue.js';
import { ocpp16 } from './v16.js';
import { ocpp201 } from './v201.js';

/** The versions we speak, in the order we prefer them when a charge point offers several. */
const VERSIONS: OcppVersion[] = [ocpp201, ocpp16];

export const OCPP_PATH_PREFIX = '/ocpp/';

/** How long shutdown waits for queued EVSE statuses to be written. */
const STATUS_DRAIN_MS = 10_000;

export interface OcppEndpoint {
  /** Charge points whose socket this process holds. */
  connected(): number;
  /** This process's id in the cluster (the `holder` of the charge points it holds). */
  processId: string;
  /** Closes the socket of a charge point wherever it is held (it was removed). */
  disconnect(partyKeyValue: string, idKey: string): Promise<void>;
  /** One pass of the offline sweep (also run on a timer). */
  sweep(): Promise<SweepResult>;
  close(): Promise<void>;
}

const endpoints = new WeakMap<AppContext, OcppEndpoint>();

/** The OCPP endpoint of an API process (tests run its sweep with it); undefined in a worker. */
export const ocppEndpointOf = (app: AppContext): OcppEndpoint | undefined => endpoints.get(app);

/** A removed charge point loses its connection at once, in whichever API process holds it. */
export async function disconnectChargePoint(app: AppContext, party: PartyRef, chargePointId: string): Promise<void> {
  await endpoints.get(app)?.disconnect(partyKey(party.countryCode, party.partyId), idKeyOf(chargePointId));
}

/** The party and charge point an upgrade path names: /ocpp/{cc}/{pid}/{id}. */
function pathParts(url: string | undefined): { countryCode: string; partyId: string; chargePointId: string } | null {
  const path = new URL(url ?? '/', 'http://localhost').pathname;
  const parts = path.split('/');
  if (parts.length !== 5 || parts[1] !== 'ocpp') return null;
  try {
    const [countryCode, partyId, chargePointId] = parts.slice(2).map(decodeURIComponent);
    return countryCode && partyId && chargePointId ? { countryCode, partyId, chargePointId } : null;
  } catch {
    return null;
  }
}

export function attachOcpp(app: AppContext, server: http.Server): OcppEndpoint {
  const links = new Map<string, { link: ChargePointLink; version: OcppVersion }>();
  const routing: Routing = { links, cluster: null };
  const closeLocal = (key: string, reason: string) => links.get(key)?.link.rpc.close({ code: 1000, reason });
  const cluster = new OcppCluster(
    app,
    (message: ClusterMessage) => {
      if (message.type === 'command') {
        void runCommand(app, commandOf(message), routing, true).catch((e: Error) => app.log.warn({ command_id: message.cmd.id, err: e.message }, 'routed OCPP command failed'));
      } else if (message.type === 'cancel-reservation') {
        void cancelHere(message.partyKey, message.idKey, message.reservationId);
      } else if (message.holder !== cluster.processId) {
        void closeLocal(linkKey(message.partyKey, message.idKey), message.reason);
      }
    },
    // Our lease lapsed: other processes may have written our charge points off; they are ours again.
    () => reclaim(),
  );
  routing.cluster = cluster;
  const cancelHere = async (partyKeyValue: string, idKey: string, reservationId: number) => {
    await links
      .get(linkKey(partyKeyValue, idKey))
      ?.link.rpc.call('CancelReservation', { reservationId })
      .catch((e: Error) => app.log.info({ charge_point: idKey, reservation_id: reservationId, err: e.message }, 'moved reservation not cancelled on its first charge point'));
  };
  registerReservationCanceller(app, async (partyKeyValue, idKey, reservationId) => {
    if (links.has(linkKey(partyKeyValue, idKey))) return cancelHere(partyKeyValue, idKey, reservationId);
    const row = await app.db.ocppChargePoint.findUnique({ where: { partyKey_idKey: { partyKey: partyKeyValue, idKey } }, select: { holder: true, connectedSince: true } });
    // Offline: the reservation lapses there at its expiry.
    if (row?.holder && row.connectedSince && routing.cluster) await routing.cluster.send(row.holder, { type: 'cancel-reservation', partyKey: partyKeyValue, idKey, reservationId });
  });
  const started = cluster.start().catch((e: Error) => {
    // Without Redis this process still serves its own sockets; other processes cannot reach them.
    routing.cluster = null;
    app.log.error({ err: e.message }, 'OCPP cluster routing not started: commands reach only charge points of this process');
  });
  // Connection writes of one charge point in the order of the events: a close and the
  // reconnection right after it must not swap places on two pool connections.
  const writes = new Map<string, Promise<void>>();
  const mark = (cp: ChargePointRecord, change: Parameters<typeof markConnection>[2]): Promise<void> => {
    const key = linkKey(cp.partyKey, cp.idKey);
    const next = (writes.get(key) ?? Promise.resolve()).then(() => markConnection(app, cp, change)).catch(() => undefined);
    writes.set(key, next);
    void next.then(() => writes.get(key) === next && writes.delete(key));
    return next;
  };
  const reclaim = async () => {
    for (const { link } of links.values()) await mark(link.cp, { connected: true, holder: cluster.processId });
  };
  const rpc = new RPCServer({
    protocols: VERSIONS.map((v) => v.protocol),
    strictMode: true,
    // A call we make waits as long as the eMSP's command may: the sweep answers TIMEOUT after that.
    callTimeoutMs: app.config.COMMAND_TIMEOUT_SECONDS * 1000,
    pingIntervalMs: app.config.OCPP_HEARTBEAT_INTERVAL_SECONDS * 1000,
    respondWithDetailedErrors: false,
  });

  rpc.auth(async (accept, reject, handshake) => {
    try {
      const named = pathParts(handshake.request.url);
      if (!named) return reject(404, 'Not found');
      const protocol = VERSIONS.find((v) => handshake.protocols.has(v.protocol))?.protocol;
      if (!protocol) return reject(400, `No supported subprotocol: offer one of ${VERSIONS.map((v) => v.protocol).join(', ')}`);
      const party = await app.parties.find(named.countryCode, named.partyId);
      const backend = party?.roles.includes('CPO') ? await app.parties.backendOf(party.countryCode, party.partyId) : null;
      if (!party || backend?.adapter !== 'ocpp') return reject(404, 'Not found');
      const cp = await findChargePoint(app, { countryCode: party.countryCode, partyId: party.partyId }, named.chargePointId);
      // Unknown charge point and wrong password are answered alike: ids are not revealed.
      const check =
        cp && handshake.password ? await verifyChargePointPassword(app, cp, handshake.password) : { valid: await decoyPasswordCheck(handshake.password), cached: false };
      ocppCounters(app).passwordChecks.inc({ check: check.cached ? 'cached' : 'scrypt', result: check.valid ? 'accepted' : 'refused' });
      if (!cp || !check.valid) return reject(401, 'Unauthorized');
      accept({ cp }, protocol);
    } catch (e) {
      app.log.warn({ err: (e as Error).message }, 'OCPP handshake failed');
      reject(500, 'Internal error');
    }
  });

  rpc.on('client', (client: unknown) => {
    const socket = client as RpcLink & { session: { cp: ChargePointRecord } };
    const cp = socket.session.cp;
    const version = VERSIONS.find((v) => v.protocol === socket.protocol);
    if (!version) return void socket.close({ code: 1002, reason: 'Unsupported subprotocol' });
    const key = linkKey(cp.partyKey, cp.idKey);
    // The same charge point reconnecting: the newer socket wins, the old one is closed.
    const previous = links.get(key);
    const link: ChargePointLink = { app, cp, rpc: socket, protocol: version.protocol };
    links.set(key, { link, version });
    if (previous) void previous.link.rpc.close({ code: 1000, reason: 'Replaced by a newer connection' });
    countMessages(app, socket as unknown as Parameters<typeof countMessages>[1], version.protocol);
    version.attach(link);
    socket.on('badMessage', (e) => app.log.info({ charge_point: cp.chargePointId, err: e.error?.message }, 'OCPP message refused'));
    socket.on('close', () => {
      if (links.get(key)?.link !== link) return;
      links.delete(key);
      void mark(cp, { connected: false, holder: cluster.processId });
    });
    void mark(cp, { connected: true, holder: cluster.processId, protocol: version.protocol });
    void askStatusIfUnknown(link).catch(() => undefined);
    // An older socket of the same charge point in another process (not closed yet, half-open) goes.
    void cluster.toAll({ type: 'drop', partyKey: cp.partyKey, idKey: cp.idKey, holder: cluster.processId, reason: 'Replaced by a newer connection' });
    app.log.info({ charge_point: cp.chargePointId, party: `${cp.party.countryCode}/${cp.party.partyId}`, protocol: version.protocol }, 'OCPP charge point connected');
  });

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (req.url?.startsWith(OCPP_PATH_PREFIX)) return void rpc.handleUpgrade(req, socket as Parameters<typeof rpc.handleUpgrade>[1], head);
    // Nothing else upgrades on this server: refuse rather than leave the socket hanging.
    if (server.listenerCount('upgrade') === 1) socket.destroy();
  };
  server.on('upgrade', onUpgrade);

  registerOcpp(
    app,
    (cmd) => runCommand(app, cmd, routing),
    (party, command, request) => commandRefusal(app, party, command, request, routing),
  );

  app.metrics.gauge('ocpp_connected_charge_points', 'Charge points whose OCPP socket this process holds, by protocol', ['protocol'], async () => {
    const counts = new Map<string, number>();
    for (const { link } of links.values()) counts.set(link.protocol, (counts.get(link.protocol) ?? 0) + 1);
    return [...counts].map(([protocol, value]) => ({ labels: { protocol }, value }));
  });

  app.metrics.gauge('ocpp_status_queue_waiting', 'EVSE status changes answered and not written yet (this process)', [], async () => [
    { labels: {}, value: statusQueueOf(app).size() },
  ]);
  ocppCounters(app);

  let sweeping: Promise<SweepResult> | null = null;
  const sweep = () =>
    (sweeping ??= started
      .then(() => sweepOffline(app, routing.cluster))
      .finally(() => {
        sweeping = null;
      }));
  const timer = setInterval(
    () => void sweep().catch((e: Error) => app.log.warn({ err: e.message }, 'OCPP offline sweep failed')),
    sweepIntervalMs(app.config.OCPP_OFFLINE_GRACE_SECONDS),
  );
  timer.unref();

  const endpoint: OcppEndpoint = {
    connected: () => links.size,
    processId: cluster.processId,
    async disconnect(partyKeyValue, idKey) {
      await closeLocal(linkKey(partyKeyValue, idKey), 'Charge point removed');
      await cluster.toAll({ type: 'drop', partyKey: partyKeyValue, idKey, reason: 'Charge point removed' });
    },
    sweep,
    async close() {
      clearInterval(timer);
      server.off('upgrade', onUpgrade);
      await sweeping?.catch(() => undefined);
      await rpc.close({ code: 1001, reason: 'Server shutting down', force: true }).catch(() => undefined);
      // Statuses already answered are written before the process goes (bounded: shutdown must end).
      await closeStatusQueue(app, STATUS_DRAIN_MS);
      await Promise.all([...links.values()].map(({ link }) => mark(link.cp, { connected: false, holder: cluster.processId })));
      await Promise.all(writes.values());
      links.clear();
      await started;
      await cluster.close();
      endpoints.delete(app);
    },
  };
  endpoints.set(app, endpoint);
  return endpoint;
}
