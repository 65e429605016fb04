/**
 * CDR between OCPI 2.1.1 and the 2.2.1 model we store. Pure functions: the token behind an
 * `auth_id` and the stored location are looked up by the caller (sessions/lookups.ts). Money:
 * 2.1.1's one `total_cost` is the amount excluding VAT, so it becomes `total_cost.excl_vat` and
 * nothing else; the 2.2.1 cost breakdown, incl_vat, signed data and credit fields have no 2.1.1
 * counterpart and are dropped (docs/interop.md, OCPI 2.1.1 peers).
 */
import type { Cdr, CdrLocation, CdrToken } from '../../../model/cdr.js';
import type { Location } from '../../../model/location.js';
import type { Location211 } from '../locations/schemas.js';
import type { Owner } from '../locations/translate.js';
import { authMethodTo211, defined, embeddedLocation211, type Loose, periodsFrom211, periodsTo211, priceFrom211, priceTo211 } from '../sessions/translate.js';
import { tariffFrom211, tariffTo211 } from '../tariffs/translate.js';
import type { Cdr211 } from './schemas.js';

/** The CdrLocation of a 2.1.1 embedded Location: its address and the (first) EVSE and connector. 2.1.1 has no `state`. */
export function cdrLocationFrom211(l: Location211): Loose<CdrLocation> {
  const evse = l.evses?.[0];
  const connector = evse?.connectors?.[0];
  return defined({
    id: l.id,
    name: l.name,
    address: l.address,
    city: l.city,
    postal_code: l.postal_code,
    country: l.country,
    coordinates: l.coordinates,
    evse_uid: evse?.uid,
    connector_id: connector?.id,
    // Optional in 2.1.1, required in 2.2.1: not made up; the CDR is then quarantined naming the field.
    evse_id: evse?.evse_id ?? undefined,
    connector_standard: connector?.standard,
    connector_format: connector?.format,
    connector_power_type: connector?.power_type,
  });
}

/**
 * The 2.1.1 Location of one of our CDRs: the stored location cut to the CDR's EVSE and connector,
 * with the CdrLocation's own values (what they were when the session ran) laid over it. Without
 * a stored location, the CdrLocation alone: type and EVSE status UNKNOWN, voltage and amperage 0
 * (unknown), the CDR's last_updated as theirs.
 */
export function cdrLocationTo211(c: CdrLocation, stored: Location | null, lastUpdated: string): Loose<Location211> {
  const base = stored ? embeddedLocation211(stored, { location_id: c.id, evse_uid: c.evse_uid, connector_id: c.connector_id }) : {};
  const evse = base.evses?.[0];
  const connector = evse?.connectors?.[0];
  const powerType = c.connector_power_type === 'AC_2_PHASE' || c.connector_power_type === 'AC_2_PHASE_SPLIT' ? 'AC_1_PHASE' : c.connector_power_type;
  return defined({
    type: 'UNKNOWN' as const,
    last_updated: lastUpdated,
    ...base,
    id: c.id,
    name: c.name ?? base.name,
    address: c.address,
    city: c.city,
    postal_code: c.postal_code ?? base.postal_code ?? '',
    country: c.country,
    coordinates: c.coordinates,
    evses: [
      {
        status: 'UNKNOWN' as const,
        last_updated: lastUpdated,
        ...evse,
        uid: c.evse_uid,
        evse_id: c.evse_id,
        connectors: [
          {
            voltage: 0,
            amperage: 0,
            last_updated: lastUpdated,
            ...connector,
            id: c.connector_id,
            standard: c.connector_standard,
            format: c.connector_format,
            power_type: powerType,
          },
        ],
      },
    ],
  });
}

/** A 2.1.1 CDR as our model, owned by `owner` (the peer's party), for the token its auth_id names. */
export function cdrFrom211(c: Cdr211, owner: Owner, token: CdrToken): Loose<Cdr> {
  const { stop_date_time, auth_id: _auth, location, tariffs, charging_periods, total_cost, ...same } = c;
  return defined({
    country_code: owner.country_code,
    party_id: owner.party_id,
    ...same,
    end_date_time: stop_date_time,
    cdr_token: token,
    cdr_location: cdrLocationFrom211(location) as CdrLocation,
    tariffs: tariffs?.map((t) => tariffFrom211(t, owner)),
    charging_periods: periodsFrom211(charging_periods),
    total_cost: priceFrom211(total_cost),
  });
}

/** Our CDR as a 2.1.1 peer reads it, with its embedded `location` (cdrLocationTo211). */
export function cdrTo211(c: Cdr, location: Loose<Location211>): Loose<Cdr211> {
  return defined({
    id: c.id,
    start_date_time: c.start_date_time,
    stop_date_time: c.end_date_time,
    auth_id: c.cdr_token.contract_id,
    auth_method: authMethodTo211(c.auth_method),
    location: location as Location211,
    meter_id: c.meter_id,
    currency: c.currency,
    tariffs: c.tariffs?.map(tariffTo211),
    charging_periods: periodsTo211(c.charging_periods),
    total_cost: priceTo211(c.total_cost),
    total_energy: c.total_energy,
    total_time: c.total_time,
    total_parking_time: c.total_parking_time,
    remark: c.remark,
    last_updated: c.last_updated,
  });
}
