/**
 * Session between OCPI 2.1.1 and the 2.2.1 model we store. Pure functions: the token behind an
 * `auth_id` and the stored location a Session embeds are looked up by the caller (lookups.ts)
 * and handed in. Every function accepts a partial object too (a PATCH), mapping only the fields
 * it carries. Losses are listed in docs/interop.md (OCPI 2.1.1 peers).
 */
import type { AuthMethod, CdrToken, ChargingPeriod } from '../../../model/cdr.js';
import type { Location } from '../../../model/location.js';
import type { Price } from '../../../model/primitives.js';
import type { Session } from '../../../model/session.js';
import type { Location211 } from '../locations/schemas.js';
import { type Owner, locationTo211 } from '../locations/translate.js';
import { type ChargingPeriod211, CdrDimensionType211, type Session211 } from './schemas.js';

export type Loose<T> = { [K in keyof T]?: T[K] | null };

/** Which EVSE and connector of a location an embedded 2.1.1 Location names. */
export interface LocationIds {
  location_id: string;
  evse_uid: string;
  connector_id: string;
}

export function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A 2.1.1 number as a 2.2.1 Price: the number is the amount excluding VAT; what includes VAT is not said. */
export function priceFrom211(n: number | null | undefined): Price | null | undefined {
  return n == null ? n : { excl_vat: n };
}

/** 2.1.1 costs are excluding VAT. */
export function priceTo211(p: Price | null | undefined): number | null | undefined {
  return p == null ? p : p.excl_vat;
}

/** 2.1.1 knows no COMMAND: a session a remote command started was authorized by the eMSP, its closest 2.1.1 method. */
export function authMethodTo211(m: AuthMethod | null | undefined): 'AUTH_REQUEST' | 'WHITELIST' | null | undefined {
  return m === 'COMMAND' ? 'AUTH_REQUEST' : m;
}

const DIMENSIONS_211: readonly string[] = CdrDimensionType211.options;

/** FLAT has no 2.2.1 dimension (2.2.1 prices a flat fee from the tariff alone): dropped, and a period left empty with it. */
export function periodsFrom211(periods: ChargingPeriod211[] | null | undefined): ChargingPeriod[] | null | undefined {
  if (periods == null) return periods;
  return periods
    .map((p) => ({ start_date_time: p.start_date_time, dimensions: p.dimensions.filter((d) => d.type !== 'FLAT') as ChargingPeriod['dimensions'] }))
    .filter((p) => p.dimensions.length > 0);
}

/** Dimensions 2.1.1 does not define (power, state of charge, reservation time...) and the period's tariff_id are dropped. */
export function periodsTo211(periods: ChargingPeriod[] | null | undefined): ChargingPeriod211[] | null | undefined {
  if (periods == null) return periods;
  return periods
    .map((p) => ({ start_date_time: p.start_date_time, dimensions: p.dimensions.filter((d) => DIMENSIONS_211.includes(d.type)) as ChargingPeriod211['dimensions'] }))
    .filter((p) => p.dimensions.length > 0);
}

/** The ids a 2.1.1 embedded Location names: the location, its (first) EVSE and that EVSE's (first) connector. */
export function idsOf211(location: Loose<Location211>): Partial<LocationIds> {
  const evse = location.evses?.[0];
  return defined({ location_id: location.id ?? undefined, evse_uid: evse?.uid, connector_id: evse?.connectors?.[0]?.id });
}

/** Our stored location as a 2.1.1 Session or CDR embeds it: only the EVSE and connector used. */
export function embeddedLocation211(location: Location, ids: LocationIds): Loose<Location211> {
  const evses = (location.evses ?? [])
    .filter((e) => e.uid.toUpperCase() === ids.evse_uid.toUpperCase())
    .map((e) => ({ ...e, connectors: e.connectors.filter((c) => c.id.toUpperCase() === ids.connector_id.toUpperCase()) }));
  return locationTo211({ ...location, evses });
}

/** A 2.1.1 Session (or part of one) as our model. `owner` for a whole session; `token`: the cdr_token its auth_id names. */
export function sessionFrom211(s: Loose<Session211>, owner: Owner | null, token: CdrToken | undefined): Loose<Session> {
  const { start_datetime, end_datetime, auth_id: _auth, location, total_cost, charging_periods, ...same } = s;
  return defined({
    ...(owner ? { country_code: owner.country_code, party_id: owner.party_id } : {}),
    ...same,
    start_date_time: start_datetime,
    end_date_time: end_datetime,
    cdr_token: token,
    ...(location ? idsOf211(location) : {}),
    charging_periods: periodsFrom211(charging_periods),
    total_cost: priceFrom211(total_cost),
  });
}

/** Our Session (or part of one) as a 2.1.1 peer reads it; `location`: the embedded one, when the caller has it. */
export function sessionTo211(s: Loose<Session>, location: Loose<Location211> | undefined): Loose<Session211> {
  const {
    country_code: _cc,
    party_id: _pid,
    start_date_time,
    end_date_time,
    cdr_token,
    auth_method,
    authorization_reference: _ref,
    location_id: _loc,
    evse_uid: _evse,
    connector_id: _connector,
    charging_periods,
    total_cost,
    status,
    ...same
  } = s;
  return defined({
    ...same,
    start_datetime: start_date_time,
    end_datetime: end_date_time,
    auth_id: cdr_token === undefined ? undefined : (cdr_token?.contract_id ?? null),
    auth_method: authMethodTo211(auth_method),
    location: location as Location211 | undefined,
    charging_periods: periodsTo211(charging_periods),
    total_cost: priceTo211(total_cost),
    // 2.1.1 has no RESERVATION: a reserved session has not started, its PENDING.
    status: status === 'RESERVATION' ? 'PENDING' : status,
  });
}
