/**
 * step_size, applied once per session (rules S1-S9 of the digest, from the CDR module):
 * - ENERGY is rounded once, on the session total (S1, S4, S5).
 * - TIME and PARKING_TIME are one group: when there is billable parking only the parking total
 *   is rounded, otherwise the charging total (S6).
 * - Reservation time is a group of its own (our reading; see docs/tariffs.md).
 * Only quantities under an active component count, the step is that of the last billable
 * period's component, and the extra is billed at that component's price (S2, S3, S8).
 * Nothing restarts at a tariff switch (S7); FLAT has no step (S9).
 */
import type { CompiledComponent } from './compiled-tariff.js';
import { ceilToStep } from './decimal.js';
import type { UsageDimension } from './price-types.js';

export interface Usage {
  readonly periodIndex: number;
  readonly group: UsageDimension;
  /** mWh for ENERGY, ms for the time groups; an integer >= 0. */
  readonly quantity: number;
  readonly component: CompiledComponent | null;
}

export interface StepExtra {
  readonly group: UsageDimension;
  readonly rule: string;
  readonly component: CompiledComponent;
  readonly periodIndex: number;
  readonly measured: number;
  readonly billed: number;
  readonly extra: number;
}

/** Sum of the quantities of `group` billed under some component. */
export function billableTotal(usages: readonly Usage[], group: UsageDimension): number {
  let total = 0;
  for (const u of usages) if (u.group === group && u.component !== null && u.quantity > 0) total += u.quantity;
  return total;
}

function roundGroup(usages: readonly Usage[], group: UsageDimension, rule: string): StepExtra | null {
  let last: Usage | null = null;
  for (const u of usages) if (u.group === group && u.component !== null && u.quantity > 0) last = u;
  if (last === null || last.component === null) return null;
  const measured = billableTotal(usages, group);
  const billed = ceilToStep(measured, last.component.stepUnits);
  return { group, rule, component: last.component, periodIndex: last.periodIndex, measured, billed, extra: billed - measured };
}

/** The rule each rounding names in a price result (shared with the fast engine). */
export const STEP_RULES = {
  energy: 'S1/S4: session energy total rounded up with the step_size of the last ENERGY component used',
  parking: 'S6: charging time is not rounded; the parking total is rounded with the step_size of the last PARKING_TIME component used',
  time: 'S1/S6: no billable parking, so the charging time total is rounded with the step_size of the last TIME component used',
  reservation: 'reservation time total rounded on its own with the step_size of the last reservation TIME component used',
} as const;

/** The roundings to add, one per group at most (an exact multiple yields extra 0). */
export function stepRoundings(usages: readonly Usage[]): StepExtra[] {
  const out: StepExtra[] = [];
  const energy = roundGroup(usages, 'ENERGY', STEP_RULES.energy);
  if (energy) out.push(energy);
  const time = billableTotal(usages, 'PARKING_TIME') > 0 ? roundGroup(usages, 'PARKING_TIME', STEP_RULES.parking) : roundGroup(usages, 'TIME', STEP_RULES.time);
  if (time) out.push(time);
  const reservation = roundGroup(usages, 'RESERVATION_TIME', STEP_RULES.reservation);
  if (reservation) out.push(reservation);
  return out;
}
