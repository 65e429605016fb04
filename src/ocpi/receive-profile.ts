/**
 * The receive profile: how tolerant we are with what peers send (DESIGN principle 2, the table in
 * docs/interop.md). Every object a peer sends us, pushed or pulled, is read through `receive()`:
 *
 * - what the spec's shape accepts is taken as it is (the fast path: one parse, nothing else);
 * - what can be normalised without guessing is repaired and kept, with a note per repair:
 *   DateTime offsets to UTC, coordinate precision, numbers with more decimals than a field allows,
 *   overnight opening hours, unknown values in enum lists, malformed optional fields, and missing
 *   required fields that have a safe default or can be inferred (docs/interop.md lists them);
 * - identity and ownership (ids, `country_code`/`party_id`, a missing or unreadable top-level
 *   `last_updated`) are never repaired: what is left after repair is refused (2001);
 * - a `last_updated` (at any depth) further in the future than the allowed clock skew is replaced
 *   by the time of receipt, even when the object is otherwise valid: every receiver orders
 *   versions by it, so a far-future stamp would make every later update of the object "older".
 *
 * Money-bearing structures are never repaired partially: a tariff's elements are taken whole or
 * not at all (dropping one component would make energy free), so a problem inside them climbs to
 * the tariff itself.
 *
 * The rules of our own engines (e.g. a tariff's step_size) are not part of any receive schema.
 */
import type { z } from 'zod';
import { type Path, comparePaths, foldPath, formatPath, isPrefix, removeAt, setAt, valueAt } from './json-path.js';
import { schemaAt } from './schema-walk.js';
import { formatDateTime } from '../model/primitives.js';

export { foldPath, formatPath, valueAt } from './json-path.js';

export type RepairRule =
  | 'datetime_offset'
  | 'coordinate_precision'
  | 'rounded_number'
  | 'overnight_hours'
  | 'unknown_enum_value'
  | 'malformed_optional_field'
  | 'inherited_last_updated'
  | 'inferred_default'
  | 'future_last_updated';

export interface Repair {
  /** Field path with list indices folded (`evses[].connectors[].standard`): what a partner must fix. */
  path: string;
  rule: RepairRule;
  /** What was done, never the value (values can be personal data), except an unknown enum value. */
  detail: string;
}

export interface Refusal {
  path: string;
  /** The failed check: zod's issue code (`invalid_type`, `invalid_value`, `custom`, ...). */
  rule: string;
  /** The message with the exact path (indices kept), as the 2001 answer names it. */
  message: string;
}

export interface ReceiveContext {
  /** The OCPI module the object belongs to: picks the inference table. */
  module: string;
  /** Our party the object is for (routing `to`, or the party a pull is made for). */
  recipient?: { countryCode: string; partyId: string };
  /**
   * `false` for a request whose meaning a dropped field would change (a command, an authorization
   * question, a charging profile): values are still normalised, but nothing is dropped.
   */
  drops?: boolean;
  /** When the object arrived (the time a too-far-future `last_updated` becomes). Default: now. */
  now?: Date;
  /** How far ahead of `now` a `last_updated` may lie (the peer's clock skew). Default: 300. */
  maxFutureSkewSeconds?: number;
}

export const DEFAULT_MAX_FUTURE_SKEW_SECONDS = 300;

export type Received<T> = { ok: true; data: T; repairs: Repair[] } | { ok: false; refusals: Refusal[]; repairs: Repair[]; error: z.ZodError };

/** Marks a refinement whose failure the profile may repair (see `valueRepair`). */
export type RepairHint = { repair: 'datetime' } | { repair: 'coordinate'; decimals: number } | { repair: 'truncate'; decimals: number } | { repair: 'overnight_hours' };

type Json = unknown;

/** Rounds of repair: each may uncover a check that only runs once its children are valid. */
const MAX_ROUNDS = 8;

/** Keys below which nothing is dropped piecemeal: the problem climbs to the enclosing object. */
const ATOMIC_KEYS = new Set(['elements']);

/**
 * Required fields we fill when they are missing (or, for `enum`, when their value is unknown),
 * per module. Keys are folded paths. A rule applies only when the schema refuses the field.
 */
const INFERENCES: Record<string, Record<string, Inference>> = {
  locations: {
    // A location a CPO pushes is one it wants found; `false` is the exception that needs saying.
    publish: { when: 'missing', value: () => true, detail: 'missing publish taken as true' },
    'evses[].status': { when: 'missing_or_unknown', value: () => 'UNKNOWN', detail: 'missing or unknown EVSE status taken as UNKNOWN' },
    // The same for an EVSE pushed or patched on its own.
    status: { when: 'missing_or_unknown', value: () => 'UNKNOWN', detail: 'missing or unknown EVSE status taken as UNKNOWN' },
  },
  sessions: {
    ...tokenOwnerInference(),
    // 05-sessions P2: the prose names the status RESERVED where the enum says RESERVATION.
    status: {
      when: 'missing_or_unknown',
      value: (root, path) => (valueAt(root, path) === 'RESERVED' ? 'RESERVATION' : undefined),
      detail: 'status RESERVED (the spec prose) read as RESERVATION',
    },
  },
  cdrs: tokenOwnerInference(),
};

interface Inference {
  when: 'missing' | 'missing_or_unknown';
  value: (root: Json, path: Path, ctx: ReceiveContext) => Json | undefined;
  detail: string;
}

function tokenOwnerInference(): Record<string, Inference> {
  // A session or CDR pushed to one of our eMSP parties is for that party's driver.
  return {
    'cdr_token.country_code': { when: 'missing', value: (_r, _p, ctx) => ctx.recipient?.countryCode, detail: 'missing cdr_token owner taken from the receiving eMSP party' },
    'cdr_token.party_id': { when: 'missing', value: (_r, _p, ctx) => ctx.recipient?.partyId, detail: 'missing cdr_token owner taken from the receiving eMSP party' },
    // Without a separate contract, the token's uid is its contract id (07-tokens: both identify the token).
    'cdr_token.contract_id': { when: 'missing', value: (root) => valueAt(root, ['cdr_token', 'uid']), detail: 'missing contract_id taken from the token uid' },
  };
}

/** Reads `raw` as `schema`, repairing what the profile allows. Never throws for bad input. */
export function receive<S extends z.ZodType>(schema: S, raw: unknown, ctx: ReceiveContext): Received<z.output<S>> {
  const first = schema.safeParse(raw);
  if (first.success) return { ok: true, data: first.data, repairs: capFutureStamps(first.data, ctx, []) };
  if (raw === null || typeof raw !== 'object') return refused(first.error, []);
  const repairs: Repair[] = [];
  let value: Json;
  try {
    value = structuredClone(raw);
  } catch {
    // Nesting deeper than the stack allows: nothing a sender means, nothing to repair.
    return refused(first.error, []);
  }
  let error = first.error;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = repairRound(schema, value, error.issues, ctx, repairs);
    if (next === undefined) break;
    value = next;
    const again = schema.safeParse(value);
    if (again.success) return { ok: true, data: again.data, repairs: capFutureStamps(again.data, ctx, repairs) };
    error = again.error;
  }
  return refused(error, repairs);
}

/**
 * Replaces every `last_updated` beyond now + skew with now, in place (the parsed output is ours).
 * Runs on valid objects too: a far-future stamp is valid OCPI, only its effect on ordering is not.
 */
function capFutureStamps(data: Json, ctx: ReceiveContext, repairs: Repair[]): Repair[] {
  const now = ctx.now ?? new Date();
  const limit = now.getTime() + (ctx.maxFutureSkewSeconds ?? DEFAULT_MAX_FUTURE_SKEW_SECONDS) * 1000;
  const visit = (node: Json, path: Path, depth: number): void => {
    if (node === null || typeof node !== 'object' || depth > 32) return;
    if (Array.isArray(node)) return node.forEach((item, i) => visit(item, [...path, i], depth + 1));
    const record = node as Record<string, Json>;
    for (const [key, value] of Object.entries(record)) {
      if (key === 'last_updated' && typeof value === 'string') {
        if (Date.parse(value) > limit) {
          record[key] = formatDateTime(now);
          repairs.push({
            path: foldPath([...path, key]),
            rule: 'future_last_updated',
            detail: 'last_updated further in the future than the allowed clock skew replaced by the time of receipt',
          });
        }
      } else visit(value, [...path, key], depth + 1);
    }
  };
  visit(data, [], 0);
  return repairs;
}

function refused(error: z.ZodError, repairs: Repair[]): Received<never> {
  const refusals = error.issues.map((i) => ({ path: foldPath(i.path), rule: i.code, message: `${formatPath(i.path) || '(body)'}: ${i.message}` }));
  return { ok: false, refusals, repairs, error };
}

/** One round: value repairs first, then drops. Returns the repaired value, or undefined when nothing applied. */
function repairRound(schema: z.ZodType, value: Json, issues: readonly z.core.$ZodIssue[], ctx: ReceiveContext, repairs: Repair[]): Json | undefined {
  let changed = false;
  // Value repairs first: a field that one of its issues lets us fix is never dropped for another
  // (a too-long coordinate fails both its length and its pattern).
  const fixed = new Set<string>();
  for (const issue of issues) {
    const path = issue.path as Path;
    const fix = valueRepair(schema, value, issue, path, ctx);
    if (!fix) continue;
    value = fix.root;
    fixed.add(formatPath(path));
    repairs.push({ path: foldPath(fix.path ?? path), rule: fix.rule, detail: fix.detail });
    changed = true;
    // A split shifts the indices the other issues name: they are read again next round.
    if (fix.rule === 'overnight_hours') return value;
  }
  const drops: Array<{ path: Path; cause: Path; rule: RepairRule; detail: string }> = [];
  for (const issue of ctx.drops === false ? [] : issues) {
    const path = issue.path as Path;
    if (fixed.has(formatPath(path))) continue;
    const drop = droppablePath(schema, path);
    // A rule about a field that is absent (e.g. required when credit is true) cannot be met by dropping.
    if (!drop || valueAt(value, drop) === undefined) continue;
    const unknownEnum = issue.code === 'invalid_value';
    const what = unknownEnum ? `unknown value ${enumValueText(valueAt(value, path))}` : shortMessage(issue.message);
    const dropped = drop.length === path.length ? 'dropped' : `the enclosing ${foldPath(drop)} dropped`;
    drops.push({ path: drop, cause: path, rule: unknownEnum ? 'unknown_enum_value' : 'malformed_optional_field', detail: `${what}: ${dropped}` });
  }
  // Deepest and highest index first, so one drop never shifts the index of another still to do.
  drops.sort((a, b) => comparePaths(b.path, a.path));
  const done: Path[] = [];
  for (const d of drops) {
    if (done.some((p) => isPrefix(p, d.path))) continue;
    value = removeAt(value, d.path);
    done.push(d.path);
    // Counted under the field that caused it: that is what the partner has to fix.
    repairs.push({ path: foldPath(d.cause), rule: d.rule, detail: d.detail });
    changed = true;
  }
  return changed ? value : undefined;
}

interface ValueFix {
  root: Json;
  rule: RepairRule;
  detail: string;
  path?: Path;
}

function valueRepair(schema: z.ZodType, root: Json, issue: z.core.$ZodIssue, path: Path, ctx: ReceiveContext): ValueFix | undefined {
  const current = valueAt(root, path);
  const hint = (issue as { params?: RepairHint }).params;
  if (hint?.repair === 'datetime' && typeof current === 'string') {
    const utc = utcFromOffset(current);
    if (utc) return { root: setAt(root, path, utc), rule: 'datetime_offset', detail: 'DateTime with an offset converted to UTC' };
  }
  if (hint?.repair === 'coordinate' && (typeof current === 'string' || typeof current === 'number')) {
    const text = coordinateText(current, hint.decimals);
    if (text) return { root: setAt(root, path, text), rule: 'coordinate_precision', detail: `coordinate written with ${hint.decimals} decimals at most` };
  }
  // A coordinate sent as a JSON number fails the string type before its pattern: same repair.
  const key0 = path[path.length - 1];
  if (issue.code === 'invalid_type' && typeof current === 'number' && (key0 === 'latitude' || key0 === 'longitude')) {
    const text = coordinateText(current, 7);
    if (text) return { root: setAt(root, path, text), rule: 'coordinate_precision', detail: 'coordinate sent as a number written as text' };
  }
  // Toward zero: the fields that have a precision are limits, and a limit must never grow.
  if (hint?.repair === 'truncate' && typeof current === 'number') {
    return { root: setAt(root, path, truncateTo(current, hint.decimals)), rule: 'rounded_number', detail: `cut to ${hint.decimals} decimal(s), toward zero` };
  }
  if (hint?.repair === 'overnight_hours') {
    const split = splitOvernight(root, path.slice(0, -1));
    if (split) return { root: split, rule: 'overnight_hours', detail: 'opening hours past midnight split in two', path: path.slice(0, -1) };
  }
  const key = path[path.length - 1];
  if (key === 'last_updated' && current === undefined && path.length > 1) {
    const inherited = nearestLastUpdated(root, path.slice(0, -1));
    if (inherited) return { root: setAt(root, path, inherited), rule: 'inherited_last_updated', detail: 'missing last_updated taken from the enclosing object' };
  }
  const inference = INFERENCES[ctx.module]?.[foldPath(path)];
  if (inference) {
    const missing = current === undefined || current === null;
    const applies = missing || (inference.when === 'missing_or_unknown' && issue.code === 'invalid_value');
    const filled = applies ? inference.value(root, path, ctx) : undefined;
    if (filled !== undefined && filled !== null && schemaAt(schema, path)?.safeParse(filled).success) {
      return { root: setAt(root, path, filled), rule: 'inferred_default', detail: inference.detail };
    }
  }
  return undefined;
}

/**
 * The nearest enclosing part of `path` the schema lets us drop: an optional field, or an element
 * of a list. Undefined when only the object itself could go (a refusal). Never crosses an atomic key.
 */
function droppablePath(schema: z.ZodType, path: Path): Path | undefined {
  const atomicAt = path.findIndex((k) => typeof k === 'string' && ATOMIC_KEYS.has(k));
  const floor = atomicAt >= 0 ? atomicAt : path.length;
  for (let end = path.length; end > 0; end--) {
    if (end > floor) continue;
    const at = path.slice(0, end);
    const key = at[at.length - 1];
    if (typeof key === 'number') return at;
    const field = schemaAt(schema, at);
    if (field && field.safeParse(undefined).success) return at;
  }
  return undefined;
}

// RFC 3339 with a numeric offset (or a lower-case z, or a space for the T): read, then written in UTC.
const OFFSET_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$/;

function utcFromOffset(text: string): string | undefined {
  const m = OFFSET_DATE_TIME.exec(text);
  if (!m) return undefined;
  const fraction = m[7] ? m[7].slice(0, 4) : '';
  const zone = m[8].toUpperCase() === 'Z' ? 'Z' : m[8].length === 5 ? `${m[8].slice(0, 3)}:${m[8].slice(3)}` : m[8];
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${fraction}${zone}`);
  return Number.isFinite(ms) ? formatDateTime(new Date(ms)) : undefined;
}

function coordinateText(value: string | number, decimals: number): string | undefined {
  const n = typeof value === 'number' ? value : /^\s*-?\d{1,3}(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) return undefined;
  // At least 5 decimals are required too: a shorter value is padded, never made more precise.
  const fixed = n.toFixed(decimals).replace(/0+$/, '');
  const [int, frac = ''] = fixed.split('.');
  return `${int}.${frac.padEnd(5, '0')}`;
}

function truncateTo(n: number, decimals: number): number {
  const f = 10 ** decimals;
  // The small epsilon keeps 8.3 (8.299999... in binary) at 8.3.
  return Math.trunc(n * f + Math.sign(n) * 1e-9) / f;
}

const WEEKDAYS = 7;

/** `{weekday: 5, 22:00-06:00}` -> `{5, 22:00-23:59}` + `{6, 00:00-06:00}` (23:59 is the latest time OCPI can write). */
function splitOvernight(root: Json, elementPath: Path): Json | undefined {
  const hours = valueAt(root, elementPath) as { weekday?: unknown; period_begin?: unknown; period_end?: unknown } | undefined;
  const index = elementPath[elementPath.length - 1];
  const list = valueAt(root, elementPath.slice(0, -1));
  if (!hours || typeof index !== 'number' || !Array.isArray(list)) return undefined;
  const { weekday, period_begin: begin, period_end: end } = hours;
  if (typeof weekday !== 'number' || typeof begin !== 'string' || typeof end !== 'string' || end >= begin) return undefined;
  const late = { ...hours, period_end: '23:59' };
  const early = { ...hours, weekday: (weekday % WEEKDAYS) + 1, period_begin: '00:00' };
  const parts = end === '00:00' ? [late] : [late, early];
  return setAt(root, elementPath.slice(0, -1), [...list.slice(0, index), ...parts, ...list.slice(index + 1)]);
}

function nearestLastUpdated(root: Json, objectPath: Path): string | undefined {
  for (let end = objectPath.length - 1; end >= 0; end--) {
    const candidate = valueAt(root, [...objectPath.slice(0, end), 'last_updated']);
    if (typeof candidate === 'string') return candidate;
  }
  return undefined;
}

function shortMessage(message: string): string {
  return message.length > 120 ? `${message.slice(0, 117)}...` : message;
}

function enumValueText(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
}
