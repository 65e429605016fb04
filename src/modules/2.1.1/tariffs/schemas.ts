/**
 * Tariff as OCPI 2.1.1 puts it on the wire (2.1.1 tariffs §3-4): no country_code/party_id, no
 * `type`, no min/max price, no start/end date-time, no VAT per component, no current or
 * reservation restrictions. The stored model is 2.2.1's (src/model/tariff.ts).
 */
import { z } from 'zod';
import { DateTime, DisplayText, Url, ciString, nonEmptyList, optionalList } from '../../../model/primitives.js';
import { DayOfWeek, EnergyMix, LocalDate, TariffDimensionType, TimeOfDay } from '../../../model/tariff.js';

export const PriceComponent211 = z.object({
  type: TariffDimensionType,
  price: z.number(),
  step_size: z.number().int({ message: 'must be a whole number' }),
});

export const TariffRestrictions211 = z.object({
  start_time: TimeOfDay.nullish(),
  end_time: TimeOfDay.nullish(),
  start_date: LocalDate.nullish(),
  end_date: LocalDate.nullish(),
  min_kwh: z.number().nullish(),
  max_kwh: z.number().nullish(),
  min_power: z.number().nullish(),
  max_power: z.number().nullish(),
  min_duration: z.number().int({ message: 'must be a whole number of seconds' }).nullish(),
  max_duration: z.number().int({ message: 'must be a whole number of seconds' }).nullish(),
  day_of_week: optionalList(DayOfWeek),
});

export const TariffElement211 = z.object({
  price_components: nonEmptyList(PriceComponent211),
  restrictions: TariffRestrictions211.nullish(),
});

export const Tariff211 = z.object({
  id: ciString(36),
  currency: z.string().regex(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code such as EUR' }),
  tariff_alt_text: optionalList(DisplayText),
  tariff_alt_url: Url.nullish(),
  elements: nonEmptyList(TariffElement211),
  energy_mix: EnergyMix.nullish(),
  last_updated: DateTime,
});
export type Tariff211 = z.infer<typeof Tariff211>;
export type TariffElement211 = z.infer<typeof TariffElement211>;
