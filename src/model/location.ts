/**
 * Location, EVSE and Connector (02-locations §4-5), and their PATCH forms: every field optional
 * but `last_updated`.
 */
import { z } from 'zod';
import { BusinessDetails, CountryCode, DateTime, DisplayText, Image, PartyId, Url, ciString, nonEmptyList, ocpiString, optionalList, patchOf } from './primitives.js';
import { ConnectorFormat, ConnectorType, GeoLocation, PowerType, TokenType } from './cdr.js';
import { EnergyMix } from './tariff.js';

export const EvseStatus = z.enum(['AVAILABLE', 'BLOCKED', 'CHARGING', 'INOPERATIVE', 'OUTOFORDER', 'PLANNED', 'REMOVED', 'RESERVED', 'UNKNOWN']);
export const Capability = z.enum([
  'CHARGING_PROFILE_CAPABLE',
  'CHARGING_PREFERENCES_CAPABLE',
  'CHIP_CARD_SUPPORT',
  'CONTACTLESS_CARD_SUPPORT',
  'CREDIT_CARD_PAYABLE',
  'DEBIT_CARD_PAYABLE',
  'PED_TERMINAL',
  'REMOTE_START_STOP_CAPABLE',
  'RESERVABLE',
  'RFID_READER',
  'START_SESSION_CONNECTOR_REQUIRED',
  'TOKEN_GROUP_CAPABLE',
  'UNLOCK_CAPABLE',
]);
export const ParkingRestriction = z.enum(['EV_ONLY', 'PLUGGED', 'DISABLED', 'CUSTOMERS', 'MOTORCYCLES']);
export const ParkingType = z.enum(['ALONG_MOTORWAY', 'PARKING_GARAGE', 'PARKING_LOT', 'ON_DRIVEWAY', 'ON_STREET', 'UNDERGROUND_GARAGE']);
export const Facility = z.enum([
  'HOTEL',
  'RESTAURANT',
  'CAFE',
  'MALL',
  'SUPERMARKET',
  'SPORT',
  'RECREATION_AREA',
  'NATURE',
  'MUSEUM',
  'BIKE_SHARING',
  'BUS_STOP',
  'TAXI_STAND',
  'TRAM_STOP',
  'METRO_STATION',
  'TRAIN_STATION',
  'AIRPORT',
  'PARKING_LOT',
  'CARPOOL_PARKING',
  'FUEL_STATION',
  'WIFI',
]);

const HourMinute = z.string().regex(/^([0-1][0-9]|2[0-3]):[0-5][0-9]$/, { message: 'must be HH:MM (00:00-23:59)' });

export const RegularHours = z
  .object({ weekday: z.number().int().min(1).max(7), period_begin: HourMinute, period_end: HourMinute })
  // Hours past midnight are split in two by the receive profile (docs/interop.md).
  .refine((h) => h.period_end > h.period_begin, { message: 'period_end must be later than period_begin', path: ['period_end'], params: { repair: 'overnight_hours' } });

export const ExceptionalPeriod = z.object({ period_begin: DateTime, period_end: DateTime });

export const Hours = z
  .object({
    twentyfourseven: z.boolean(),
    regular_hours: optionalList(RegularHours),
    exceptional_openings: optionalList(ExceptionalPeriod),
    exceptional_closings: optionalList(ExceptionalPeriod),
  })
  .refine((h) => h.twentyfourseven || (h.regular_hours?.length ?? 0) > 0, { message: 'regular_hours are required when twentyfourseven is false', path: ['regular_hours'] });

export const AdditionalGeoLocation = GeoLocation.extend({ name: DisplayText.nullish() });

export const PublishTokenType = z
  .object({
    uid: ciString(36).nullish(),
    type: TokenType.nullish(),
    visual_number: ocpiString(64).nullish(),
    issuer: ocpiString(64).nullish(),
    group_id: ciString(36).nullish(),
  })
  .refine((p) => p.uid || p.visual_number || p.group_id, { message: 'one of uid, visual_number or group_id is required' });

export const StatusSchedule = z.object({ period_begin: DateTime, period_end: DateTime.nullish(), status: EvseStatus });

export const Connector = z.object({
  id: ciString(36),
  standard: ConnectorType,
  format: ConnectorFormat,
  power_type: PowerType,
  max_voltage: z.number().int().min(0),
  max_amperage: z.number().int().min(0),
  max_electric_power: z.number().int().min(0).nullish(),
  tariff_ids: optionalList(ciString(36)),
  terms_and_conditions: Url.nullish(),
  last_updated: DateTime,
});
export type Connector = z.infer<typeof Connector>;

export const Evse = z.object({
  uid: ciString(36),
  evse_id: ciString(48).nullish(),
  status: EvseStatus,
  status_schedule: optionalList(StatusSchedule),
  capabilities: optionalList(Capability),
  connectors: nonEmptyList(Connector),
  floor_level: ocpiString(4).nullish(),
  coordinates: GeoLocation.nullish(),
  physical_reference: ocpiString(16).nullish(),
  directions: optionalList(DisplayText),
  parking_restrictions: optionalList(ParkingRestriction),
  images: optionalList(Image),
  last_updated: DateTime,
});
export type Evse = z.infer<typeof Evse>;

export const Location = z.object({
  country_code: CountryCode,
  party_id: PartyId,
  id: ciString(36),
  publish: z.boolean(),
  publish_allowed_to: optionalList(PublishTokenType),
  name: ocpiString(255).nullish(),
  // errata: 255 (the 2.2.1 text said 45)
  address: ocpiString(255),
  city: ocpiString(45),
  postal_code: ocpiString(10).nullish(),
  // errata: 45 (the 2.2.1 text said 20)
  state: ocpiString(45).nullish(),
  country: z.string().regex(/^[A-Z]{3}$/, { message: 'must be an ISO 3166-1 alpha-3 code such as NLD' }),
  coordinates: GeoLocation,
  related_locations: optionalList(AdditionalGeoLocation),
  parking_type: ParkingType.nullish(),
  evses: optionalList(Evse),
  directions: optionalList(DisplayText),
  operator: BusinessDetails.nullish(),
  suboperator: BusinessDetails.nullish(),
  owner: BusinessDetails.nullish(),
  facilities: optionalList(Facility),
  time_zone: ocpiString(255),
  opening_times: Hours.nullish(),
  charging_when_closed: z.boolean().nullish(),
  images: optionalList(Image),
  energy_mix: EnergyMix.nullish(),
  last_updated: DateTime,
});
export type Location = z.infer<typeof Location>;

export const LocationPatch = patchOf(Location);
export const EvsePatch = patchOf(Evse);
export const ConnectorPatch = patchOf(Connector);
