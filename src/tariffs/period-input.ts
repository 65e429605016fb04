/**
 * Turns OCPI ChargingPeriods into exact quantities per period: seconds charging, parking and
 * reserved, kWh delivered, and the power/current figure restrictions are compared with.
 */
import { ciEquals, parseDateTime } from '../ocpi/types.js';
import { ChargingPeriod, type CdrDimensionType } from './cdr-schemas.js';
import type { CompiledTariff } from './compiled-tariff.js';
import { Dec, MS_PER_HOUR, ZERO, dec, hoursToSeconds, snapKwh } from './decimal.js';
import { PricingInputError, zodIssues, type FieldIssue } from './errors.js';

export interface NormalizedPeriod {
  readonly index: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly tariff: CompiledTariff | null;
  /** Net energy of the period, kWh (negative means net feed-in). */
  readonly energyKwh: Dec;
  readonly chargingS: Dec;
  readonly parkingS: Dec;
  readonly reservationS: Dec;
  readonly hasSessionPart: boolean;
  readonly hasReservationPart: boolean;
  readonly powerKw: Dec | null;
  readonly currentA: Dec | null;
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

function midpoint(min: Dec | undefined, max: Dec | undefined): Dec | null {
  if (min && max) return min.plus(max).div(2);
  return min ?? max ?? null;
}

/**
 * The figure a power/current restriction is compared with. Preference order: an explicit
 * average, the middle of the reported min/max (a period is cut wherever a threshold is
 * crossed, so min and max sit on the same side of every threshold), the energy/time average,
 * and 0 when the period holds no charging at all.
 */
function powerOf(v: Map<CdrDimensionType, Dec>, energy: Dec, durationMs: number): Dec | null {
  const explicit = v.get('POWER') ?? midpoint(v.get('MIN_POWER'), v.get('MAX_POWER'));
  if (explicit) return explicit;
  const charging = v.get('TIME');
  if (charging && charging.gt(0)) return energy.div(charging);
  if (charging !== undefined || v.has('PARKING_TIME') || energy.isZero()) return ZERO;
  // Only energy reported: the whole period is taken as charging time.
  return durationMs > 0 ? energy.div(dec(durationMs).div(MS_PER_HOUR)) : null;
}

function currentOf(v: Map<CdrDimensionType, Dec>, energy: Dec): Dec | null {
  const explicit = v.get('CURRENT') ?? midpoint(v.get('MIN_CURRENT'), v.get('MAX_CURRENT'));
  if (explicit) return explicit;
  const charging = v.get('TIME');
  if ((charging !== undefined && charging.isZero()) || (charging === undefined && (v.has('PARKING_TIME') || energy.isZero()))) return ZERO;
  return null;
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

export function normalizePeriods(
  periods: readonly ChargingPeriod[],
  tariffs: readonly CompiledTariff[],
  sessionEndMs: number,
  warnings: string[],
): NormalizedPeriod[] {
  const starts = periods.map((p) => parseDateTime(p.start_date_time)!.getTime());
  starts.forEach((ms, index) => {
    if (index > 0 && ms < starts[index - 1]) {
      throw new PricingInputError([{ field: `${FIELD}[${index}].start_date_time`, message: 'is before the start of the previous period; periods must be in time order' }]);
    }
  });
  return periods.map((p, index) => {
    const startMs = starts[index];
    const endMs = index + 1 < periods.length ? starts[index + 1] : sessionEndMs;
    if (endMs < startMs) {
      throw new PricingInputError([{ field: `${FIELD}[${index}].start_date_time`, message: 'is after the session end' }]);
    }
    const volumes = new Map<CdrDimensionType, Dec>();
    p.dimensions.forEach((d, i) => {
      if (volumes.has(d.type)) {
        throw new PricingInputError([{ field: `${FIELD}[${index}].dimensions[${i}].type`, message: `${d.type} appears twice in one period` }]);
      }
      const isTime = d.type === 'TIME' || d.type === 'PARKING_TIME' || d.type === 'RESERVATION_TIME';
      if (isTime && d.volume < 0) {
        throw new PricingInputError([{ field: `${FIELD}[${index}].dimensions[${i}].volume`, message: `${d.type} must not be negative` }]);
      }
      volumes.set(d.type, isTime ? hoursToSeconds(d.volume) : d.type.startsWith('ENERGY') ? snapKwh(d.volume) : dec(d.volume));
    });
    const energyKwh = volumes.get('ENERGY') ?? volumes.get('ENERGY_IMPORT')?.minus(volumes.get('ENERGY_EXPORT') ?? ZERO) ?? ZERO;
    const chargingS = volumes.get('TIME') ?? ZERO;
    const parkingS = volumes.get('PARKING_TIME') ?? ZERO;
    const reservationS = volumes.get('RESERVATION_TIME') ?? ZERO;
    const hasReservationPart = volumes.has('RESERVATION_TIME');
    const hasSessionPart =
      !hasReservationPart || ['ENERGY', 'ENERGY_IMPORT', 'TIME', 'PARKING_TIME'].some((t) => volumes.has(t as CdrDimensionType));
    const spanS = dec(endMs - startMs).div(1000);
    if (chargingS.plus(parkingS).plus(reservationS).gt(spanS.plus(1))) {
      warnings.push(`${FIELD}[${index}]: its time dimensions add up to more than the period lasts (${spanS.toString()} s); volumes are in hours`);
    }
    if (energyKwh.isNegative()) {
      warnings.push(`${FIELD}[${index}]: net energy is negative (feed-in); OCPI 2.2.1 tariffs price no export, so it is billed as 0 kWh`);
    }
    // Time volumes are in hours: convert back for the power average.
    const timeHours = new Map(volumes);
    if (volumes.has('TIME')) timeHours.set('TIME', chargingS.div(3600));
    return {
      index,
      startMs,
      endMs,
      tariff: resolveTariff(p, index, tariffs),
      energyKwh,
      chargingS,
      parkingS,
      reservationS,
      hasSessionPart,
      hasReservationPart,
      powerKw: powerOf(timeHours, energyKwh, endMs - startMs),
      currentA: currentOf(volumes, energyKwh),
    };
  });
}
