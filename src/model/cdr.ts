/**
 * CDR-side OCPI 2.2.1 schemas: what a CDR (and a Session) carries besides the Tariff.
 * The cdrs and sessions modules import these; the pricing engine reads ChargingPeriods.
 *
 * `Cdr` is the tolerant receive shape. `OutboundCdr` adds the rules we hold ourselves to
 * when sending (no Session-only dimensions, id at most 36 unless it is a credit CDR).
 */
import { z } from 'zod';
import { CountryCode, DateTime, PartyId, Price, ciString, nonEmptyList, ocpiString, optionalList } from './primitives.js';
import { ReceivedTariff } from './tariff.js';

export const CdrDimensionType = z.enum([
  'CURRENT',
  'ENERGY',
  'ENERGY_EXPORT',
  'ENERGY_IMPORT',
  'MAX_CURRENT',
  'MIN_CURRENT',
  'MAX_POWER',
  'MIN_POWER',
  'PARKING_TIME',
  'POWER',
  'RESERVATION_TIME',
  'STATE_OF_CHARGE',
  'TIME',
]);
export type CdrDimensionType = z.infer<typeof CdrDimensionType>;

/** Dimensions that only make sense in a live Session and must not be sent in a CDR. */
export const SESSION_ONLY_DIMENSIONS: ReadonlySet<CdrDimensionType> = new Set(['CURRENT', 'ENERGY_EXPORT', 'ENERGY_IMPORT', 'POWER', 'STATE_OF_CHARGE']);

export const CdrDimension = z.object({
  type: CdrDimensionType,
  volume: z.number(),
});
export type CdrDimension = z.infer<typeof CdrDimension>;

export const ChargingPeriod = z.object({
  start_date_time: DateTime,
  dimensions: nonEmptyList(CdrDimension),
  tariff_id: ciString(36).nullish(),
});
export type ChargingPeriod = z.infer<typeof ChargingPeriod>;
export type ChargingPeriodInput = z.input<typeof ChargingPeriod>;

/** The receive profile rewrites a coordinate with other precision (docs/interop.md). */
function coordinate(max: number, pattern: RegExp) {
  return ocpiString(max)
    .refine((s) => pattern.test(s), { message: 'must be decimal degrees with 5 to 7 decimals', params: { repair: 'coordinate', decimals: 7 } })
    .meta({ pattern: pattern.source });
}

export const GeoLocation = z.object({
  latitude: coordinate(10, /^-?[0-9]{1,2}\.[0-9]{5,7}$/),
  longitude: coordinate(11, /^-?[0-9]{1,3}\.[0-9]{5,7}$/),
});
export type GeoLocation = z.infer<typeof GeoLocation>;

export const ConnectorType = z.enum([
  'CHADEMO',
  'CHAOJI',
  'DOMESTIC_A',
  'DOMESTIC_B',
  'DOMESTIC_C',
  'DOMESTIC_D',
  'DOMESTIC_E',
  'DOMESTIC_F',
  'DOMESTIC_G',
  'DOMESTIC_H',
  'DOMESTIC_I',
  'DOMESTIC_J',
  'DOMESTIC_K',
  'DOMESTIC_L',
  'DOMESTIC_M',
  'DOMESTIC_N',
  'DOMESTIC_O',
  'GBT_AC',
  'GBT_DC',
  'IEC_60309_2_single_16',
  'IEC_60309_2_three_16',
  'IEC_60309_2_three_32',
  'IEC_60309_2_three_64',
  'IEC_62196_T1',
  'IEC_62196_T1_COMBO',
  'IEC_62196_T2',
  'IEC_62196_T2_COMBO',
  'IEC_62196_T3A',
  'IEC_62196_T3C',
  'NEMA_5_20',
  'NEMA_6_30',
  'NEMA_6_50',
  'NEMA_10_30',
  'NEMA_10_50',
  'NEMA_14_30',
  'NEMA_14_50',
  'PANTOGRAPH_BOTTOM_UP',
  'PANTOGRAPH_TOP_DOWN',
  'TESLA_R',
  'TESLA_S',
]);
export type ConnectorType = z.infer<typeof ConnectorType>;

export const ConnectorFormat = z.enum(['SOCKET', 'CABLE']);
export type ConnectorFormat = z.infer<typeof ConnectorFormat>;

export const PowerType = z.enum(['AC_1_PHASE', 'AC_2_PHASE', 'AC_2_PHASE_SPLIT', 'AC_3_PHASE', 'DC']);
export type PowerType = z.infer<typeof PowerType>;

export const CdrLocation = z.object({
  id: ciString(36),
  name: ocpiString(255).nullish(),
  address: ocpiString(45),
  city: ocpiString(45),
  postal_code: ocpiString(10).nullish(),
  state: ocpiString(20).nullish(),
  country: ocpiString(3).regex(/^[A-Z]{3}$/, { message: 'must be an ISO 3166-1 alpha-3 code such as BEL' }),
  coordinates: GeoLocation,
  evse_uid: ciString(36),
  evse_id: ciString(48),
  connector_id: ciString(36),
  connector_standard: ConnectorType,
  connector_format: ConnectorFormat,
  connector_power_type: PowerType,
});
export type CdrLocation = z.infer<typeof CdrLocation>;

export const TokenType = z.enum(['AD_HOC_USER', 'APP_USER', 'OTHER', 'RFID']);
export type TokenType = z.infer<typeof TokenType>;

export const CdrToken = z.object({
  country_code: CountryCode,
  party_id: PartyId,
  uid: ciString(36),
  type: TokenType,
  contract_id: ciString(36),
});
export type CdrToken = z.infer<typeof CdrToken>;

export const AuthMethod = z.enum(['AUTH_REQUEST', 'COMMAND', 'WHITELIST']);
export type AuthMethod = z.infer<typeof AuthMethod>;

export const SignedValue = z.object({
  nature: ciString(32),
  // 5000 per the bugfix-branch erratum (the 2.2.1 tag says 512); accepting the larger bound is safe.
  plain_data: ocpiString(5000),
  signed_data: ocpiString(5000),
});
export type SignedValue = z.infer<typeof SignedValue>;

export const SignedData = z.object({
  encoding_method: ciString(36),
  encoding_method_version: z.number().int().nullish(),
  public_key: ocpiString(512).nullish(),
  signed_values: nonEmptyList(SignedValue),
  url: ocpiString(512).nullish(),
});
export type SignedData = z.infer<typeof SignedData>;

export const Cdr = z
  .object({
    country_code: CountryCode,
    party_id: PartyId,
    id: ciString(39),
    start_date_time: DateTime,
    end_date_time: DateTime,
    session_id: ciString(36).nullish(),
    cdr_token: CdrToken,
    auth_method: AuthMethod,
    authorization_reference: ciString(36).nullish(),
    cdr_location: CdrLocation,
    meter_id: ocpiString(255).nullish(),
    currency: z.string().regex(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code such as EUR' }),
    tariffs: optionalList(ReceivedTariff),
    charging_periods: nonEmptyList(ChargingPeriod),
    signed_data: SignedData.nullish(),
    total_cost: Price,
    total_fixed_cost: Price.nullish(),
    total_energy: z.number(),
    total_energy_cost: Price.nullish(),
    total_time: z.number().min(0, { message: 'must not be negative' }),
    total_time_cost: Price.nullish(),
    total_parking_time: z.number().min(0, { message: 'must not be negative' }).nullish(),
    total_parking_cost: Price.nullish(),
    total_reservation_cost: Price.nullish(),
    remark: ocpiString(255).nullish(),
    invoice_reference_id: ciString(39).nullish(),
    credit: z.boolean().nullish(),
    credit_reference_id: ciString(39).nullish(),
    home_charging_compensation: z.boolean().nullish(),
    last_updated: DateTime,
  })
  .superRefine((cdr, ctx) => {
    if (cdr.credit === true && !cdr.credit_reference_id) {
      ctx.addIssue({ code: 'custom', path: ['credit_reference_id'], message: 'is required when credit is true' });
    }
    if (cdr.end_date_time < cdr.start_date_time) {
      ctx.addIssue({ code: 'custom', path: ['end_date_time'], message: 'must not be before start_date_time' });
    }
  });
export type Cdr = z.infer<typeof Cdr>;

/** The stricter shape we hold our own outgoing CDRs to. */
export const OutboundCdr = Cdr.superRefine((cdr, ctx) => {
  if (cdr.credit !== true && cdr.id.length > 36) {
    ctx.addIssue({ code: 'custom', path: ['id'], message: 'must be at most 36 characters unless the CDR is a credit CDR' });
  }
  cdr.charging_periods.forEach((period, p) =>
    period.dimensions.forEach((d, i) => {
      if (SESSION_ONLY_DIMENSIONS.has(d.type)) {
        ctx.addIssue({
          code: 'custom',
          path: ['charging_periods', p, 'dimensions', i, 'type'],
          message: `${d.type} is a Session-only dimension and must not appear in a CDR`,
        });
      }
    }),
  );
});
