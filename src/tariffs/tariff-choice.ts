/**
 * Which of a connector's tariffs applies to a session (digest §4.1): listed on the connector,
 * of the session's kind (or of no kind), and valid at the session start.
 */
import { ciEquals, parseDateTime } from '../model/primitives.js';
import type { Tariff, TariffType } from '../model/tariff.js';

export interface TariffChoiceCriteria {
  /** Session start: start_date_time <= at < end_date_time must hold. */
  at: string | Date;
  /** The session's kind; REGULAR (RFID, app, no preference) when not given. */
  tariffType?: TariffType | null;
  /** Connector.tariff_ids at session start; when given and non-empty only these are candidates. */
  tariffIds?: readonly string[] | null;
}

const ms = (v: string | Date) => (v instanceof Date ? v.getTime() : (parseDateTime(v)?.getTime() ?? NaN));

export function isValidAt(t: Tariff, atMs: number): boolean {
  if (t.start_date_time && ms(t.start_date_time) > atMs) return false;
  if (t.end_date_time && ms(t.end_date_time) <= atMs) return false;
  return true;
}

/**
 * Returns the applicable tariff or null. An exact type match beats a tariff without type. If
 * the CPO broke the one-active-tariff-per-type rule, the most recently started one wins: it is
 * the one a replacement (old end_date_time, new start_date_time) meant to put in force.
 */
export function chooseTariff(candidates: readonly Tariff[], criteria: TariffChoiceCriteria): Tariff | null {
  const atMs = ms(criteria.at);
  const wanted = criteria.tariffType ?? 'REGULAR';
  const ids = criteria.tariffIds ?? [];
  const usable = candidates.filter((t) => (ids.length === 0 || ids.some((id) => ciEquals(id, t.id))) && isValidAt(t, atMs));
  const exact = usable.filter((t) => t.type === wanted);
  const pool = exact.length > 0 ? exact : usable.filter((t) => t.type == null);
  if (pool.length === 0) return null;
  const started = (t: Tariff) => (t.start_date_time ? ms(t.start_date_time) : -Infinity);
  return pool.reduce((best, t) => (started(t) > started(best) ? t : best));
}
