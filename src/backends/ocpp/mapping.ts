/**
 * How OCPP words become OCPI ones: a charge point's connector (1.6) or EVSE (2.0.1) number is an
 * EVSE of its location, and its status an EVSE status. Pure: the tables docs/ocpp.md shows.
 */
import { ciEquals } from '../../model/primitives.js';

/** Where an OCPP connector/EVSE number lands: the OCPI EVSE and connector. */
export interface EvseRef {
  evseUid: string;
  connectorId: string;
}

/** The explicit part of a charge point's mapping: `{"<number>": {evse_uid, connector_id}}`. */
export type ConnectorMap = Record<string, { evse_uid: string; connector_id: string }>;

/** The parts of a stored location the mapping reads. */
export interface MappedLocation {
  evses?: Array<{ uid: string; status?: string; connectors: Array<{ id: string }> }>;
}

/**
 * Number n: the explicit entry, else the location's n-th EVSE (list order) with its first
 * connector. Null when neither names an EVSE the location has.
 */
export function evseOf(location: MappedLocation, map: ConnectorMap | null, n: number): EvseRef | null {
  const evses = location.evses ?? [];
  const explicit = map?.[String(n)];
  if (explicit) {
    const evse = evses.find((e) => ciEquals(e.uid, explicit.evse_uid));
    const connector = evse?.connectors.find((c) => ciEquals(c.id, explicit.connector_id));
    return evse && connector ? { evseUid: evse.uid, connectorId: connector.id } : null;
  }
  const evse = n >= 1 ? evses[n - 1] : undefined;
  return evse?.connectors[0] ? { evseUid: evse.uid, connectorId: evse.connectors[0].id } : null;
}

/** The OCPP number of an EVSE (and connector, when given) of the location on this charge point; null: not on it. */
export function numberOf(location: MappedLocation, map: ConnectorMap | null, evseUid: string, connectorId?: string): number | null {
  const evses = location.evses ?? [];
  for (
    let n = 1;
    n <=
    Math.max(
      evses.length,
      ...Object.keys(map ?? {})
        .map(Number)
        .filter(Number.isInteger),
    );
    n++
  ) {
    const ref = evseOf(location, map, n);
    if (ref && ciEquals(ref.evseUid, evseUid) && (!connectorId || ciEquals(ref.connectorId, connectorId))) return n;
  }
  return null;
}

/** Every EVSE this charge point drives (connector 0 speaks for all of them). */
export function allEvsesOf(location: MappedLocation, map: ConnectorMap | null): Array<{ n: number } & EvseRef> {
  const out: Array<{ n: number } & EvseRef> = [];
  const evses = location.evses ?? [];
  for (
    let n = 1;
    n <=
    Math.max(
      evses.length,
      ...Object.keys(map ?? {})
        .map(Number)
        .filter(Number.isInteger),
    );
    n++
  ) {
    const ref = evseOf(location, map, n);
    if (ref) out.push({ n, ...ref });
  }
  return out;
}

/**
 * OCPP 1.6 ChargePointStatus -> OCPI EVSE status. The EVSE is in use from Preparing (a driver
 * presented a token or plugged in) to Finishing (the cable is still in): CHARGING, as OCPI has no
 * "occupied, not charging".
 */
export const STATUS_16: Record<string, string> = {
  Available: 'AVAILABLE',
  Preparing: 'CHARGING',
  Charging: 'CHARGING',
  SuspendedEVSE: 'CHARGING',
  SuspendedEV: 'CHARGING',
  Finishing: 'CHARGING',
  Reserved: 'RESERVED',
  Unavailable: 'INOPERATIVE',
  Faulted: 'OUTOFORDER',
};

/**
 * The tariff engine's state for a connector status during a transaction: the EV requests power
 * (Charging, SuspendedEVSE) or it does not (SuspendedEV, Finishing: parking time).
 */
export function meterStateOf16(status: string): 'CHARGING' | 'PARKING' | null {
  if (status === 'Charging' || status === 'SuspendedEVSE') return 'CHARGING';
  if (status === 'SuspendedEV' || status === 'Finishing') return 'PARKING';
  return null;
}

/** OCPI AllowedType -> OCPP 1.6 AuthorizationStatus (1.6 has no NoCredit: a token that may not charge now is Blocked). */
export const AUTHORIZATION_16: Record<string, 'Accepted' | 'Blocked' | 'Expired' | 'Invalid'> = {
  ALLOWED: 'Accepted',
  BLOCKED: 'Blocked',
  EXPIRED: 'Expired',
  NO_CREDIT: 'Blocked',
  NOT_ALLOWED: 'Invalid',
};

/**
 * OCPP 2.0.1 (evseId, connectorId) -> OCPI: the explicit entry for the EVSE number (its
 * connector), else the n-th EVSE's connectorId-th connector (its first when it has fewer).
 */
export function evseConnectorOf(location: MappedLocation, map: ConnectorMap | null, evseId: number, connectorId?: number): EvseRef | null {
  const ref = evseOf(location, map, evseId);
  if (!ref || map?.[String(evseId)] || !connectorId) return ref;
  const evse = location.evses?.find((e) => e.uid === ref.evseUid);
  const connector = evse?.connectors[connectorId - 1];
  return connector ? { evseUid: ref.evseUid, connectorId: connector.id } : ref;
}

/** The 2.0.1 connector number of an OCPI connector on EVSE n: its place in the EVSE's list (1 with an explicit entry). */
export function connectorNumberOf(location: MappedLocation, map: ConnectorMap | null, n: number, connectorId: string): number {
  if (map?.[String(n)]) return 1;
  const ref = evseOf(location, map, n);
  const index = location.evses?.find((e) => ref && e.uid === ref.evseUid)?.connectors.findIndex((c) => ciEquals(c.id, connectorId)) ?? -1;
  return index >= 0 ? index + 1 : 1;
}

/**
 * OCPP 2.0.1 ConnectorStatus -> OCPI EVSE status. Occupied covers plug-in to unplug, the span
 * 1.6 splits into Preparing..Finishing: CHARGING, as in the 1.6 table.
 */
export const STATUS_201: Record<string, string> = {
  Available: 'AVAILABLE',
  Occupied: 'CHARGING',
  Reserved: 'RESERVED',
  Unavailable: 'INOPERATIVE',
  Faulted: 'OUTOFORDER',
};

/** 2.0.1 ChargingState during a transaction -> the tariff engine's state (Idle: the cable is out, nothing to bill by time). */
export function meterStateOf201(chargingState: string | undefined): 'CHARGING' | 'PARKING' | null {
  if (chargingState === 'Charging' || chargingState === 'SuspendedEVSE') return 'CHARGING';
  if (chargingState === 'SuspendedEV' || chargingState === 'EVConnected') return 'PARKING';
  return null;
}

/** OCPI AllowedType -> OCPP 2.0.1 AuthorizationStatus (2.0.1 has NoCredit). */
export const AUTHORIZATION_201: Record<string, 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'NoCredit'> = {
  ALLOWED: 'Accepted',
  BLOCKED: 'Blocked',
  EXPIRED: 'Expired',
  NO_CREDIT: 'NoCredit',
  NOT_ALLOWED: 'Invalid',
};

/**
 * OCPP 2.0.1 IdTokenType -> OCPI TokenType. Cards (ISO14443, ISO15693) are RFID; Central is an id
 * the back office made (an app's remote start): APP_USER. An eMAID is the driver's long-lived
 * contract id (Plug & Charge), which OCPI 2.2.1 has no type for, and KeyCode, Local, MacAddress
 * are not cards either: OTHER. NoAuthorization carries no token at all.
 */
export const TOKEN_TYPE_201: Record<string, string | null> = {
  ISO14443: 'RFID',
  ISO15693: 'RFID',
  Central: 'APP_USER',
  eMAID: 'OTHER',
  KeyCode: 'OTHER',
  Local: 'OTHER',
  MacAddress: 'OTHER',
  NoAuthorization: null,
};

/** OCPI TokenType -> the IdTokenType a 2.0.1 remote start or reservation names the token with. */
export const ID_TOKEN_TYPE_201: Record<string, string> = {
  RFID: 'ISO14443',
  APP_USER: 'Central',
  AD_HOC_USER: 'Central',
  OTHER: 'Central',
};
