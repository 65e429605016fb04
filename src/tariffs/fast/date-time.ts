/**
 * OCPI DateTimes for the fast pricer, read from their digits: the normal form toISOString()
 * writes (which the schema's DateTime produces) is recognised and parsed without a regex or a
 * Date, and a session's periods share their date part. Anything else is left to parseDateTime().
 */

/** Years 1000-9999: local dates then compare as day numbers exactly as their YYYY-MM-DD texts do. */
const EARLIEST_MS = Date.UTC(1000, 0, 2);
const LATEST_MS = Date.UTC(9999, 11, 30);

export function inFastRange(ms: number): boolean {
  return ms >= EARLIEST_MS && ms <= LATEST_MS;
}

const ZERO_CODE = 48;

/** The ASCII digit at i as a number, or NaN. */
function digitAt(s: string, i: number): number {
  const d = s.charCodeAt(i) - ZERO_CODE;
  return d >= 0 && d <= 9 ? d : Number.NaN;
}

function twoDigits(s: string, i: number): number {
  return digitAt(s, i) * 10 + digitAt(s, i + 1);
}

/** Days from 1970-01-01 to a proleptic Gregorian date (what Date.UTC counts), in plain arithmetic. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** The date part (`YYYY-MM-DDT`) last read and the instant of its midnight: periods of a session share it. */
export interface DateMemo {
  prefix: string;
  midnightMs: number;
}

/** Milliseconds into the day of `HH:MM:SS.sssZ` at position 11, or NaN. */
function timeOfDay(s: string): number {
  if (s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 46 || s.charCodeAt(23) !== 90) return Number.NaN;
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  const second = twoDigits(s, 17);
  const milli = digitAt(s, 20) * 100 + twoDigits(s, 21);
  // A non-digit made a NaN, which fails every comparison: the `!` refuses it.
  if (!(hour <= 23 && minute <= 59 && second <= 59 && milli >= 0)) return Number.NaN;
  return hour * 3_600_000 + minute * 60_000 + second * 1000 + milli;
}

/**
 * The instant of a DateTime already in the schema's normal form (`YYYY-MM-DDTHH:MM:SS.sssZ`,
 * what toISOString writes), or NaN for any other text, which then takes the schema's way.
 */
export function canonicalInstant(s: string, memo?: DateMemo): number {
  if (s.length !== 24) return Number.NaN;
  if (memo !== undefined && s.startsWith(memo.prefix)) return memo.midnightMs + timeOfDay(s);
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84) return Number.NaN;
  const year = twoDigits(s, 0) * 100 + twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  if (!(year >= 1000 && month >= 1 && month <= 12 && day >= 1) || day > daysInMonth(year, month)) return Number.NaN;
  const midnightMs = daysFromCivil(year, month, day) * 86_400_000;
  if (memo !== undefined) {
    memo.prefix = s.slice(0, 11);
    memo.midnightMs = midnightMs;
  }
  return midnightMs + timeOfDay(s);
}
