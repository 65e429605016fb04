/**
 * fast-check arbitraries of hostile OCPI input: bodies derived from a valid sample by one
 * mutation (wrong types, huge strings, deep nesting, prototype keys, control characters, invalid
 * UTF-8, numbers as strings, null, arrays for objects, duplicate keys) or replaced whole, and
 * garbage headers and path segments. Bodies are built as bytes, so what is sent is exactly what
 * is described (JSON.stringify could not write a duplicate key or an invalid UTF-8 byte).
 */
import fc from 'fast-check';

/** Bytes written verbatim into the body. */
export class Raw {
  constructor(
    readonly bytes: Buffer,
    readonly label: string,
  ) {}
}

/** An object written entry by entry, so keys may repeat and `__proto__` is an ordinary key. */
export class Entries {
  constructor(readonly entries: Array<[string, unknown]>) {}
}

export interface HostileBody {
  label: string;
  bytes: Buffer;
}

export function serialize(value: unknown): Buffer {
  const parts: Buffer[] = [];
  const write = (v: unknown): void => {
    if (v instanceof Raw) parts.push(v.bytes);
    else if (v instanceof Entries) {
      parts.push(Buffer.from('{'));
      v.entries.forEach(([k, x], i) => {
        parts.push(Buffer.from(`${i ? ',' : ''}${JSON.stringify(k)}:`));
        write(x);
      });
      parts.push(Buffer.from('}'));
    } else if (Array.isArray(v)) {
      parts.push(Buffer.from('['));
      v.forEach((x, i) => {
        if (i) parts.push(Buffer.from(','));
        write(x);
      });
      parts.push(Buffer.from(']'));
    } else if (v !== null && typeof v === 'object') write(new Entries(Object.entries(v)));
    else parts.push(Buffer.from(v === undefined ? 'null' : JSON.stringify(v)));
  };
  write(value);
  return Buffer.concat(parts);
}

type Path = Array<string | number>;

/** Every path into a JSON value, the root (`[]`) included. */
export function pathsOf(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...at, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...at, k], out);
  return out;
}

function getAt(value: any, path: Path): unknown {
  return path.reduce((v, k) => (v == null ? undefined : v[k]), value);
}

/** A copy of `value` with the node at `path` replaced (or removed when `replacement` is REMOVE). */
const REMOVE = Symbol('remove');
function replaceAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement === REMOVE ? undefined : replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    if (rest.length === 0 && replacement === REMOVE) copy.splice(head as number, 1);
    else copy[head as number] = replaceAt(copy[head as number], rest, replacement);
    return copy;
  }
  if (value instanceof Entries) return value;
  const copy = { ...(value as Record<string, unknown>) };
  if (rest.length === 0 && replacement === REMOVE) delete copy[head as string];
  else copy[head as string] = replaceAt(copy[head as string], rest, replacement);
  return copy;
}

const deep = (depth: number, open: string, close: string, inner = '1') => new Raw(Buffer.from(open.repeat(depth) + inner + close.repeat(depth)), `nesting ${depth}`);

const INVALID_UTF8 = [
  Buffer.from([0xff]),
  Buffer.from([0xc3, 0x28]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
  Buffer.from([0xc0, 0xaf]),
];

const invalidUtf8String = fc
  .tuple(fc.constantFrom(...INVALID_UTF8), fc.string({ maxLength: 5 }))
  .map(([bad, s]) => new Raw(Buffer.concat([Buffer.from('"'), Buffer.from(s.replace(/["\\]/g, '')), bad, Buffer.from('x"')]), 'invalid UTF-8'));

const controlString = fc
  .tuple(fc.constantFrom('\u0000', '\n', '\r', '\t', '\u0007', '\u001b', '\u007f', '\u0085', '\u2028', '\ufeff', '\ud800', '\udfff', '\u202e'), fc.string({ maxLength: 8 }))
  .map(([c, s]) => `${s}${c}${s}`);

const hugeString = fc.tuple(fc.integer({ min: 300, max: 200_000 }), fc.constantFrom('x', 'é', '😀', ' ')).map(([n, c]) => c.repeat(n));

const unicodeString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('ＮＬ', 'İ', 'ß', 'Ⅻ', '\u0130bc', 'A\u0301', '🇳🇱', 'null', 'undefined', 'NaN', '__proto__'),
);

const weirdNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2, 0.1 + 0.2),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom('1e400', '-1e400', '1E+2', '123456789012345678901234567890', '0.0000000000000000000001', '-0').map((t) => new Raw(Buffer.from(t), `number ${t}`)),
);

const pollution = fc.constantFrom<Array<[string, unknown]>>(
  [['__proto__', { polluted: 'yes', isAdmin: true }]],
  [['constructor', { prototype: { polluted: 'yes' } }]],
  [['prototype', { polluted: 'yes' }]],
  [['__proto__', null]],
  [['__proto__', []]],
  [
    ['hasOwnProperty', 'x'],
    ['toString', 1],
    ['valueOf', {}],
  ],
);

/** A hostile value of any kind, also shaped after the value it replaces (type flips). */
function hostileValue(original: unknown): fc.Arbitrary<unknown> {
  const flips: Array<fc.Arbitrary<unknown>> = [];
  if (typeof original === 'number') flips.push(fc.constant(String(original)), fc.constant(`${original} `));
  if (typeof original === 'string') {
    flips.push(
      fc.constant(Number.isNaN(Number(original)) ? 1 : Number(original)),
      fc.constant(original.toLowerCase()),
      fc.constant(` ${original}`),
      fc.constant(original.repeat(20)),
    );
    // Text PostgreSQL cannot hold in JSONB (NUL, lone surrogates), in otherwise plausible values.
    flips.push(fc.constantFrom(`${original}\u0000`, `${original}\ud800`, `\udc00${original}`, `${original}\u2028`));
  }
  if (typeof original === 'boolean') flips.push(fc.constant(String(original)), fc.constant(original ? 1 : 0));
  if (Array.isArray(original))
    flips.push(fc.constant(original[0] ?? {}), fc.constant(Object.fromEntries(original.map((v, i) => [String(i), v]))), fc.constant(Array(300).fill(original[0] ?? 1)));
  if (original !== null && typeof original === 'object' && !Array.isArray(original)) flips.push(fc.constant([original]), fc.constant([]), fc.constant(JSON.stringify(original)));
  return fc.oneof(
    ...flips,
    fc.constantFrom(null, true, false, '', {}, [], 0),
    controlString,
    hugeString,
    unicodeString,
    weirdNumber,
    invalidUtf8String,
    fc.integer({ min: 200, max: 5000 }).map((d) => deep(d, '[', ']')),
    fc.integer({ min: 200, max: 5000 }).map((d) => deep(d, '{"a":', '}')),
    pollution.map((entries) => new Entries(entries)),
  );
}

function describe(path: Path): string {
  return path.length ? path.join('.') : '(body)';
}

/** A body derived from a valid sample by one mutation, or a hostile replacement of the whole. */
export function hostileBody(base: unknown): fc.Arbitrary<HostileBody> {
  const sample = base === undefined ? {} : base;
  const paths = pathsOf(sample);
  const objectPaths = paths.filter((p) => {
    const v = getAt(sample, p);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  });
  const pick = <T>(list: T[]) => fc.nat({ max: Math.max(0, list.length - 1) }).map((i) => list[i]);

  const replaced = pick(paths).chain((path) => hostileValue(getAt(sample, path)).map((v) => ({ label: `replace ${describe(path)}`, value: replaceAt(sample, path, v) })));
  const removable = paths.filter((p) => p.length > 0);
  const removed = removable.length ? pick(removable).map((path) => ({ label: `remove ${describe(path)}`, value: replaceAt(sample, path, REMOVE) })) : replaced;
  const injected = objectPaths.length
    ? fc.tuple(pick(objectPaths), pollution, fc.boolean()).map(([path, extra, first]) => {
        const node = getAt(sample, path) as Record<string, unknown>;
        const entries = Object.entries(node);
        return {
          label: `keys ${extra.map((e) => e[0]).join(',')} in ${describe(path)}`,
          value: replaceAt(sample, path, new Entries(first ? [...extra, ...entries] : [...entries, ...extra])),
        };
      })
    : fc.constant({ label: 'no object', value: sample });
  const duplicated = objectPaths.length
    ? fc.tuple(pick(objectPaths), fc.nat(), fc.anything({ maxDepth: 1 })).map(([path, i, other]) => {
        const entries = Object.entries(getAt(sample, path) as Record<string, unknown>);
        if (!entries.length) return { label: 'empty object', value: sample };
        const [k] = entries[i % entries.length];
        return { label: `duplicate key ${describe([...path, k])}`, value: replaceAt(sample, path, new Entries([...entries, [k, other ?? null]])) };
      })
    : fc.constant({ label: 'no object', value: sample });
  const mutated = fc
    .oneof({ weight: 5, arbitrary: replaced }, { weight: 2, arbitrary: removed }, { weight: 2, arbitrary: injected }, { weight: 2, arbitrary: duplicated })
    .map(({ label, value }) => ({ label, bytes: serialize(value) }));

  const whole = fc.oneof(
    fc
      .constantFrom<[string, string]>(
        ['null', 'null'],
        ['array', '[]'],
        ['string', '"text"'],
        ['number', '42'],
        ['true', 'true'],
        ['empty object', '{}'],
        ['whitespace', '   '],
        ['truncated', '{"id": "X'],
        ['trailing garbage', '{"a":1} x'],
        ['single quotes', "{'a': 1}"],
        ['comment', '{/* x */}'],
        ['NaN', '{"a": NaN}'],
      )
      .map(([label, text]) => ({ label: `body ${label}`, bytes: Buffer.from(text) })),
    fc.constant({ label: 'body [sample]', bytes: serialize([sample]) }),
    fc.constant({ label: 'body with BOM', bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), serialize(sample)]) }),
    fc.constant({ label: 'body as UTF-16', bytes: Buffer.from(serialize(sample).toString('utf8'), 'utf16le') }),
    fc.constantFrom(...INVALID_UTF8).map((bad) => ({ label: 'invalid UTF-8 outside strings', bytes: Buffer.concat([Buffer.from('{"a":'), bad, Buffer.from('}')]) })),
    fc.integer({ min: 1000, max: 20000 }).map((d) => ({ label: `body nesting ${d}`, bytes: deep(d, '[', ']').bytes })),
    fc.integer({ min: 10_000, max: 100_000 }).map((n) => ({ label: `array of ${n}`, bytes: Buffer.from(`[${'1,'.repeat(n)}1]`) })),
  );
  return fc.oneof({ weight: 6, arbitrary: mutated }, { weight: 1, arbitrary: whole });
}

/** What a server reading the bytes as JSON sees, or `invalid` (then it must answer 400). */
export function asServerSees(bytes: Buffer): { ok: true; value: unknown } | { ok: false } {
  if (bytes.length === 0) return { ok: true, value: {} };
  try {
    // body-parser decodes UTF-8 with replacement characters and drops a BOM, like this.
    return { ok: true, value: JSON.parse(bytes.toString('utf8').replace(/^\ufeff/, '')) };
  } catch {
    return { ok: false };
  }
}

// ---- headers ----

/** Header values are sent as latin1: a UTF-8 string becomes its raw bytes on the wire. */
// Control characters other than TAB cannot be sent at all (the HTTP client refuses them).
export const wire = (s: string) =>
  Buffer.from(s, 'utf8')
    .toString('latin1')
    .replace(/[^\t\x20-\x7e\x80-\xff]/g, '');

const junk = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer({ min: 100, max: 3000 }).map((n) => 'A'.repeat(n)),
  fc.constantFrom(
    '',
    ' ',
    'Token',
    'Token ',
    'Token  x',
    'Bearer abc',
    'Basic dXNlcjpwYXNz',
    'Token ====',
    'Token %00',
    'Token ZXhhbXBsZS10b2tlbg==',
    'token null',
    'Token ' + 'QUFB'.repeat(500),
  ),
);

/** A garbage Authorization value (never a known token). */
export const garbageAuthorization = fc
  .oneof(
    junk,
    junk.map((j) => `Token ${j}`),
    junk.map((j) => `Token ${Buffer.from(j).toString('base64')}`),
  )
  .map(wire);

const badCountry = fc.oneof(
  fc.constantFrom('', 'N', 'NLD', '1A', 'N\u00e9', 'ＮＬ', '  ', 'N-'),
  fc.string({ maxLength: 6 }).filter((s) => !/^[A-Za-z]{2}$/.test(s)),
);
const badParty = fc.oneof(
  fc.constantFrom('', 'AB', 'ABCD', 'A B', 'ÄBC', '***', '😀'),
  fc.string({ maxLength: 8 }).filter((s) => !/^[A-Za-z0-9]{3}$/.test(s)),
);

/** Routing headers that are malformed, half given, or name parties the caller cannot speak for. */
export function badRoutingHeaders(foreign: { countryCode: string; partyId: string }): fc.Arbitrary<{ label: string; headers: Record<string, string> }> {
  return fc.oneof(
    fc.tuple(badCountry, badParty).map(([c, p]) => ({ label: 'malformed from', headers: { 'OCPI-from-country-code': wire(c), 'OCPI-from-party-id': wire(p) } })),
    fc.tuple(badCountry, badParty).map(([c, p]) => ({ label: 'malformed to', headers: { 'OCPI-to-country-code': wire(c), 'OCPI-to-party-id': wire(p) } })),
    fc
      .constantFrom('OCPI-from-country-code', 'OCPI-from-party-id', 'OCPI-to-country-code', 'OCPI-to-party-id')
      .map((h) => ({ label: `only ${h}`, headers: { [h]: h.endsWith('code') ? 'NL' : 'ABC' } })),
    fc.constant({ label: 'foreign from', headers: { 'OCPI-from-country-code': foreign.countryCode, 'OCPI-from-party-id': foreign.partyId } }),
    fc.constant({ label: 'unknown to', headers: { 'OCPI-to-country-code': 'ZZ', 'OCPI-to-party-id': 'ZZZ' } }),
  );
}

/** X-Request-ID / X-Correlation-ID values: huge, unicode, spaces, empty. */
export const garbageRequestId = fc
  .oneof(
    fc.integer({ min: 256, max: 3000 }).map((n) => 'r'.repeat(n)),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    fc.constantFrom('', ' ', 'a b', '<script>', 'id\u00ff', '%0d%0aSet-Cookie: x=y'),
  )
  .map(wire);

// ---- path segments and queries ----

/** One path segment as sent on the wire (already percent-encoded or deliberately not). */
export const hostileSegment = fc.oneof(
  fc.integer({ min: 37, max: 4000 }).map((n) => 'L'.repeat(n)),
  fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '..%2f..%2fadmin',
    '%2F',
    'a%2Fb',
    '%5C',
    '%00',
    '%0A',
    '%',
    '%zz',
    '%E0%A4%A',
    '%C3%A9',
    '%F0%9F%98%80',
    '%20',
    '+',
    'a;b',
    '%3Cscript%3E',
    '__proto__',
    'constructor',
  ),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).map((s) => encodeURIComponent(s)),
  // Unencoded printable ASCII. Raw bytes above 0x7e never reach the application: Node's HTTP
  // parser answers 400 itself (see fuzz.test.ts, "limits").
  fc
    .string({ minLength: 1, maxLength: 12 })
    .map((s) => s.replace(/[^\x21-\x7e]|[/?#]/g, ''))
    .filter((s) => s.length > 0),
);

/** A hostile query string (without `?`): pagination, filters and the routes' own parameters. */
export const hostileQuery = fc
  .array(
    fc.tuple(
      fc.constantFrom('offset', 'limit', 'date_from', 'date_to', 'type', 'duration', 'response_url', '__proto__', 'constructor', 'offset[]', 'x'),
      fc.oneof(
        fc.constantFrom(
          '-1',
          '1.5',
          '1e400',
          '9007199254740991',
          '9007199254740993',
          '99999999999999999999',
          '0x10',
          'NaN',
          'Infinity',
          '',
          ' ',
          '2025-13-45T99:99:99Z',
          '2025-06-01T08:00:00+02:00',
          '0000-01-01T00:00:00Z',
          '9999-12-31T23:59:59.999999999Z',
          'RFID',
          'rfid',
          'http://127.0.0.1:1/x',
          'file:///etc/passwd',
          'javascript:alert(1)',
        ),
        fc.string({ maxLength: 20 }),
        fc.integer({ min: 300, max: 4000 }).map((n) => '9'.repeat(n)),
      ),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
