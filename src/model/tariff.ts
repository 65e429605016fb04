/**
 * OCPI 2.2.1 Tariff objects as zod schemas (shared with the tariffs module).
 *
 * `ReceivedTariff` is the spec's shape (unknown fields dropped, `?` fields may be null, `*` lists
 * may be absent). `Tariff` adds the rules of our pricing engine (negative prices, step_size <= 0,
 * empty or inverted restriction ranges): what our parties publish and what we price is held to
 * them, a peer's tariff is not (docs/interop.md, receive profile).
 */
import { z } from 'zod';
import { CountryCode, DateTime, DisplayText, PartyId, Url, ciString, nonEmptyList, ocpiString, optionalList, parseDateTime } from './primitives.js';

export const TariffDimensionType = z.enum(['ENERGY', 'FLAT', 'PARKING_TIME', 'TIME']);
export type TariffDimensionType = z.infer<typeof TariffDimensionType>;

export const TariffType = z.enum(['AD_HOC_PAYMENT', 'PROFILE_CHEAP', 'PROFILE_FAST', 'PROFILE_GREEN', 'REGULAR']);
export type TariffType = z.infer<typeof TariffType>;

export const DayOfWeek = z.enum(['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY']);
export type DayOfWeek = z.infer<typeof DayOfWeek>;

export const ReservationRestrictionType = z.enum(['RESERVATION', 'RESERVATION_EXPIRES']);
export type ReservationRestrictionType = z.infer<typeof ReservationRestrictionType>;

export const EnergySourceCategory = z.enum(['NUCLEAR', 'GENERAL_FOSSIL', 'COAL', 'GAS', 'GENERAL_GREEN', 'SOLAR', 'WIND', 'WATER']);
export type EnergySourceCategory = z.infer<typeof EnergySourceCategory>;

export const EnvironmentalImpactCategory = z.enum(['NUCLEAR_WASTE', 'CARBON_DIOXIDE']);
export type EnvironmentalImpactCategory = z.infer<typeof EnvironmentalImpactCategory>;

export const EnergySource = z.object({
  source: EnergySourceCategory,
  percentage: z.number().min(0).max(100),
});
export type EnergySource = z.infer<typeof EnergySource>;

export const EnvironmentalImpact = z.object({
  category: EnvironmentalImpactCategory,
  amount: z.number().min(0),
});
export type EnvironmentalImpact = z.infer<typeof EnvironmentalImpact>;

export const EnergyMix = z.object({
  is_green_energy: z.boolean(),
  energy_sources: optionalList(EnergySource),
  environ_impact: optionalList(EnvironmentalImpact),
  supplier_name: ocpiString(64).nullish(),
  energy_product_name: ocpiString(64).nullish(),
});
export type EnergyMix = z.infer<typeof EnergyMix>;

/** Local time of day `HH:MM`, 00:00-23:59 (24:00 cannot be written; 00:00 as end means midnight). */
export const TimeOfDay = z.string().regex(/^([0-1][0-9]|2[0-3]):[0-5][0-9]$/, { message: 'must be a time of day HH:MM between 00:00 and 23:59' });

/** Local calendar date `YYYY-MM-DD`; the regex alone would let 2023-02-30 through. */
export const LocalDate = z
  .string()
  .regex(/^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/, { message: 'must be a date YYYY-MM-DD' })
  .refine((s) => parseDateTime(`${s}T00:00:00Z`) !== null, { message: 'must be a real calendar date' });

/**
 * Money bounds as a peer may send them. Whether they make sense (not negative, min below max) is
 * a rule of our pricing engine, checked by `tariffEngineIssues`.
 */
export const PriceBound = z.object({
  excl_vat: z.number(),
  incl_vat: z.number().nullish(),
});
export type PriceBound = z.infer<typeof PriceBound>;

export const PriceComponent = z.object({
  type: TariffDimensionType,
  price: z.number(),
  // Absent means "no VAT applies", which is not the same as 0 %: kept distinct on purpose.
  vat: z.number().nullish(),
  step_size: z.number().int({ message: 'must be a whole number' }),
});
export type PriceComponent = z.infer<typeof PriceComponent>;

export const TariffRestrictions = z.object({
  start_time: TimeOfDay.nullish(),
  end_time: TimeOfDay.nullish(),
  start_date: LocalDate.nullish(),
  end_date: LocalDate.nullish(),
  min_kwh: z.number().nullish(),
  max_kwh: z.number().nullish(),
  min_current: z.number().nullish(),
  max_current: z.number().nullish(),
  min_power: z.number().nullish(),
  max_power: z.number().nullish(),
  min_duration: z.number().int({ message: 'must be a whole number of seconds' }).nullish(),
  max_duration: z.number().int({ message: 'must be a whole number of seconds' }).nullish(),
  day_of_week: optionalList(DayOfWeek),
  reservation: ReservationRestrictionType.nullish(),
});
export type TariffRestrictions = z.infer<typeof TariffRestrictions>;

export const TariffElement = z.object({
  price_components: nonEmptyList(PriceComponent),
  restrictions: TariffRestrictions.nullish(),
});
export type TariffElement = z.infer<typeof TariffElement>;

/**
 * A Tariff exactly as the spec shapes it: what a peer may send us and what we accept on receive
 * (docs/interop.md, receive profile). Our engine's own rules are not part of it.
 */
export const ReceivedTariff = z.object({
  country_code: CountryCode,
  party_id: PartyId,
  id: ciString(36),
  currency: z.string().regex(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code such as EUR' }),
  type: TariffType.nullish(),
  tariff_alt_text: optionalList(DisplayText),
  tariff_alt_url: Url.nullish(),
  min_price: PriceBound.nullish(),
  max_price: PriceBound.nullish(),
  elements: nonEmptyList(TariffElement),
  start_date_time: DateTime.nullish(),
  end_date_time: DateTime.nullish(),
  energy_mix: EnergyMix.nullish(),
  last_updated: DateTime,
});
export type ReceivedTariff = z.infer<typeof ReceivedTariff>;

/**
 * The rules of our pricing engine, beyond the spec's shape: a loose value here would change a
 * price we compute. Negative prices, step_size <= 0, empty or inverted ranges and a second
 * component of one dimension in an element are refused for the tariffs our own parties publish
 * and price; for a peer's tariff they are only reported (the receive profile never applies them).
 */
export function tariffEngineIssues(t: ReceivedTariff): Array<{ path: Array<string | number>; message: string }> {
  const issues: Array<{ path: Array<string | number>; message: string }> = [];
  const negative = (value: number | null | undefined, path: Array<string | number>) => {
    if (value != null && value < 0) issues.push({ path, message: 'must not be negative' });
  };
  for (const bound of ['min_price', 'max_price'] as const) {
    negative(t[bound]?.excl_vat, [bound, 'excl_vat']);
    negative(t[bound]?.incl_vat, [bound, 'incl_vat']);
  }
  t.elements.forEach((el, e) => {
    const seen = new Map<string, number>();
    el.price_components.forEach((pc, i) => {
      const at = ['elements', e, 'price_components', i];
      negative(pc.price, [...at, 'price']);
      if (pc.vat != null && pc.vat < 0) issues.push({ path: [...at, 'vat'], message: 'must not be negative' });
      else if (pc.vat != null && pc.vat > 100) issues.push({ path: [...at, 'vat'], message: 'must be a percentage (0-100)' });
      // FLAT has no unit to step in and the spec's own free-of-charge example uses 0 there;
      // for every other dimension a step of 0 or less makes the rounding undefined.
      const min = pc.type === 'FLAT' ? 0 : 1;
      if (pc.step_size < min) {
        issues.push({
          path: [...at, 'step_size'],
          message: pc.type === 'FLAT' ? `must not be negative (it is ${pc.step_size})` : `must be at least 1 for ${pc.type} (it is ${pc.step_size})`,
        });
      }
      // Only one component per dimension can be active; a second one of the same type inside the
      // same element could only be unreachable or summed, and senders disagree which.
      const first = seen.get(pc.type);
      if (first !== undefined) issues.push({ path: [...at, 'type'], message: `duplicate ${pc.type} component (already at price_components[${first}])` });
      else seen.set(pc.type, i);
    });
    const r = el.restrictions;
    if (!r) return;
    const at = ['elements', e, 'restrictions'];
    for (const key of ['min_kwh', 'max_kwh', 'min_current', 'max_current', 'min_power', 'max_power', 'min_duration', 'max_duration'] as const) negative(r[key], [...at, key]);
    // min is inclusive and max exclusive, so min >= max is an element that can never apply:
    // almost certainly a typo that would silently move cost to another element.
    for (const [lo, hi] of RANGE_PAIRS) {
      const a = r[lo];
      const b = r[hi];
      if (a != null && b != null && a >= b) issues.push({ path: [...at, lo], message: `${lo} (${a}) must be lower than ${hi} (${b})` });
    }
    if (r.start_date != null && r.end_date != null && r.start_date >= r.end_date) {
      issues.push({ path: [...at, 'start_date'], message: `start_date (${r.start_date}) must be before end_date (${r.end_date}); end_date is exclusive` });
    }
  });
  if (t.start_date_time != null && t.end_date_time != null && t.start_date_time >= t.end_date_time) {
    issues.push({ path: ['start_date_time'], message: 'must be before end_date_time' });
  }
  const lo = t.min_price;
  const hi = t.max_price;
  if (lo != null && hi != null) {
    if (lo.excl_vat > hi.excl_vat) issues.push({ path: ['min_price', 'excl_vat'], message: `min_price (${lo.excl_vat}) exceeds max_price (${hi.excl_vat})` });
    if (lo.incl_vat != null && hi.incl_vat != null && lo.incl_vat > hi.incl_vat) {
      issues.push({ path: ['min_price', 'incl_vat'], message: `min_price (${lo.incl_vat}) exceeds max_price (${hi.incl_vat})` });
    }
  }
  return issues;
}

const RANGE_PAIRS = [
  ['min_kwh', 'max_kwh'],
  ['min_current', 'max_current'],
  ['min_power', 'max_power'],
  ['min_duration', 'max_duration'],
] as const;

/** A tariff our engine can price: the spec's shape plus the engine's rules. */
export const Tariff = ReceivedTariff.superRefine((t, ctx) => {
  for (const issue of tariffEngineIssues(t)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
});
export type Tariff = z.infer<typeof Tariff>;
/** What a peer may send (before DateTime normalisation and null defaults). */
export type TariffInput = z.input<typeof Tariff>;
