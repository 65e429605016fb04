/**
 * Tariff between OCPI 2.1.1 and the 2.2.1 model we store. Pure functions. 2.1.1 prices are
 * plain numbers per component, as in 2.2.1's PriceComponent; what 2.1.1 cannot say (type, price
 * bounds, validity period, VAT, current and reservation restrictions) is dropped on the way out
 * and absent on the way in, never invented (docs/interop.md, OCPI 2.1.1 peers).
 */
import type { ReceivedTariff, TariffElement } from '../../../model/tariff.js';
import type { Owner } from '../locations/translate.js';
import type { Tariff211, TariffElement211 } from './schemas.js';

export function tariffFrom211(t: Tariff211, owner: Owner): ReceivedTariff {
  return { country_code: owner.country_code, party_id: owner.party_id, ...t, elements: t.elements.map(elementFrom211) };
}

function elementFrom211(e: TariffElement211): TariffElement {
  return { price_components: e.price_components.map((p) => ({ ...p })), ...(e.restrictions ? { restrictions: { ...e.restrictions } } : {}) };
}

/**
 * Our tariff as a 2.1.1 peer reads it. An element that applies only to reservations, or only
 * within a current range, cannot be expressed in 2.1.1: sent without its restriction it would
 * price every session, so it is left out.
 */
export function tariffTo211(t: ReceivedTariff): Tariff211 {
  const elements = t.elements.filter((e) => e.restrictions?.reservation == null && e.restrictions?.min_current == null && e.restrictions?.max_current == null);
  return strip({
    id: t.id,
    currency: t.currency,
    tariff_alt_text: t.tariff_alt_text,
    tariff_alt_url: t.tariff_alt_url,
    elements: elements.map(elementTo211),
    energy_mix: t.energy_mix,
    last_updated: t.last_updated,
  });
}

function elementTo211(e: TariffElement): TariffElement211 {
  const components = e.price_components.map(({ vat: _vat, ...p }) => p);
  if (!e.restrictions) return { price_components: components };
  const { min_current: _min, max_current: _max, reservation: _reservation, ...restrictions } = e.restrictions;
  return { price_components: components, restrictions: strip(restrictions) };
}

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
