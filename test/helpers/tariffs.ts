/** Builders for OCPI tariffs, valid by default (they pass the tariff engine's validation). */
let clock = Date.UTC(2025, 5, 1, 8, 0, 0);
/** A strictly increasing timestamp, so every version is newer than the one before. */
export function later(): string {
  clock += 1000;
  return new Date(clock).toISOString();
}

export function aPriceComponent(type = 'ENERGY', overrides: Record<string, unknown> = {}) {
  return { type, price: 0.25, vat: 21, step_size: 1, ...overrides };
}

/** A day tariff: a start fee and energy, and time priced higher after two hours. */
export function aTariff(id = 'T1', overrides: Record<string, unknown> = {}) {
  return {
    country_code: 'NL',
    party_id: 'CPO',
    id,
    currency: 'EUR',
    type: 'REGULAR',
    tariff_alt_text: [{ language: 'en', text: 'Start fee plus energy; time after two hours' }],
    elements: [
      { price_components: [aPriceComponent('FLAT', { price: 0.5, step_size: 1 }), aPriceComponent('ENERGY')] },
      { price_components: [aPriceComponent('TIME', { price: 2, step_size: 60 })], restrictions: { min_duration: 7200 } },
    ],
    last_updated: later(),
    ...overrides,
  };
}
