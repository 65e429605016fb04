/**
 * Location, EVSE and Connector between OCPI 2.1.1 (the wire of a 2.1.1 peer) and the 2.2.1
 * model we store. Pure functions: no storage, no HTTP. Every function accepts a partial object
 * too (a PATCH), mapping only the fields it carries. What a direction cannot carry is listed in
 * docs/interop.md (OCPI 2.1.1 peers).
 */
import type { Connector, Evse, Location } from '../../../model/location.js';
import { Capability211, Facility211, type Connector211, type Evse211, type Location211 } from './schemas.js';

/** The party that owns what a 2.1.1 peer sends: its one credentials party (2.1.1 objects do not name it). */
export interface Owner {
  country_code: string;
  party_id: string;
}

type Loose<T> = { [K in keyof T]?: T[K] | null };

const PARKING_FROM_211: Record<string, Location['parking_type']> = {
  ON_STREET: 'ON_STREET',
  PARKING_GARAGE: 'PARKING_GARAGE',
  UNDERGROUND_GARAGE: 'UNDERGROUND_GARAGE',
  PARKING_LOT: 'PARKING_LOT',
};

const TYPE_TO_211: Record<string, Location211['type']> = {
  ON_STREET: 'ON_STREET',
  PARKING_GARAGE: 'PARKING_GARAGE',
  UNDERGROUND_GARAGE: 'UNDERGROUND_GARAGE',
  PARKING_LOT: 'PARKING_LOT',
  ALONG_MOTORWAY: 'OTHER',
  ON_DRIVEWAY: 'OTHER',
};

/**
 * Countries with a single IANA time zone: a 2.1.1 location may leave time_zone out, 2.2.1
 * requires it. Elsewhere it is not guessed (the location is refused naming the field).
 */
const SINGLE_ZONE: Record<string, string> = {
  AUT: 'Europe/Vienna',
  BEL: 'Europe/Brussels',
  CHE: 'Europe/Zurich',
  CZE: 'Europe/Prague',
  DEU: 'Europe/Berlin',
  DNK: 'Europe/Copenhagen',
  FIN: 'Europe/Helsinki',
  FRA: 'Europe/Paris',
  GBR: 'Europe/London',
  HUN: 'Europe/Budapest',
  IRL: 'Europe/Dublin',
  ITA: 'Europe/Rome',
  LUX: 'Europe/Luxembourg',
  NLD: 'Europe/Amsterdam',
  NOR: 'Europe/Oslo',
  POL: 'Europe/Warsaw',
  SVK: 'Europe/Bratislava',
  SVN: 'Europe/Ljubljana',
  SWE: 'Europe/Stockholm',
};

/** Drops undefined entries so that a translated PATCH carries only what the original carried. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const only = <T extends string>(allowed: readonly T[], values: readonly string[] | null | undefined): T[] | undefined =>
  values == null ? undefined : values.filter((v): v is T => (allowed as readonly string[]).includes(v));

export function connectorFrom211(c: Loose<Connector211>): Loose<Connector> {
  const { voltage, amperage, tariff_id, ...same } = c;
  return defined({
    ...same,
    max_voltage: voltage,
    max_amperage: amperage,
    tariff_ids: tariff_id === undefined ? undefined : tariff_id === null ? null : [tariff_id],
  });
}

export function connectorTo211(c: Loose<Connector>): Loose<Connector211> {
  const { max_voltage, max_amperage, max_electric_power: _power, tariff_ids, power_type, ...same } = c;
  return defined({
    ...same,
    // 2.1.1 knows one and three phases only: a two-phase connector is announced as one phase.
    power_type: power_type == null ? power_type : power_type === 'AC_2_PHASE' || power_type === 'AC_2_PHASE_SPLIT' ? 'AC_1_PHASE' : power_type,
    voltage: max_voltage,
    amperage: max_amperage,
    tariff_id: tariff_ids === undefined ? undefined : (tariff_ids?.[0] ?? null),
  });
}

export function evseFrom211(e: Loose<Evse211>): Loose<Evse> {
  const { connectors, ...same } = e;
  return defined({ ...same, connectors: connectors?.map((c) => connectorFrom211(c) as Connector) });
}

export function evseTo211(e: Loose<Evse>): Loose<Evse211> {
  const { connectors, capabilities, ...same } = e;
  return defined({
    ...same,
    capabilities: only(Capability211.options, capabilities),
    connectors: connectors?.map((c) => connectorTo211(c) as Connector211),
  });
}

/** A 2.1.1 Location (or a part of one) as our model, owned by `owner`. */
export function locationFrom211(l: Loose<Location211>, owner: Owner | null): Loose<Location> {
  const { type, evses, time_zone, ...same } = l;
  const full = owner !== null;
  return defined({
    ...(full ? { country_code: owner.country_code, party_id: owner.party_id, publish: true } : {}),
    ...same,
    parking_type: type === undefined ? undefined : type === null ? null : (PARKING_FROM_211[type] ?? null),
    evses: evses?.map((e) => evseFrom211(e) as Evse),
    time_zone: time_zone ?? (full && l.country ? SINGLE_ZONE[l.country] : time_zone),
  });
}

/** Our Location (or a part of one) as a 2.1.1 peer reads it. */
export function locationTo211(l: Loose<Location>): Loose<Location211> {
  const { country_code: _cc, party_id: _pid, publish: _publish, publish_allowed_to: _allowed, state: _state, parking_type, evses, facilities, postal_code, ...same } = l;
  const whole = l.id !== undefined && l.address !== undefined;
  return defined({
    ...same,
    type: parking_type ? (TYPE_TO_211[parking_type] ?? 'OTHER') : whole || parking_type === null ? 'UNKNOWN' : undefined,
    // Required in 2.1.1, optional in 2.2.1: an empty text says "none" without inventing one.
    postal_code: postal_code ?? (whole ? '' : postal_code === null ? '' : undefined),
    facilities: only(Facility211.options, facilities),
    evses: evses?.map((e) => evseTo211(e) as Evse211),
  });
}
