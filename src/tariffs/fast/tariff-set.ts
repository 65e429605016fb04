/**
 * What a session needs to know about its list of tariffs, prepared once: the fast form of each
 * tariff, the lookup by tariff_id, which figures the restrictions read, the tariffs' warnings,
 * and whether the list can take the fast path at all. Kept per CompiledTariff for the common
 * single-tariff list.
 */
import { ciKey } from '../../model/primitives.js';
import type { CompiledTariff } from '../compiled-tariff.js';
import { type FastComponent, type FastTariff, fastTariffOf } from './fast-tariff.js';

/** What a session needs to know about its list of tariffs; the same for every call with one tariff. */
export interface TariffSet {
  readonly tariffs: readonly FastTariff[];
  /** Why the list goes to the reference engine, or null. */
  readonly unusable: string | null;
  readonly byId: ReadonlyMap<string, FastTariff>;
  /** The order of components_used: tariff position in the list, element, component. */
  readonly componentOrder: (a: FastComponent, b: FastComponent) => number;
  readonly needsPower: boolean;
  readonly needsCurrent: boolean;
  readonly readsClock: boolean;
  readonly warnings: readonly string[];
}

function tariffSetOf(compiled: readonly CompiledTariff[]): TariffSet {
  const tariffs = compiled.map(fastTariffOf);
  const byId = new Map<string, FastTariff>();
  let unusable: string | null = null;
  for (const t of tariffs) {
    if (!t.usable) unusable = 'tariff bound';
    // Components are keyed by tariff id in the reference: two tariffs of one id share keys.
    else if (tariffs.some((o) => o !== t && o.id === t.id)) unusable = 'tariff id';
    const key = ciKey(t.id);
    if (!byId.has(key)) byId.set(key, t);
  }
  const order = new Map<string, number>();
  compiled.forEach((t, i) => {
    if (!order.has(t.id)) order.set(t.id, i);
  });
  const warnings: string[] = [];
  for (const t of compiled) for (const w of t.warnings) warnings.push(`tariff ${t.id}: ${w}`);
  return {
    tariffs,
    unusable,
    byId,
    componentOrder:
      compiled.length === 1
        ? (a, b) => a.elementIndex - b.elementIndex || a.componentIndex - b.componentIndex
        : (a, b) => (order.get(a.tariffId) ?? -1) - (order.get(b.tariffId) ?? -1) || a.elementIndex - b.elementIndex || a.componentIndex - b.componentIndex,
    needsPower: compiled.some((t) => t.thresholds.powerKw.length > 0),
    needsCurrent: compiled.some((t) => t.thresholds.currentA.length > 0),
    readsClock: tariffs.some((t) => t.readsClock),
    warnings,
  };
}

const singleSets = new WeakMap<CompiledTariff, TariffSet>();

export function tariffSet(compiled: readonly CompiledTariff[]): TariffSet {
  if (compiled.length !== 1) return tariffSetOf(compiled);
  let set = singleSets.get(compiled[0]);
  if (!set) {
    set = tariffSetOf(compiled);
    singleSets.set(compiled[0], set);
  }
  return set;
}
