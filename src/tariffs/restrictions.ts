/**
 * Does an element's restriction hold at one instant of the session? All bounds follow the spec:
 * min inclusive, max exclusive; a time window whose end is before its start wraps midnight.
 */
import { DAY_MS, type CompiledRestrictions } from './compiled-tariff.js';
import type { Dec } from './decimal.js';
import type { LocalView } from './local-time.js';

export interface InstantState {
  readonly local: LocalView;
  /** Energy delivered in the session before this instant, mWh (an integer). */
  readonly energyMwh: number;
  /** Time since the phase started (session start, or reservation start), ms. */
  readonly durationMs: number;
  /** Charging power, kW; null when the input does not tell. */
  readonly powerKw: Dec | null;
  /** Charging current summed over phases, A; null when the input does not tell. */
  readonly currentA: Dec | null;
}

/** Which quantities a restriction needed but the input did not give (reported as warnings). */
export interface UnknownQuantities {
  power: boolean;
  current: boolean;
}

export function timeWindowHolds(startMs: number | null, endMs: number | null, msOfDay: number): boolean {
  if (startMs === null && endMs === null) return true;
  const start = startMs ?? 0;
  const end = endMs ?? DAY_MS;
  // Equal bounds are not defined by the spec; read as "all day" (the only non-empty reading).
  if (start === end) return true;
  if (start < end) return msOfDay >= start && msOfDay < end;
  return msOfDay >= start || msOfDay < end;
}

function inRange(value: Dec, min: Dec | null, max: Dec | null): boolean {
  if (min !== null && value.lt(min)) return false;
  if (max !== null && value.gte(max)) return false;
  return true;
}

export function restrictionsHold(r: CompiledRestrictions | null, s: InstantState, unknown?: UnknownQuantities): boolean {
  if (r === null) return true;
  if (!timeWindowHolds(r.startTimeMs, r.endTimeMs, s.local.msOfDay)) return false;
  if (r.startDate !== null && s.local.date < r.startDate) return false;
  if (r.endDate !== null && s.local.date >= r.endDate) return false;
  if (r.days !== null && !r.days.has(s.local.weekday)) return false;
  if (r.minMwh !== null && s.energyMwh < r.minMwh) return false;
  if (r.maxMwh !== null && s.energyMwh >= r.maxMwh) return false;
  if (r.minDurationMs !== null && s.durationMs < r.minDurationMs) return false;
  if (r.maxDurationMs !== null && s.durationMs >= r.maxDurationMs) return false;
  if (r.minPower !== null || r.maxPower !== null) {
    // Without a power figure the element cannot be shown to apply; it falls through to the
    // next element instead of guessing, and the caller reports it.
    if (s.powerKw === null) {
      if (unknown) unknown.power = true;
      return false;
    }
    if (!inRange(s.powerKw, r.minPower, r.maxPower)) return false;
  }
  if (r.minCurrent !== null || r.maxCurrent !== null) {
    if (s.currentA === null) {
      if (unknown) unknown.current = true;
      return false;
    }
    if (!inRange(s.currentA, r.minCurrent, r.maxCurrent)) return false;
  }
  return true;
}
