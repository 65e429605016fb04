/**
 * The money of the fast pricer, once per session: cost per component from its integer
 * quantity, totals per CDR cost field, min_price / max_price, and the wire and exact forms.
 * The same operations in the same order as cost-totals.ts, on exact decimals instead of
 * decimal.js, so every digit agrees.
 */
import type { Price } from '../../model/primitives.js';
import type { CostCategory } from '../compiled-tariff.js';
import type { ExactPrice, PriceLimit } from '../price-types.js';
import { type Exact, EXACT_ONE, EXACT_ZERO, add, compare, div, exactFromInteger, mul, toDecimalString, toWireNumber } from './exact-decimal.js';
import type { FastComponent, FastTariff } from './fast-tariff.js';

export interface ExactMoney {
  excl: Exact;
  incl: Exact;
}

/** componentCost() of cost-totals.ts. */
export function costOf(c: FastComponent, quantity: number): ExactMoney {
  if (quantity === 1) return { excl: c.unitCost.excl, incl: c.unitCost.incl };
  const excl = div(mul(exactFromInteger(quantity), c.price), c.units);
  return { excl, incl: mul(excl, c.vatFactor) };
}

export function wire(m: ExactMoney, decimals: number): Required<Price> {
  return { excl_vat: toWireNumber(m.excl, decimals), incl_vat: toWireNumber(m.incl, decimals) };
}

export function exactText(m: ExactMoney): ExactPrice {
  return { excl_vat: toDecimalString(m.excl), incl_vat: toDecimalString(m.incl) };
}

export type CategoryTotals = Record<CostCategory, ExactMoney>;

/**
 * QuantityLedger.totals(): the ledger in the order components were first billed. Returns null
 * when a quantity is not a safe integer (the reference reads such a number differently).
 */
export function categoryTotals(ledger: readonly FastComponent[], quantities: readonly number[]): CategoryTotals | null {
  const out: CategoryTotals = {
    fixed: { excl: EXACT_ZERO, incl: EXACT_ZERO },
    energy: { excl: EXACT_ZERO, incl: EXACT_ZERO },
    time: { excl: EXACT_ZERO, incl: EXACT_ZERO },
    parking: { excl: EXACT_ZERO, incl: EXACT_ZERO },
    reservation: { excl: EXACT_ZERO, incl: EXACT_ZERO },
  };
  for (let i = 0; i < ledger.length; i++) {
    const component = ledger[i];
    const quantity = quantities[i];
    if (!Number.isSafeInteger(quantity)) return null;
    const cost = costOf(component, quantity);
    const bucket = out[component.category];
    bucket.excl = add(bucket.excl, cost.excl);
    bucket.incl = add(bucket.incl, cost.incl);
  }
  return out;
}

export function sessionTotal(cat: CategoryTotals): ExactMoney {
  return {
    excl: add(add(add(add(cat.fixed.excl, cat.energy.excl), cat.time.excl), cat.parking.excl), cat.reservation.excl),
    incl: add(add(add(add(cat.fixed.incl, cat.energy.incl), cat.time.incl), cat.parking.incl), cat.reservation.incl),
  };
}

function derivedIncl(newExcl: Exact, excl: Exact, incl: Exact, tariff: FastTariff): Exact {
  if (compare(excl, EXACT_ZERO) > 0) return div(mul(incl, newExcl), excl);
  return mul(newExcl, tariff.uniformVatFactor ?? EXACT_ONE);
}

/** applyPriceLimits() of cost-totals.ts. */
export function applyLimits(raw: ExactMoney, tariff: FastTariff, decimals: number): { total: ExactMoney; limits: PriceLimit[] } {
  const limits: PriceLimit[] = [];
  let { excl, incl } = raw;
  const record = (bound: PriceLimit['bound'], field: PriceLimit['field'], before: Exact, after: Exact, derived: boolean) => {
    if (compare(before, after) !== 0) limits.push({ bound, field, before: toWireNumber(before, decimals), after: toWireNumber(after, decimals), derived });
  };
  // maxDec keeps the first on a tie, minDec too; equal values are the same number either way.
  const atLeast = (a: Exact, b: Exact) => (compare(a, b) >= 0 ? a : b);
  const atMost = (a: Exact, b: Exact) => (compare(a, b) <= 0 ? a : b);
  const bounds: ['min_price' | 'max_price', FastTariff['minPrice'], (a: Exact, b: Exact) => Exact][] = [
    ['min_price', tariff.minPrice, atLeast],
    ['max_price', tariff.maxPrice, atMost],
  ];
  for (const [name, bound, clamp] of bounds) {
    if (!bound) continue;
    const newExcl = clamp(excl, bound.excl);
    let newIncl: Exact;
    let derived = false;
    if (bound.incl !== null) newIncl = clamp(incl, bound.incl);
    else if (compare(newExcl, excl) !== 0) {
      newIncl = derivedIncl(newExcl, excl, incl, tariff);
      derived = true;
    } else newIncl = incl;
    record(name, 'excl_vat', excl, newExcl, false);
    record(name, 'incl_vat', incl, newIncl, derived);
    excl = newExcl;
    incl = newIncl;
  }
  return { total: { excl, incl }, limits };
}
