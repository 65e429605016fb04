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
import { Dec, ZERO, ceilToStep, dec } from './decimal.js';
import type { UsageDimension } from './price-types.js';

export interface Usage {
  readonly periodIndex: number;
  readonly group: UsageDimension;
  /** kWh for ENERGY, seconds for the time groups; already >= 0. */
  readonly quantity: Dec;
  readonly component: CompiledComponent | null;
}

export interface StepExtra {
  readonly group: UsageDimension;
  readonly rule: string;
  readonly component: CompiledComponent;
  readonly periodIndex: number;
  readonly measured: Dec;
  readonly billed: Dec;
  readonly extra: Dec;
}

function roundGroup(usages: readonly Usage[], group: UsageDimension, rule: string): StepExtra | null {
  let total = ZERO;
  let last: Usage | null = null;
  for (const u of usages) {
    if (u.group !== group || u.component === null || !u.quantity.gt(0)) continue;
    total = total.plus(u.quantity);
    last = u;
  }
  if (last === null || last.component === null) return null;
  // ENERGY steps are in Wh while the quantity is in kWh; time steps and quantities are seconds.
  const step = group === 'ENERGY' ? dec(last.component.stepSize).div(1000) : dec(last.component.stepSize);
  const billed = ceilToStep(total, step);
  return { group, rule, component: last.component, periodIndex: last.periodIndex, measured: total, billed, extra: billed.minus(total) };
}

function billableTotal(usages: readonly Usage[], group: UsageDimension): Dec {
  return usages.reduce((sum, u) => (u.group === group && u.component !== null && u.quantity.gt(0) ? sum.plus(u.quantity) : sum), ZERO);
}

/** The roundings to add, one per group at most (an exact multiple yields extra 0). */
export function stepRoundings(usages: readonly Usage[]): StepExtra[] {
  const out: StepExtra[] = [];
  const energy = roundGroup(usages, 'ENERGY', 'S1/S4: session energy total rounded up with the step_size of the last ENERGY component used');
  if (energy) out.push(energy);
  const time = billableTotal(usages, 'PARKING_TIME').gt(0)
    ? roundGroup(usages, 'PARKING_TIME', 'S6: charging time is not rounded; the parking total is rounded with the step_size of the last PARKING_TIME component used')
    : roundGroup(usages, 'TIME', 'S1/S6: no billable parking, so the charging time total is rounded with the step_size of the last TIME component used');
  if (time) out.push(time);
  const reservation = roundGroup(usages, 'RESERVATION_TIME', 'reservation time total rounded on its own with the step_size of the last reservation TIME component used');
  if (reservation) out.push(reservation);
  return out;
}
