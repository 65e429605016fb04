/**
 * Inputs and outputs of `price()`. Output field names follow the CDR's own (`total_*`) so a
 * result can be copied into a CDR field by field; everything else is explanation.
 */
import type { Price } from '../model/primitives.js';
import type { CostCategory } from './compiled-tariff.js';

export interface PricingContext {
  /** IANA name of the location's time zone (Location.time_zone); restrictions are read in it. */
  timeZone: string;
  /** End of the last charging period (Session/CDR end_date_time). */
  sessionEnd: string | Date;
  /**
   * When the charging session (not a reservation before it) started; min/max_duration count
   * from here. Defaults to the start of the first period that is not reservation-only.
   */
  sessionStart?: string | Date | null;
  /**
   * Whether a reservation expired unused (RESERVATION_EXPIRES elements apply). Defaults to
   * true exactly when the periods hold reservation time and nothing else.
   */
  reservationExpired?: boolean | null;
  /** Decimals of the money figures in the result (OCPI's default for numbers is 4). */
  moneyDecimals?: number;
}

export type UsageDimension = 'ENERGY' | 'TIME' | 'PARKING_TIME' | 'RESERVATION_TIME';

export interface ComponentRef {
  tariff_id: string;
  element_index: number;
  component_index: number;
}

export interface DimensionCharge extends ComponentRef {
  dimension: UsageDimension;
  /** Measured quantity in this period: kWh for ENERGY, hours for the time dimensions. */
  quantity: number;
  unit: 'kWh' | 'h';
  unit_price: number;
  vat: number | null;
}

export interface PeriodBreakdown {
  index: number;
  start_date_time: string;
  end_date_time: string;
  /** RESERVATION: reservation time only; SESSION: charging/parking; MIXED: both in one period. */
  phase: 'SESSION' | 'RESERVATION' | 'MIXED';
  tariff_id: string | null;
  /** Session energy before this period (what min_kwh/max_kwh were compared with). */
  energy_before_kwh: number;
  power_kw: number | null;
  current_a: number | null;
  /** The component in force per dimension during this period, or null when none applied. */
  in_force: Partial<Record<'FLAT' | UsageDimension, ComponentRef | null>>;
  charges: DimensionCharge[];
  /** Measured quantities that no component priced (free in this period). */
  unpriced: { dimension: UsageDimension; quantity: number; unit: 'kWh' | 'h' }[];
}

export interface FlatFee extends ComponentRef {
  period_index: number;
  category: CostCategory;
  vat: number | null;
  cost: Required<Price>;
}

export interface StepRounding extends ComponentRef {
  /** The quantity group rounded once per session (rules S1-S8). */
  group: UsageDimension;
  rule: string;
  step_size: number;
  unit: 'kWh' | 'h';
  measured: number;
  billed: number;
  extra: number;
  /** The last billable period; the extra is billed at its component's price. */
  period_index: number;
  cost: Required<Price>;
}

export interface PriceLimit {
  bound: 'min_price' | 'max_price';
  field: 'excl_vat' | 'incl_vat';
  before: number;
  after: number;
  /** True when incl_vat had no bound of its own and was scaled with excl_vat. */
  derived: boolean;
}

export interface ComponentInfo extends ComponentRef {
  type: 'ENERGY' | 'FLAT' | 'TIME' | 'PARKING_TIME';
  price: number;
  vat: number | null;
  step_size: number;
  category: CostCategory;
}

export interface ExactPrice {
  excl_vat: string;
  incl_vat: string;
}

export interface PriceResult {
  currency: string;
  tariff_ids: string[];
  time_zone: string;
  session_start: string | null;
  session_end: string;
  total_cost: Required<Price>;
  total_fixed_cost: Required<Price>;
  total_energy_cost: Required<Price>;
  total_time_cost: Required<Price>;
  total_parking_cost: Required<Price>;
  total_reservation_cost: Required<Price>;
  /** Measured: kWh delivered (net), as CDR.total_energy. */
  total_energy: number;
  /** Measured: hours charging plus parking, as CDR.total_time. */
  total_time: number;
  /** Measured: hours parked, as CDR.total_parking_time. */
  total_parking_time: number;
  /** Measured: hours of reservation before the session. */
  total_reservation_time: number;
  /** Quantities actually billed, after step_size rounding (unpriced quantities excluded). */
  billed_energy: number;
  billed_time: number;
  billed_parking_time: number;
  billed_reservation_time: number;
  /** Full-precision decimal strings of every total, before wire rounding. */
  exact: Record<'total_cost' | 'total_fixed_cost' | 'total_energy_cost' | 'total_time_cost' | 'total_parking_cost' | 'total_reservation_cost', ExactPrice>;
  periods: PeriodBreakdown[];
  /** Every component that was in force at some point, in tariff order. */
  components_used: ComponentInfo[];
  flat_fees: FlatFee[];
  step_rounding: StepRounding[];
  price_limits: PriceLimit[];
  warnings: string[];
}
