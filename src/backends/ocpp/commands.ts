/**
 * OCPI commands (and charging profile requests) for a party whose backend is `ocpp`: which
 * charge point and OCPP connector/EVSE number a command means, and which API process holds
 * that charge point's socket (this one, or another reached through Redis: cluster.ts). The OCPP
 * call itself is the version's (v16.ts).
 */
import type { AppContext } from '../../context.js';
import type { PartyRef } from '../../ocpi/context.js';
import { partyKey } from '../../platform/parties/party-store.js';
import type { ForwardedCommand } from '../adapter.js';
import { type ChargePointRecord, listChargePoints } from './charge-points.js';
import type { ChargePointLink, CommandTarget, OcppVersion } from './link.js';
import { type ConnectorMap, allEvsesOf, numberOf } from './mapping.js';
import { type OcppCluster, commandMessage } from './cluster.js';
import { findReservation, ocppReservationId } from './reservations.js';
import { locationOf } from './transactions.js';

export const linkKey = (partyKeyValue: string, idKey: string) => `${partyKeyValue}:${idKey}`;

/** The charge point a command addresses and the number on it; null charge point: none of ours. */
export async function targetOf(
  app: AppContext,
  party: PartyRef,
  request: Record<string, unknown>,
  held: (cp: ChargePointRecord) => boolean,
): Promise<{ cp: ChargePointRecord; target: CommandTarget | null } | null> {
  const sessionId = typeof request.session_id === 'string' ? request.session_id : undefined;
  if (sessionId) {
    const tx = await app.db.ocppTransaction.findFirst({
      where: { partyKey: partyKey(party.countryCode, party.partyId), sessionId: { equals: sessionId, mode: 'insensitive' } },
      orderBy: { createdAt: 'desc' },
    });
    if (!tx) return null;
    const cp = (await listChargePoints(app, party)).find((c) => c.idKey === tx.chargePointKey);
    return cp ? { cp, target: { n: tx.ocppConnector, evseUid: tx.evseUid, connectorId: tx.connectorId } } : null;
  }
  const locationId = typeof request.location_id === 'string' ? request.location_id : undefined;
  if (!locationId) return null;
  const evseUid = typeof request.evse_uid === 'string' ? request.evse_uid : undefined;
  const connectorId = typeof request.connector_id === 'string' ? request.connector_id : undefined;
  const cps = await listChargePoints(app, party, locationId);
  let fallback: { cp: ChargePointRecord; target: CommandTarget | null } | null = null;
  for (const cp of cps) {
    const location = await locationOf(app, cp);
    if (!location) continue;
    const map = cp.connectors as ConnectorMap | null;
    if (evseUid) {
      const n = numberOf(location, map, evseUid, connectorId);
      if (n === null) continue;
      const ref = allEvsesOf(location, map).find((e) => e.n === n);
      return { cp, target: ref ? { n, evseUid: ref.evseUid, connectorId: ref.connectorId } : null };
    }
    // No EVSE named: the first available one of a charge point we hold, else any.
    const evses = allEvsesOf(location, map);
    const available = evses.find((e) => location.evses?.find((x) => x.uid === e.evseUid)?.status === 'AVAILABLE');
    if (available && held(cp)) return { cp, target: { n: available.n, evseUid: available.evseUid, connectorId: available.connectorId } };
    fallback ??= evses[0] ? { cp, target: { n: evses[0].n, evseUid: evses[0].evseUid, connectorId: evses[0].connectorId } } : null;
  }
  return fallback;
}

const PROFILE_COMMANDS = new Set(['SET_CHARGING_PROFILE', 'CLEAR_PROFILE', 'GET_ACTIVE_CHARGING_PROFILE']);

/** The sockets this process holds, and the way to the other API processes (null: this process alone). */
export interface Routing {
  links: Map<string, { link: ChargePointLink; version: OcppVersion }>;
  cluster: OcppCluster | null;
}

/** Another live process holds the charge point's socket: its id; null: this one, or none. */
function remoteHolder(cp: ChargePointRecord, routing: Routing): string | null {
  return cp.connectedSince && cp.holder && routing.cluster && cp.holder !== routing.cluster.processId ? cp.holder : null;
}

/** Whether a socket of the charge point is open somewhere (a live process holds it; unknown counts as yes). */
async function isConnected(cp: ChargePointRecord, routing: Routing): Promise<boolean> {
  const other = remoteHolder(cp, routing);
  if (!other) return routing.links.has(linkKey(cp.partyKey, cp.idKey));
  return (await routing.cluster?.isAlive(other)) !== false;
}

/**
 * The reservation a CANCEL_RESERVATION names (our id, as the commands module forwards it), and
 * the charge point that accepted it.
 */
async function reservationTarget(app: AppContext, party: PartyRef, request: Record<string, unknown>) {
  const id = ocppReservationId(request.reservation_id);
  const row = id === null ? null : await findReservation(app, partyKey(party.countryCode, party.partyId), BigInt(id));
  if (!row) return null;
  const cp = (await listChargePoints(app, party)).find((c) => c.idKey === row.chargePointKey);
  return cp ? { cp, target: row.evseUid && row.connectorId ? { n: row.ocppConnector, evseUid: row.evseUid, connectorId: row.connectorId } : null } : null;
}

/**
 * Runs a forwarded command on the charge point it addresses: on the socket this process holds,
 * else through the process that holds it (once: a routed command is not routed again), or
 * answers why it cannot.
 */
export async function runCommand(app: AppContext, cmd: ForwardedCommand, routing: Routing, routed = false): Promise<void> {
  const port = app.services.cpoBackendPort;
  // Preferences carry no answer: a charge point without smart charging has nothing to do with them.
  if (cmd.command === 'CHARGING_PREFERENCES') return;
  const found =
    cmd.command === 'CANCEL_RESERVATION'
      ? await reservationTarget(app, cmd.party, cmd.request)
      : await targetOf(app, cmd.party, cmd.request, (cp) => routing.links.has(linkKey(cp.partyKey, cp.idKey)) || cp.connectedSince !== null);
  if (!found && cmd.command === 'CANCEL_RESERVATION') {
    const text = 'No charge point holds this reservation (used, expired or never accepted)';
    return void (await port.answerCommand(cmd.party, cmd.id, { result: 'UNKNOWN_RESERVATION', message: [{ language: 'en', text }] }));
  }
  const other = found && !routed ? remoteHolder(found.cp, routing) : null;
  if (other && (await routing.cluster?.send(other, commandMessage(cmd)))) return;
  const held = found && !other ? routing.links.get(linkKey(found.cp.partyKey, found.cp.idKey)) : undefined;
  if (!held) {
    const text = found ? `Charge point ${found.cp.chargePointId} is not connected` : 'No OCPP charge point serves this location, EVSE or session';
    if (PROFILE_COMMANDS.has(cmd.command)) return void (await port.answerProfileRequest(cmd.party, cmd.id, { result: found ? 'REJECTED' : 'UNKNOWN' }));
    return void (await port.answerCommand(cmd.party, cmd.id, { result: found ? 'FAILED' : 'REJECTED', message: [{ language: 'en', text }] }));
  }
  return held.version.command(held.link, cmd, found?.target ?? null);
}

/** The commands that need a charge point online, told before they are accepted. */
const REFUSED_OFFLINE = new Set(['START_SESSION', 'RESERVE_NOW', 'UNLOCK_CONNECTOR']);

/**
 * Said before a command is accepted: the eMSP hears at once that no charge point of ours
 * drives the EVSE, or that it is offline (in whichever API process), instead of an ACCEPTED
 * that ends in FAILED. CANCEL_RESERVATION is not judged here: its reservation id is still the
 * eMSP's own at this point.
 */
export async function commandRefusal(app: AppContext, party: PartyRef, command: string, request: Record<string, unknown>, routing: Routing) {
  if (!REFUSED_OFFLINE.has(command)) return null;
  const found = await targetOf(app, party, request, (cp) => routing.links.has(linkKey(cp.partyKey, cp.idKey)) || cp.connectedSince !== null);
  if (!found?.target) return command === 'RESERVE_NOW' && !request.evse_uid ? 'No OCPP charge point serves this location' : 'No OCPP charge point drives this EVSE';
  if (!(await isConnected(found.cp, routing))) return `Charge point ${found.cp.chargePointId} is not connected`;
  return null;
}
