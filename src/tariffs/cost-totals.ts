/**
 * From billed quantities to money: per component, integer quantity x price / units per priced
 * unit, divided once per component so that splitting a period can never change a digit; VAT
 * per component; totals per CDR cost field; then min_price / max_price on the session total.
 */
import type { CompiledComponent, CompiledTariff, CostCategory } from './compiled-tariff.js';
import { Dec, ZERO, dec, maxDec, minDec, toWire } from './decimal.js';
import type { PriceLimit } from './price-types.js';

export interface Money {
  excl: Dec;
  incl: Dec;
}

const zeroMoney = (): Money => ({ excl: ZERO, incl: ZERO });

/** Cost of an integer `quantity` (mWh, ms, or occurrences) under one component. */
export function componentCost(c: CompiledComponent, quantity: number): Money {
  const excl = dec(quantity).times(c.price).div(c.unitsPerPricedUnit);
  return { excl, incl: excl.times(c.vatFactor) };
}

/** Accumulates billed quantities per component before any money is computed. */
export class QuantityLedger {
  private readonly byKey = new Map<string, { component: CompiledComponent; quantity: number }>();

  add(component: CompiledComponent, quantity: number): void {
    const entry = this.byKey.get(component.key);
    if (entry) entry.quantity += quantity;
    else this.byKey.set(component.key, { component, quantity });
  }

  totals(): Record<CostCategory, Money> {
    const out: Record<CostCategory, Money> = {
      fixed: zeroMoney(),
      energy: zeroMoney(),
      time: zeroMoney(),
      parking: zeroMoney(),
      reservation: zeroMoney(),
    };
    for (const { component, quantity } of this.byKey.values()) {
      const cost = componentCost(component, quantity);
      const bucket = out[component.category];
      bucket.excl = bucket.excl.plus(cost.excl);
      bucket.incl = bucket.incl.plus(cost.incl);
    }
    return out;
  }
}

/**
 * incl_vat when a bound moved excl_vat but the bound has no incl_vat of its own: scale with
 * the session's own effective VAT, or the tariff's single VAT rate when there was nothing to
 * scale (a zero session), or leave it untaxed when neither exists.
 */
function derivedIncl(newExcl: Dec, raw: Money, tariff: CompiledTariff): Dec {
  if (raw.excl.gt(0)) return raw.incl.times(newExcl).div(raw.excl);
  return newExcl.times(tariff.uniformVatFactor ?? 1);
}

/**
 * Applies min_price then max_price. excl and incl are clamped independently (the spec's
 * notes: with mixed VAT rates one bound may bind and the other not).
 */
export function applyPriceLimits(raw: Money, tariff: CompiledTariff | null, decimals: number): { total: Money; limits: PriceLimit[] } {
  const limits: PriceLimit[] = [];
  if (!tariff) return { total: raw, limits };
  let { excl, incl } = raw;
  const record = (bound: PriceLimit['bound'], field: PriceLimit['field'], before: Dec, after: Dec, derived: boolean) => {
    if (!before.eq(after)) limits.push({ bound, field, before: toWire(before, decimals), after: toWire(after, decimals), derived });
  };
  const bounds: ['min_price' | 'max_price', CompiledTariff['minPrice'], (a: Dec, b: Dec) => Dec][] = [
    ['min_price', tariff.minPrice, maxDec],
    ['max_price', tariff.maxPrice, minDec],
  ];
  for (const [name, bound, clamp] of bounds) {
    if (!bound) continue;
    const newExcl = clamp(excl, bound.excl);
    let newIncl: Dec;
    let derived = false;
    if (bound.incl !== null) newIncl = clamp(incl, bound.incl);
    else if (!newExcl.eq(excl)) {
      newIncl = derivedIncl(newExcl, { excl, incl }, tariff);
      derived = true;
    } else newIncl = incl;
    record(name, 'excl_vat', excl, newExcl, false);
    record(name, 'incl_vat', incl, newIncl, derived);
    excl = newExcl;
    incl = newIncl;
  }
  return { total: { excl, incl }, limits };
}
