/**
 * Wall-clock arithmetic in the location's time zone, on top of luxon's IANA zone data.
 *
 * Restrictions speak local wall-clock time, which is not monotone in real time: on a DST
 * fall-back day 02:30 happens twice and on a spring-forward day not at all. Boundaries are
 * therefore computed as every instant at which the wall clock reaches a given time, plus every
 * offset change (where the wall clock jumps over or back across times).
 */
import { DateTime, IANAZone } from 'luxon';
import { DAY_MS } from './compiled-tariff.js';

export interface LocalView {
  /** Milliseconds since local midnight by the wall clock. */
  readonly msOfDay: number;
  /** Local calendar date `YYYY-MM-DD`. */
  readonly date: string;
  /** ISO weekday, 1 = Monday ... 7 = Sunday. */
  readonly weekday: number;
}

const zoneCache = new Map<string, IANAZone>();
const validity = new Map<string, boolean>();

/** Memoised: luxon builds an Intl.DateTimeFormat to answer, which costs more than pricing a period. */
export function isValidTimeZone(name: string): boolean {
  let ok = validity.get(name);
  if (ok === undefined) {
    ok = IANAZone.isValidZone(name);
    if (validity.size > 1000) validity.clear();
    validity.set(name, ok);
  }
  return ok;
}

const HOUR_MS = 3_600_000;
const MAX_CACHED_HOURS = 200_000;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * Offsets per UTC hour, shared by every clock of a zone. An hour whose start and end have the
 * same offset has it throughout (zones never change twice within an hour); only the rare hour
 * holding a transition is asked instant by instant. luxon answers through Intl, which is slow.
 */
class OffsetCache {
  private readonly hours = new Map<number, number>();

  constructor(private readonly zone: IANAZone) {}

  exact(instant: number): number {
    return this.zone.offset(instant) * 60_000;
  }

  get(instant: number): number {
    const hour = Math.floor(instant / HOUR_MS);
    const cached = this.hours.get(hour);
    if (cached !== undefined) return Number.isNaN(cached) ? this.exact(instant) : cached;
    const start = this.exact(hour * HOUR_MS);
    const end = this.exact((hour + 1) * HOUR_MS - 1);
    if (this.hours.size > MAX_CACHED_HOURS) this.hours.clear();
    this.hours.set(hour, start === end ? start : NaN);
    return start === end ? start : this.exact(instant);
  }
}

const offsetCaches = new Map<string, OffsetCache>();

export class LocalClock {
  private readonly zone: IANAZone;
  private readonly offsets: OffsetCache;

  constructor(readonly timeZone: string) {
    let zone = zoneCache.get(timeZone);
    if (!zone) {
      zone = IANAZone.create(timeZone);
      zoneCache.set(timeZone, zone);
    }
    this.zone = zone;
    let offsets = offsetCaches.get(timeZone);
    if (!offsets) {
      offsets = new OffsetCache(zone);
      offsetCaches.set(timeZone, offsets);
    }
    this.offsets = offsets;
  }

  offsetMs(instant: number): number {
    return this.offsets.get(instant);
  }

  view(instant: number): LocalView {
    // Shifting by the offset and reading UTC fields gives the wall clock without building a
    // luxon DateTime per call, which matters when pricing hundreds of periods.
    const wall = new Date(instant + this.offsetMs(instant));
    const msOfDay = ((wall.getTime() % DAY_MS) + DAY_MS) % DAY_MS;
    const date = `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}`;
    const weekday = wall.getUTCDay() === 0 ? 7 : wall.getUTCDay();
    return { msOfDay, date, weekday };
  }

  /** ISO 8601 local rendering with offset, for explanations. */
  format(instant: number): string {
    return DateTime.fromMillis(instant, { zone: this.zone }).toISO({ suppressMilliseconds: true }) ?? new Date(instant).toISOString();
  }

  /** Instants in the open interval (from, to) where the UTC offset changes. */
  transitions(from: number, to: number): number[] {
    const out: number[] = [];
    // Zones change offset at most a few times a year, never twice within 12 hours.
    const step = 12 * 3_600_000;
    let a = from;
    let offA = this.offsetMs(a);
    while (a < to) {
      const b = Math.min(a + step, to);
      const offB = this.offsetMs(b);
      if (offB !== offA) {
        let lo = a;
        let hi = b;
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (this.offsetMs(mid) === offA) lo = mid;
          else hi = mid;
        }
        if (hi > from && hi < to) out.push(hi);
      }
      a = b;
      offA = offB;
    }
    return out;
  }

  /**
   * Every instant in (from, to) at which the local wall clock shows one of `wallTimesMs`,
   * together with the offset changes in between (a jump can cross a wall time without ever
   * showing it).
   */
  wallBoundaries(from: number, to: number, wallTimesMs: readonly number[]): number[] {
    if (wallTimesMs.length === 0 || to <= from) return [];
    const out = new Set<number>(this.transitions(from, to));
    const firstDay = Math.floor((from + this.offsetMs(from)) / DAY_MS) - 1;
    const lastDay = Math.floor((to + this.offsetMs(to)) / DAY_MS) + 1;
    for (let day = firstDay; day <= lastDay; day++) {
      for (const wallMs of wallTimesMs) {
        const naive = day * DAY_MS + wallMs;
        // The instant showing this wall time has one of the offsets in force around it.
        const candidates = new Set([this.offsetMs(naive - DAY_MS), this.offsetMs(naive), this.offsetMs(naive + DAY_MS)]);
        for (const off of candidates) {
          const instant = naive - off;
          if (instant > from && instant < to && this.offsetMs(instant) === off) out.add(instant);
        }
      }
    }
    return [...out].sort((a, b) => a - b);
  }
}
