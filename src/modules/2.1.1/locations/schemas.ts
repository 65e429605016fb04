/**
 * Location, EVSE and Connector as OCPI 2.1.1 puts them on the wire (2.1.1 locations §4-5): no
 * country_code/party_id/publish on the Location, `type` instead of `parking_type`, a connector's
 * `voltage`/`amperage`/`tariff_id` instead of `max_voltage`/`max_amperage`/`tariff_ids`. The
 * stored model is 2.2.1's (src/model/location.ts); translate.ts maps between them.
 */
import { z } from 'zod';
import { ConnectorFormat, ConnectorType, GeoLocation } from '../../../model/cdr.js';
import { AdditionalGeoLocation, EvseStatus, Hours, ParkingRestriction, StatusSchedule } from '../../../model/location.js';
import { BusinessDetails, DateTime, DisplayText, Image, Url, ciString, nonEmptyList, ocpiString, optionalList, patchOf } from '../../../model/primitives.js';
import { EnergyMix } from '../../../model/tariff.js';

export const LocationType211 = z.enum(['ON_STREET', 'PARKING_GARAGE', 'UNDERGROUND_GARAGE', 'PARKING_LOT', 'OTHER', 'UNKNOWN']);
export const PowerType211 = z.enum(['AC_1_PHASE', 'AC_3_PHASE', 'DC']);
export const Capability211 = z.enum(['CHARGING_PROFILE_CAPABLE', 'CREDIT_CARD_PAYABLE', 'REMOTE_START_STOP_CAPABLE', 'RESERVABLE', 'RFID_READER', 'UNLOCK_CAPABLE']);
export const Facility211 = z.enum([
  'HOTEL',
  'RESTAURANT',
  'CAFE',
  'MALL',
  'SUPERMARKET',
  'SPORT',
  'RECREATION_AREA',
  'NATURE',
  'MUSEUM',
  'BUS_STOP',
  'TAXI_STAND',
  'TRAIN_STATION',
  'AIRPORT',
  'CARPOOL_PARKING',
  'FUEL_STATION',
  'WIFI',
]);

export const Connector211 = z.object({
  id: ciString(36),
  standard: ConnectorType,
  format: ConnectorFormat,
  power_type: PowerType211,
  voltage: z.number().int().min(0),
  amperage: z.number().int().min(0),
  tariff_id: ciString(36).nullish(),
  terms_and_conditions: Url.nullish(),
  last_updated: DateTime,
});
export type Connector211 = z.infer<typeof Connector211>;

// 2.1.1 allows 39 characters for a Location id and an EVSE uid; the store (2.2.1) holds 36.
export const Evse211 = z.object({
  uid: ciString(36),
  evse_id: ciString(48).nullish(),
  status: EvseStatus,
  status_schedule: optionalList(StatusSchedule),
  capabilities: optionalList(Capability211),
  connectors: nonEmptyList(Connector211),
  floor_level: ocpiString(4).nullish(),
  coordinates: GeoLocation.nullish(),
  physical_reference: ocpiString(16).nullish(),
  directions: optionalList(DisplayText),
  parking_restrictions: optionalList(ParkingRestriction),
  images: optionalList(Image),
  last_updated: DateTime,
});
export type Evse211 = z.infer<typeof Evse211>;

export const Location211 = z.object({
  id: ciString(36),
  type: LocationType211,
  name: ocpiString(255).nullish(),
  address: ocpiString(255),
  city: ocpiString(45),
  postal_code: ocpiString(10),
  country: z.string().regex(/^[A-Z]{3}$/, { message: 'must be an ISO 3166-1 alpha-3 code such as NLD' }),
  coordinates: GeoLocation,
  related_locations: optionalList(AdditionalGeoLocation),
  evses: optionalList(Evse211),
  directions: optionalList(DisplayText),
  operator: BusinessDetails.nullish(),
  suboperator: BusinessDetails.nullish(),
  owner: BusinessDetails.nullish(),
  facilities: optionalList(Facility211),
  time_zone: ocpiString(255).nullish(),
  opening_times: Hours.nullish(),
  charging_when_closed: z.boolean().nullish(),
  images: optionalList(Image),
  energy_mix: EnergyMix.nullish(),
  last_updated: DateTime,
});
export type Location211 = z.infer<typeof Location211>;

export const Location211Patch = patchOf(Location211);
export const Evse211Patch = patchOf(Evse211);
export const Connector211Patch = patchOf(Connector211);
