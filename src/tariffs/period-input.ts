/**
 * Turns OCPI ChargingPeriods into exact integer quantities per period (ms charging, parked
 * and reserved; mWh delivered) and, when a tariff restricts on them, the power/current figure
 * restrictions are compared with.
 */
import { ciEquals } from '../model/primitives.js';
import { ChargingPeriod, type CdrDimensionType } from '../model/cdr.js';
import type { CompiledTariff } from './compiled-tariff.js';
import { Dec, MS_PER_HOUR, MWH_PER_KWH, ZERO, dec, hoursToMs, kwhToMwh } from './decimal.js';
import { PricingInputError, zodIssues, type FieldIssue } from './errors.js';

export interface NormalizedPeriod {
  readonly index: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly startIso: string;
  readonly endIso: string;
  readonly tariff: CompiledTariff | null;
  /** Net energy of the period, mWh (negative means net feed-in). */
  readonly energyMwh: number;
  readonly chargingMs: number;
  readonly parkingMs: number;
  readonly reservationMs: number;
  readonly hasSessionPart: boolean;
  readonly hasReservationPart: boolean;
  /** Only computed when some tariff restricts on power / current; null otherwise or unknown. */
  readonly powerKw: Dec | null;
  readonly currentA: Dec | null;
}

export interface FigureNeeds {
  power: boolean;
  current: boolean;
}

const FIELD = 'charging_periods';

export function parsePeriods(input: readonly unknown[]): ChargingPeriod[] {
  const issues: FieldIssue[] = [];
  const out: ChargingPeriod[] = [];
  input.forEach((raw, i) => {
    const r = ChargingPeriod.safeParse(raw);
    if (r.success) out.push(r.data);
    else issues.push(...zodIssues(r.error, `${FIELD}[${i}]`));
  });
  if (issues.length > 0) throw new PricingInputError(issues);
  return out;
}

function midpoint(min: number | undefined, max: number | undefined): Dec | null {
  if (min !== undefined && max !== undefined) return dec(min).plus(max).div(2);
  const one = min ?? max;
  return one === undefined ? null : dec(one);
}

/**
 * The figure a power restriction is compared with. Preference order: an explicit average, the
 * middle of the reported min/max (periods are cut wherever a threshold is crossed, so min and
 * max sit on the same side of every threshold), the energy/time average, 0 when the period holds
 * no charging, and for a period that reports energy only, energy over the whole period.
 */
function powerOf(v: Map<CdrDimensionType, number>, energyMwh: number, chargingMs: number, spanMs: number): Dec | null {
  const power = v.get('POWER');
  const explicit = power !== undefined ? dec(power) : midpoint(v.get('MIN_POWER'), v.get('MAX_POWER'));
  if (explicit) return explicit;
  const perHourMwh = (ms: number) => dec(energyMwh).times(MS_PER_HOUR).div(ms).div(MWH_PER_KWH);
  if (chargingMs > 0) return perHourMwh(chargingMs);
  if (v.has('TIME') || v.has('PARKING_TIME') || energyMwh === 0) return ZERO;
  return spanMs > 0 ? perHourMwh(spanMs) : null;
}

function currentOf(v: Map<CdrDimensionType, number>, energyMwh: number, chargingMs: number): Dec | null {
  const current = v.get('CURRENT');
  const explicit = current !== undefined ? dec(current) : midpoint(v.get('MIN_CURRENT'), v.get('MAX_CURRENT'));
  if (explicit) return explicit;
  if (chargingMs > 0) return null;
  return v.has('TIME') || v.has('PARKING_TIME') || energyMwh === 0 ? ZERO : null;
}

function resolveTariff(period: ChargingPeriod, index: number, tariffs: readonly CompiledTariff[]): CompiledTariff | null {
  // An absent tariff_id is read as "the session's tariff": most CPOs leave it out, and reading
  // it literally ("no tariff") would price their whole CDR at zero.
  if (period.tariff_id == null) return tariffs[0] ?? null;
  const found = tariffs.find((t) => ciEquals(t.id, period.tariff_id));
  if (!found) {
    throw new PricingInputError([{ field: `${FIELD}[${index}].tariff_id`, message: `names tariff "${period.tariff_id}", which was not supplied` }]);
  }
  return found;
}

const TIME_DIMENSIONS: ReadonlySet<CdrDimensionType> = new Set(['TIME', 'PARKING_TIME', 'RESERVATION_TIME']);

export function normalizePeriods(
  periods: readonly ChargingPeriod[],
  tariffs: readonly CompiledTariff[],
  session: { endMs: number; endIso: string },
  needs: FigureNeeds,
  warnings: string[],
): NormalizedPeriod[] {
  // The schema has normalised every DateTime to the same ISO form, which Date.parse reads natively.
  const starts = periods.map((p) => Date.parse(p.start_date_time));
  starts.forEach((ms, index) => {
    if (index > 0 && ms < starts[index - 1]) {
      throw new PricingInputError([{ field: `${FIELD}[${index}].start_date_time`, message: 'is before the start of the previous period; periods must be in time order' }]);
    }
  });
  return periods.map((p, index) => {
    const startMs = starts[index];
    const last = index + 1 === periods.length;
    const endMs = last ? session.endMs : starts[index + 1];
    if (endMs < startMs) {
      throw new PricingInputError([{ field: `${FIELD}[${index}].start_date_time`, message: 'is after the session end' }]);
    }
    const raw = new Map<CdrDimensionType, number>();
    p.dimensions.forEach((d, i) => {
      if (raw.has(d.type)) {
        throw new PricingInputError([{ field: `${FIELD}[${index}].dimensions[${i}].type`, message: `${d.type} appears twice in one period` }]);
      }
      if (TIME_DIMENSIONS.has(d.type) && d.volume < 0) {
        throw new PricingInputError([{ field: `${FIELD}[${index}].dimensions[${i}].volume`, message: `${d.type} must not be negative` }]);
      }
      raw.set(d.type, d.volume);
    });
    const ms = (type: CdrDimensionType) => {
      const hours = raw.get(type);
      return hours !== undefined ? hoursToMs(hours) : 0;
    };
    const energy = raw.get('ENERGY');
    const imported = raw.get('ENERGY_IMPORT');
    const exported = raw.get('ENERGY_EXPORT');
    const energyMwh = energy !== undefined ? kwhToMwh(energy) : imported !== undefined ? kwhToMwh(imported) - (exported !== undefined ? kwhToMwh(exported) : 0) : 0;
    const chargingMs = ms('TIME');
    const parkingMs = ms('PARKING_TIME');
    const reservationMs = ms('RESERVATION_TIME');
    const hasReservationPart = raw.has('RESERVATION_TIME');
    const hasSessionPart = !hasReservationPart || raw.has('ENERGY') || raw.has('ENERGY_IMPORT') || raw.has('TIME') || raw.has('PARKING_TIME');
    if (chargingMs + parkingMs + reservationMs > endMs - startMs + 1000) {
      warnings.push(`${FIELD}[${index}]: its time dimensions add up to more than the period lasts (${(endMs - startMs) / 1000} s); volumes are in hours`);
    }
    if (energyMwh < 0) {
      warnings.push(`${FIELD}[${index}]: net energy is negative (feed-in); OCPI 2.2.1 tariffs price no export, so it is billed as 0 kWh`);
    }
    return {
      index,
      startMs,
      endMs,
      startIso: p.start_date_time,
      endIso: last ? session.endIso : periods[index + 1].start_date_time,
      tariff: resolveTariff(p, index, tariffs),
      energyMwh,
      chargingMs,
      parkingMs,
      reservationMs,
      hasSessionPart,
      hasReservationPart,
      powerKw: needs.power ? powerOf(raw, energyMwh, chargingMs, endMs - startMs) : null,
      currentA: needs.current ? currentOf(raw, energyMwh, chargingMs) : null,
    };
  });
}
