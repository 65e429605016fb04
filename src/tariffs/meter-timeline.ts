/**
 * What a charge point tells us about a session, as a timeline of events: state changes,
 * cumulative meter readings, power and current samples, and tariff switches (a changed
 * charging profile). This file turns it into segments within which nothing reported changes.
 *
 * Between samples: energy is linear between readings (that is what a register between two
 * reads allows), while power, current and state hold their last reported value.
 */
import { z } from 'zod';
import { DateTime, ciEquals, ciString, parseDateTime } from '../model/primitives.js';
import type { CompiledTariff } from './compiled-tariff.js';
import { Dec, MS_PER_HOUR, ZERO, dec, snapKwh } from './decimal.js';
import { PricingInputError, zodIssues } from './errors.js';

/**
 * CHARGING: the EV requests power, whether or not the EVSE delivers it (OCPP Charging and
 * SuspendedEVSE). PARKING: connected but the EV requests no power (OCPP SuspendedEV, Finishing),
 * the errata's meaning of PARKING_TIME. RESERVATION: reserved, session not started yet.
 */
export const MeterState = z.enum(['RESERVATION', 'CHARGING', 'PARKING']);
export type MeterState = z.infer<typeof MeterState>;

export const MeterEvent = z.object({
  at: DateTime,
  state: MeterState.nullish(),
  /** Cumulative energy register, kWh. Only differences matter. */
  meter_kwh: z.number().min(0).nullish(),
  power_kw: z.number().nullish(),
  current_a: z.number().nullish(),
  /** From this instant on, this tariff applies (e.g. after a charging-preference change). */
  tariff_id: ciString(36).nullish(),
});
export type MeterEvent = z.infer<typeof MeterEvent>;

export const MeterTimeline = z.object({
  /** Session start, or reservation start when the first state is RESERVATION. */
  start: DateTime,
  end: DateTime,
  events: z.array(MeterEvent),
});
export type MeterTimeline = z.infer<typeof MeterTimeline>;
export type MeterTimelineInput = z.input<typeof MeterTimeline>;

export interface TimelineSegment {
  readonly startMs: number;
  readonly endMs: number;
  readonly state: MeterState;
  readonly tariff: CompiledTariff;
  /** Session energy (kWh since the timeline start) at both ends. */
  readonly energyStart: Dec;
  readonly energyEnd: Dec;
  /** Charging power in force, explicit or averaged from the register; 0 when not charging. */
  readonly powerKw: Dec;
  readonly powerExplicit: boolean;
  /** Summed current in force; 0 when not charging, null when never reported. */
  readonly currentA: Dec | null;
}

export interface ParsedTimeline {
  readonly startMs: number;
  readonly endMs: number;
  readonly segments: TimelineSegment[];
  /** First instant not in RESERVATION; null for a reservation that never became a session. */
  readonly sessionStartMs: number | null;
  readonly reservationStartMs: number | null;
}

const at = (iso: string) => {
  const parsed = parseDateTime(iso);
  if (!parsed) throw new Error(`${iso} passed the DateTime schema, yet does not parse`);
  return parsed.getTime();
};

/** Energy register as a piecewise-linear function of time, relative to its first reading. */
function energyCurve(readings: { ms: number; kwh: Dec }[]): (ms: number) => Dec {
  if (readings.length === 0) return () => ZERO;
  const base = readings[0].kwh;
  return (ms) => {
    if (ms <= readings[0].ms) return ZERO;
    for (let i = 1; i < readings.length; i++) {
      const b = readings[i];
      if (ms <= b.ms) {
        const a = readings[i - 1];
        const share = dec(ms - a.ms).div(b.ms - a.ms);
        return snapKwh(a.kwh.plus(b.kwh.minus(a.kwh).times(share)).minus(base));
      }
    }
    return snapKwh(readings[readings.length - 1].kwh.minus(base));
  };
}

export function parseTimeline(input: unknown, tariffs: readonly CompiledTariff[]): ParsedTimeline {
  const parsed = MeterTimeline.safeParse(input);
  if (!parsed.success) throw new PricingInputError(zodIssues(parsed.error, 'timeline'));
  const tl = parsed.data;
  const startMs = at(tl.start);
  const endMs = at(tl.end);
  if (endMs < startMs) throw new PricingInputError([{ field: 'timeline.end', message: 'must not be before timeline.start' }]);

  const events = tl.events.map((e, i) => ({ ...e, i, ms: at(e.at) })).sort((a, b) => a.ms - b.ms || a.i - b.i);
  const readings: { ms: number; kwh: Dec }[] = [];
  for (const e of events) {
    if (e.ms < startMs || e.ms > endMs) {
      throw new PricingInputError([{ field: `timeline.events[${e.i}].at`, message: 'lies outside timeline.start..timeline.end' }]);
    }
    if (e.tariff_id != null && !tariffs.some((t) => ciEquals(t.id, e.tariff_id))) {
      throw new PricingInputError([{ field: `timeline.events[${e.i}].tariff_id`, message: `names tariff "${e.tariff_id}", which was not supplied` }]);
    }
    if (e.meter_kwh != null) {
      const kwh = dec(e.meter_kwh);
      const prev = readings[readings.length - 1];
      if (prev && kwh.lt(prev.kwh)) {
        throw new PricingInputError([{ field: `timeline.events[${e.i}].meter_kwh`, message: 'goes down; a cumulative energy register never decreases' }]);
      }
      if (prev && prev.ms === e.ms) prev.kwh = kwh;
      else readings.push({ ms: e.ms, kwh });
    }
  }
  const energyAt = energyCurve(readings);

  const cuts = [...new Set([startMs, endMs, ...events.map((e) => e.ms)])].sort((a, b) => a - b);
  let state: MeterState = 'CHARGING';
  let tariff = tariffs[0];
  let power: Dec | null = null;
  let current: Dec | null = null;
  let sessionStartMs: number | null = null;
  let reservationStartMs: number | null = null;
  let next = 0;
  const segments: TimelineSegment[] = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    const a = cuts[k];
    const b = cuts[k + 1];
    for (; next < events.length && events[next].ms <= a; next++) {
      const e = events[next];
      if (e.state != null) {
        if (e.state === 'RESERVATION' && sessionStartMs !== null) {
          throw new PricingInputError([{ field: `timeline.events[${e.i}].state`, message: 'a reservation cannot follow the start of the session' }]);
        }
        state = e.state;
      }
      if (e.tariff_id != null) {
        const named = tariffs.find((t) => ciEquals(t.id, e.tariff_id));
        if (!named) throw new Error(`tariff_id ${e.tariff_id} was checked against the supplied tariffs above`);
        tariff = named;
      }
      if (e.power_kw != null) power = dec(e.power_kw);
      if (e.current_a != null) current = dec(e.current_a);
    }
    if (state === 'RESERVATION') reservationStartMs ??= a;
    else sessionStartMs ??= a;
    const energyStart = energyAt(a);
    const energyEnd = energyAt(b);
    const charging = state === 'CHARGING';
    // Held at the precision of the JSON number it will be reported as (MIN/MAX_POWER), so a
    // receiver re-pricing the CDR compares exactly what we compared.
    const averaged =
      b > a
        ? dec(
            energyEnd
              .minus(energyStart)
              .div(dec(b - a).div(MS_PER_HOUR))
              .toNumber(),
          )
        : ZERO;
    segments.push({
      startMs: a,
      endMs: b,
      state,
      tariff,
      energyStart,
      energyEnd,
      powerKw: charging ? (power ?? averaged) : ZERO,
      powerExplicit: charging && power !== null,
      currentA: charging ? current : ZERO,
    });
  }
  if (segments.length === 0) {
    // A zero-length timeline still has a state at its single instant.
    const first = events.find((e) => e.state != null)?.state ?? 'CHARGING';
    if (first === 'RESERVATION') reservationStartMs = startMs;
    else sessionStartMs = startMs;
  }
  return { startMs, endMs, segments, sessionStartMs, reservationStartMs };
}
