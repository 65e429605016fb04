/**
 * Charging periods from a meter timeline, cut wherever the component in force for some
 * dimension could change: time-of-day, date and weekday boundaries (DST-aware), kWh and
 * duration thresholds, power/current crossing a threshold, charging -> parking, the end of a
 * reservation and tariff switches. Adjacent pieces that price alike are merged again, so a CDR
 * carries as few periods as the spec allows and no fewer.
 *
 * The cut points are chosen so that price() on the emitted periods, which reads each period at
 * its start, sees exactly what was in force throughout the period.
 */
import { formatDateTime } from '../model/primitives.js';
import type { CdrDimension, ChargingPeriod } from '../model/cdr.js';
import type { CompiledTariff } from './compiled-tariff.js';
import { Dec, ZERO, dec, kwhToMwh, maxDec, minDec, msToHours } from './decimal.js';
import { selectForReservation, selectForSession, selectionKey } from './element-selection.js';
import { PricingInputError } from './errors.js';
import { LocalClock, isValidTimeZone } from './local-time.js';
import { parseTimeline, type MeterState, type TimelineSegment } from './meter-timeline.js';
import { compileAll, type TariffLike } from './price.js';
import type { PricingContext } from './price-types.js';

export interface TimelineOptions {
  /** IANA time zone of the location. */
  timeZone: string;
  /** Overrides the default (a reservation that never turned into a session expired). */
  reservationExpired?: boolean | null;
}

export interface GeneratedPeriods {
  charging_periods: ChargingPeriod[];
  /** The context under which price() reproduces the generator's view of the session. */
  context: PricingContext;
  start_date_time: string;
  end_date_time: string;
}

interface Piece {
  readonly startMs: number;
  readonly endMs: number;
  readonly energyStart: Dec;
  readonly energyEnd: Dec;
  readonly segment: TimelineSegment;
}

interface PeriodDraft {
  key: string;
  startMs: number;
  tariff: CompiledTariff;
  state: MeterState;
  energy: Dec;
  ms: number;
  powerMin: Dec | null;
  powerMax: Dec | null;
  powerExplicit: boolean;
  currentMin: Dec | null;
  currentMax: Dec | null;
  currentKnown: boolean;
}

/** Which side of every threshold a value lies on: min bounds are >=, max bounds are <. */
function band(value: Dec | null, thresholds: readonly Dec[]): string {
  if (thresholds.length === 0) return '';
  if (value === null) return 'u';
  let n = 0;
  for (const t of thresholds) if (value.gte(t)) n++;
  return String(n);
}

function interpolate(seg: TimelineSegment, ms: number): Dec {
  if (ms <= seg.startMs) return seg.energyStart;
  if (ms >= seg.endMs) return seg.energyEnd;
  const share = dec(ms - seg.startMs).div(seg.endMs - seg.startMs);
  return seg.energyStart.plus(seg.energyEnd.minus(seg.energyStart).times(share)).toDecimalPlaces(6);
}

/** Splits a segment at the global time cuts and at its own kWh-threshold crossings. */
function piecesOf(seg: TimelineSegment, timeCuts: readonly number[]): Piece[] {
  const pinned = new Map<number, Dec>();
  for (const c of timeCuts) if (c > seg.startMs && c < seg.endMs) pinned.set(c, interpolate(seg, c));
  if (seg.state !== 'RESERVATION' && seg.energyEnd.gt(seg.energyStart)) {
    for (const thr of seg.tariff.thresholds.kwh) {
      if (!(thr.gt(seg.energyStart) && thr.lt(seg.energyEnd))) continue;
      const share = thr.minus(seg.energyStart).div(seg.energyEnd.minus(seg.energyStart));
      // Rounded up to the next millisecond and pinned to the threshold itself, so the next
      // period starts with exactly min_kwh delivered and never a hair below it.
      const ms = dec(seg.startMs)
        .plus(share.times(seg.endMs - seg.startMs))
        .ceil()
        .toNumber();
      if (ms >= seg.endMs) continue;
      const prev = pinned.get(ms);
      pinned.set(ms, prev ? maxDec(prev, thr) : thr);
    }
  }
  // Every pinned cut lies strictly inside the segment: the segment's end closes the list.
  const points: Array<[number, Dec]> = [...pinned.entries()].sort(([a], [b]) => a - b);
  const pieces: Piece[] = [];
  let from = seg.startMs;
  let energyFrom = seg.energyStart;
  for (const [ms, energyTo] of [...points, [seg.endMs, seg.energyEnd] as [number, Dec]]) {
    if (ms > from) pieces.push({ startMs: from, endMs: ms, energyStart: energyFrom, energyEnd: energyTo, segment: seg });
    from = ms;
    energyFrom = energyTo;
  }
  return pieces;
}

function globalTimeCuts(clock: LocalClock, tariffs: readonly CompiledTariff[], startMs: number, endMs: number, phaseStarts: (number | null)[]): number[] {
  const wall = new Set<number>();
  const cuts = new Set<number>();
  for (const t of tariffs) {
    t.thresholds.wallTimesMs.forEach((w) => wall.add(w));
    for (const d of t.thresholds.durationMs) for (const p of phaseStarts) if (p !== null) cuts.add(p + d);
  }
  for (const c of clock.wallBoundaries(
    startMs,
    endMs,
    [...wall].sort((a, b) => a - b),
  ))
    cuts.add(c);
  return [...cuts].filter((c) => c > startMs && c < endMs).sort((a, b) => a - b);
}

function dimensionsOf(d: PeriodDraft): CdrDimension[] {
  const hours = msToHours(d.ms);
  const out: CdrDimension[] = [];
  if (d.state === 'RESERVATION') return [{ type: 'RESERVATION_TIME', volume: hours }];
  if (d.state === 'CHARGING') out.push({ type: 'ENERGY', volume: d.energy.toNumber() }, { type: 'TIME', volume: hours });
  else {
    out.push({ type: 'PARKING_TIME', volume: hours });
    if (!d.energy.isZero()) out.push({ type: 'ENERGY', volume: d.energy.toNumber() });
  }
  // Power figures are reported when measured, and also when a power restriction needs them for
  // the CDR to be re-priced by the receiver exactly as we priced it.
  const wantPower = d.powerExplicit || d.tariff.thresholds.powerKw.length > 0;
  if (d.state === 'CHARGING' && wantPower && d.powerMin && d.powerMax) {
    out.push({ type: 'MIN_POWER', volume: d.powerMin.toNumber() }, { type: 'MAX_POWER', volume: d.powerMax.toNumber() });
  }
  if (d.state === 'CHARGING' && d.currentKnown && d.currentMin && d.currentMax) {
    out.push({ type: 'MIN_CURRENT', volume: d.currentMin.toNumber() }, { type: 'MAX_CURRENT', volume: d.currentMax.toNumber() });
  }
  return out;
}

/**
 * Builds the charging periods of a session from its meter timeline. `tariffs`: the session's
 * tariff, or several when the timeline switches between them (the first is in force at start).
 */
export function chargingPeriodsFromTimeline(timeline: unknown, tariffs: TariffLike | readonly TariffLike[], options: TimelineOptions): GeneratedPeriods {
  if (!options || !isValidTimeZone(options.timeZone)) {
    throw new PricingInputError([{ field: 'options.timeZone', message: 'must be an IANA time zone name such as Europe/Amsterdam' }]);
  }
  const compiled = compileAll(tariffs);
  const tl = parseTimeline(timeline, compiled);
  const clock = new LocalClock(options.timeZone);
  const expired = options.reservationExpired ?? (tl.reservationStartMs !== null && tl.sessionStartMs === null);
  const timeCuts = globalTimeCuts(clock, compiled, tl.startMs, tl.endMs, [tl.sessionStartMs, tl.reservationStartMs]);

  const drafts: PeriodDraft[] = [];
  for (const seg of tl.segments) {
    for (const piece of piecesOf(seg, timeCuts)) {
      const t = seg.tariff;
      const reserving = seg.state === 'RESERVATION';
      const phaseStart = (reserving ? tl.reservationStartMs : tl.sessionStartMs) ?? piece.startMs;
      const state = {
        local: clock.view(piece.startMs),
        energyMwh: reserving ? 0 : kwhToMwh(piece.energyStart),
        durationMs: piece.startMs - phaseStart,
        powerKw: seg.powerKw,
        currentA: seg.currentA,
      };
      const selection = reserving ? selectForReservation(t, state, expired) : selectForSession(t, state);
      const key = [seg.state, t.id, selectionKey(selection), band(seg.powerKw, t.thresholds.powerKw), band(seg.currentA, t.thresholds.currentA)].join('/');
      const ms = piece.endMs - piece.startMs;
      const energy = piece.energyEnd.minus(piece.energyStart);
      const last = drafts[drafts.length - 1];
      if (last && last.key === key) {
        last.ms += ms;
        last.energy = last.energy.plus(energy);
        last.powerMin = minDec(last.powerMin ?? seg.powerKw, seg.powerKw);
        last.powerMax = maxDec(last.powerMax ?? seg.powerKw, seg.powerKw);
        last.powerExplicit ||= seg.powerExplicit;
        last.currentKnown &&= seg.currentA !== null;
        if (seg.currentA) {
          last.currentMin = minDec(last.currentMin ?? seg.currentA, seg.currentA);
          last.currentMax = maxDec(last.currentMax ?? seg.currentA, seg.currentA);
        }
        continue;
      }
      drafts.push({
        key,
        startMs: piece.startMs,
        tariff: t,
        state: seg.state,
        energy,
        ms,
        powerMin: seg.powerKw,
        powerMax: seg.powerKw,
        powerExplicit: seg.powerExplicit,
        currentMin: seg.currentA,
        currentMax: seg.currentA,
        currentKnown: seg.currentA !== null,
      });
    }
  }
  if (drafts.length === 0) {
    // A CDR needs at least one period, even for a session that lasted no time at all.
    const reserving = tl.sessionStartMs === null;
    drafts.push({
      key: '',
      startMs: tl.startMs,
      tariff: compiled[0],
      state: reserving ? 'RESERVATION' : 'CHARGING',
      energy: ZERO,
      ms: 0,
      powerMin: null,
      powerMax: null,
      powerExplicit: false,
      currentMin: null,
      currentMax: null,
      currentKnown: false,
    });
  }

  const charging_periods: ChargingPeriod[] = drafts.map((d) => ({
    start_date_time: formatDateTime(new Date(d.startMs)),
    dimensions: dimensionsOf(d),
    tariff_id: d.tariff.id,
  }));
  return {
    charging_periods,
    context: {
      timeZone: options.timeZone,
      sessionStart: tl.sessionStartMs === null ? null : formatDateTime(new Date(tl.sessionStartMs)),
      sessionEnd: formatDateTime(new Date(tl.endMs)),
      reservationExpired: expired,
    },
    start_date_time: formatDateTime(new Date(tl.startMs)),
    end_date_time: formatDateTime(new Date(tl.endMs)),
  };
}
