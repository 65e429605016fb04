/**
 * OCPI 2.2.1 base types as zod schemas. Every module builds its objects from these, so the
 * length, character-set and DateTime rules of the transport chapter live here and nowhere else.
 */
import { z } from 'zod';

// Control characters (CR, LF, TAB...) are not allowed in any OCPI string.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const PRINTABLE_ASCII = /^[\u0020-\u007e]*$/;
// A lone UTF-16 surrogate (e.g. a JSON "\ud800" escape) is no UTF-8 text, and PostgreSQL refuses it in JSONB.
const LONE_SURROGATE = /\p{Cs}/u;

/** Length in characters (code points), not UTF-16 units: the digest's reading of string(n). */
export function charLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

/** OCPI `string(n)`: case-sensitive printable UTF-8, at most n characters. */
export function ocpiString(max: number) {
  return z
    .string()
    .refine((s) => !CONTROL_CHARS.test(s), { message: 'must not contain control characters' })
    .refine((s) => !LONE_SURROGATE.test(s), { message: 'must be valid Unicode (a lone surrogate is not)' })
    .refine((s) => charLength(s) <= max, { message: `must be at most ${max} characters` })
    .meta({ maxLength: max });
}

const UNSTORABLE = /[\u0000\p{Cs}]/u;
/** False when JSON holds text PostgreSQL cannot keep in JSONB (NUL, lone surrogates), in a value or a key. */
export function storableJson(value: unknown): boolean {
  if (typeof value === 'string') return !UNSTORABLE.test(value);
  if (Array.isArray(value)) return value.every(storableJson);
  if (value !== null && typeof value === 'object') return Object.entries(value).every(([k, v]) => !UNSTORABLE.test(k) && storableJson(v));
  return true;
}

/** OCPI `CiString(n)`: printable ASCII, compared case-insensitively (see `ciKey`). */
export function ciString(max: number) {
  return z
    .string()
    .max(max, { message: `must be at most ${max} characters` })
    .regex(PRINTABLE_ASCII, { message: 'must be printable ASCII' });
}

/** The normalised form under which a CiString is indexed and compared. */
export function ciKey(value: string): string {
  return value.toUpperCase();
}

export function ciEquals(a: string | null | undefined, b: string | null | undefined): boolean {
  return a != null && b != null && a.toUpperCase() === b.toUpperCase();
}

export const CountryCode = ciString(2).regex(/^[A-Za-z]{2}$/, { message: 'must be two letters (ISO 3166-1 alpha-2)' });
export const PartyId = ciString(3).regex(/^[A-Za-z0-9]{3}$/, { message: 'must be three letters or digits' });

// RFC 3339 in UTC, with or without the Z, up to 9 fractional digits; offsets are refused.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z?$/;

/** Parses an OCPI DateTime to a Date, or returns null when the text is not one. */
export function parseDateTime(value: string): Date | null {
  const m = DATE_TIME.exec(value);
  if (!m) return null;
  const millis = m[7] ? Number(m[7].slice(0, 4).padEnd(4, '0').slice(1)) : 0;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], millis));
  // Date.UTC rolls over out-of-range parts (month 13, Feb 30); an OCPI date must not.
  if (d.getUTCFullYear() !== +m[1] || d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3]) return null;
  if (+m[4] > 23 || +m[5] > 59 || +m[6] > 59) return null;
  return d;
}

/** Always emitted in UTC with a Z, as the spec demands (`+00:00` is not UTC for OCPI). */
export function formatDateTime(date: Date): string {
  return date.toISOString();
}

/** OCPI DateTime. Accepts the Z-less form and normalises every value to `...Z`. */
export const DateTime = z
  .string()
  .refine((s) => parseDateTime(s) !== null, {
    message: 'must be an RFC 3339 UTC date-time such as 2024-01-31T13:00:00Z (no offsets)',
    // The receive profile converts an offset to UTC (docs/interop.md).
    params: { repair: 'datetime' },
  })
  // The refinement above admitted only texts parseDateTime reads.
  .transform((s) => formatDateTime(parseDateTime(s) ?? new Date(Number.NaN)))
  .meta({ format: 'date-time', example: '2024-01-31T13:00:00Z' });

export const Url = ocpiString(255).refine(
  (s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { message: 'must be an absolute http(s) URL' },
);

export const DisplayText = z.object({
  language: ocpiString(2),
  text: ocpiString(512),
});
export type DisplayText = z.infer<typeof DisplayText>;

/** OCPI `number` for money: kept as a JS number on the wire, computed with decimals elsewhere. */
export const Price = z.object({
  excl_vat: z.number(),
  incl_vat: z.number().nullish(),
});
export type Price = z.infer<typeof Price>;

export const Role = z.enum(['CPO', 'EMSP', 'HUB', 'NAP', 'NSP', 'OTHER', 'SCSP']);
export type Role = z.infer<typeof Role>;

export const InterfaceRole = z.enum(['SENDER', 'RECEIVER']);
export type InterfaceRole = z.infer<typeof InterfaceRole>;

/** OCPI `*` lists: absent, null or [] all mean "none". */
export function optionalList<T extends z.ZodType>(item: T) {
  return z.array(item).nullish();
}

/** OCPI `+` lists: at least one element. */
export function nonEmptyList<T extends z.ZodType>(item: T) {
  return z.array(item).min(1, { message: 'must contain at least one element' });
}

export const Image = z.object({
  url: Url,
  thumbnail: Url.nullish(),
  category: z.enum(['CHARGER', 'ENTRANCE', 'LOCATION', 'NETWORK', 'OPERATOR', 'OTHER', 'OWNER']),
  type: ciString(4),
  width: z.number().int().min(0).max(99999).nullish(),
  height: z.number().int().min(0).max(99999).nullish(),
});

export const BusinessDetails = z.object({
  name: ocpiString(100),
  website: Url.nullish(),
  logo: Image.nullish(),
});
export type BusinessDetails = z.infer<typeof BusinessDetails>;

/** A PATCH: any subset of the object's fields, but last_updated always (transport §4). */
export function patchOf<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>) {
  return schema.partial().extend({ last_updated: DateTime });
}
