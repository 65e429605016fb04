/**
 * The part of an OCPI Location the CDR builder reads. A full Location object parses against
 * it (other fields are ignored), so the locations module can hand its objects over as they are.
 */
import { z } from 'zod';
import { ciEquals, ciString, nonEmptyList, ocpiString, optionalList, charLength } from '../model/primitives.js';
import { CdrLocation, ConnectorFormat, ConnectorType, GeoLocation, PowerType } from '../model/cdr.js';
import { CdrBuildError, zodIssues } from './errors.js';

export const ConnectorSource = z.object({
  id: ciString(36),
  standard: ConnectorType,
  format: ConnectorFormat,
  power_type: PowerType,
  tariff_ids: optionalList(ciString(36)),
});

export const EvseSource = z.object({
  uid: ciString(36),
  evse_id: ciString(48).nullish(),
  connectors: nonEmptyList(ConnectorSource),
});

export const CdrLocationSource = z.object({
  id: ciString(36),
  name: ocpiString(255).nullish(),
  // Location allows 255 / 45 here since the errata; the CDR still only 45 / 20 (see below).
  address: ocpiString(255),
  city: ocpiString(45),
  postal_code: ocpiString(10).nullish(),
  state: ocpiString(45).nullish(),
  country: ocpiString(3),
  coordinates: GeoLocation,
  time_zone: ocpiString(255),
  evses: optionalList(EvseSource),
});
export type CdrLocationSource = z.infer<typeof CdrLocationSource>;
export type CdrLocationSourceInput = z.input<typeof CdrLocationSource>;
export type ConnectorSource = z.infer<typeof ConnectorSource>;

export const NOT_AVAILABLE = '#NA';

export function parseLocation(input: unknown): CdrLocationSource {
  const r = CdrLocationSource.safeParse(input);
  if (!r.success) throw new CdrBuildError(zodIssues(r.error, 'location'));
  return r.data;
}

function fit(value: string, max: number, field: string, warnings: string[]): string {
  if (charLength(value) <= max) return value;
  // The CDR field is shorter than the Location field it copies (errata widened only the
  // latter); truncating is the only way to send a valid CDR.
  warnings.push(`cdr_location.${field} truncated to ${max} characters (the Location value is longer)`);
  return [...value].slice(0, max).join('');
}

export interface LocatedConnector {
  cdrLocation: CdrLocation;
  connector: ConnectorSource | null;
}

/**
 * Freezes the EVSE and connector of the session into a CdrLocation. `#NA` EVSE/connector ids
 * are allowed for a reservation that never got an EVSE; the connector fields are then taken
 * from the location's first connector, which the receiver is told to ignore.
 */
export function cdrLocationFor(location: CdrLocationSource, evseUid: string, connectorId: string, warnings: string[]): LocatedConnector {
  const evses = location.evses ?? [];
  let evse = evses.find((e) => ciEquals(e.uid, evseUid));
  let connector = evse?.connectors.find((c) => ciEquals(c.id, connectorId)) ?? null;
  const unassigned = evseUid === NOT_AVAILABLE || connectorId === NOT_AVAILABLE;
  if (!unassigned) {
    if (!evse) throw new CdrBuildError([{ field: 'session.evse_uid', message: `EVSE "${evseUid}" is not part of location ${location.id}` }]);
    if (!connector) throw new CdrBuildError([{ field: 'session.connector_id', message: `connector "${connectorId}" is not part of EVSE ${evseUid}` }]);
  }
  const shape = connector ?? evse?.connectors[0] ?? evses[0]?.connectors[0];
  if (!shape) throw new CdrBuildError([{ field: 'location.evses', message: 'has no connector to describe the CDR connector with' }]);
  if (evse && !evse.evse_id) warnings.push(`EVSE ${evse.uid} has no evse_id; #NA is sent`);
  if (unassigned) evse = undefined;
  return {
    connector,
    cdrLocation: {
      id: location.id,
      name: location.name ?? null,
      address: fit(location.address, 45, 'address', warnings),
      city: location.city,
      postal_code: location.postal_code ?? null,
      state: location.state != null ? fit(location.state, 20, 'state', warnings) : null,
      country: location.country,
      coordinates: location.coordinates,
      evse_uid: evse ? evse.uid : NOT_AVAILABLE,
      evse_id: evse?.evse_id ?? NOT_AVAILABLE,
      connector_id: evse && connector ? connector.id : NOT_AVAILABLE,
      connector_standard: shape.standard,
      connector_format: shape.format,
      connector_power_type: shape.power_type,
    },
  };
}
