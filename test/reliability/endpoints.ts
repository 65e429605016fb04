/**
 * Every OCPI endpoint of the registry, with a valid sample path, query and body for a caller.
 * Interfaces added to `moduleInterfaces` later are picked up on their own: path and query values
 * come from a table by parameter name or, failing that, from the route's zod schema; bodies from
 * the known samples in `samples.ts` or, failing that, are generated from the zod schema.
 */
import { z } from 'zod';
import { moduleInterfaces } from '../../src/modules/registry.js';
import { PaginationQuery } from '../../src/ocpi/pagination.js';
import type { ModuleInterface } from '../../src/ocpi/registry-types.js';
import type { HttpMethod, RouteDef } from '../../src/ocpi/route.js';
import { knownBodySchema, knownSampleBody } from './samples.js';

export interface Endpoint {
  iface: ModuleInterface;
  route: RouteDef;
  method: HttpMethod;
  /** Express template under the server root, e.g. `/ocpi/emsp/2.2.1/locations/:country_code/:party_id/:location_id`. */
  template: string;
  /** `identifier:ROLE:method:routePath`, the key of the sample tables. */
  key: string;
  /** `PUT /ocpi/emsp/...`, for messages. */
  label: string;
  paramNames: string[];
  /** The URL names the owner party ({country_code}/{party_id}): a Client Owned Object. */
  clientOwned: boolean;
}

export function listEndpoints(interfaces: ModuleInterface[] = moduleInterfaces): Endpoint[] {
  return interfaces.flatMap((iface) =>
    iface.routes.map((route) => {
      const template = `/ocpi${iface.basePath}${route.path === '/' ? '' : route.path}` || '/';
      const paramNames = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
      return {
        iface,
        route,
        method: route.method,
        template,
        key: `${iface.identifier}:${iface.role}:${route.method}:${route.path}`,
        label: `${route.method.toUpperCase()} ${template}`,
        paramNames,
        clientOwned: paramNames.includes('country_code') && paramNames.includes('party_id'),
      };
    }),
  );
}

/** What a sample refers to: the caller's party, objects that exist, URLs that answer. */
export interface World {
  /** The caller's party: the owner segment of Client Owned Object URLs. */
  party: { countryCode: string; partyId: string };
  /** Values of path parameters of Client Owned Object URLs (the caller's own objects), by name. */
  clientOwned: Record<string, string>;
  /** Values of path parameters naming our parties' objects (locations, sessions...), by name. */
  own: Record<string, string>;
  /** A URL the platform may call back (response_url) and the caller's versions URL. */
  callbackUrl: string;
  versionsUrl: string;
  /** A strictly increasing DateTime (newer than anything stored). */
  later(): string;
  /** The cdr_token of sessions and CDRs the caller pushes to us (one of our eMSP's tokens). */
  cdrToken?: Record<string, string>;
}

export interface Sample {
  /** Path as sent on the wire (segments percent-encoded). */
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  body?: unknown;
}

const GENERIC_STRINGS = ['X1', 'NL', 'ABC', '1', 'en', 'EUR', '2025-06-01T08:00:00Z', 'http://127.0.0.1:9/callback', 'Sample'];

function paramValue(ep: Endpoint, name: string, world: World): string | undefined {
  const named = name === 'country_code' ? world.party.countryCode : name === 'party_id' ? world.party.partyId : undefined;
  return named ?? (ep.clientOwned ? (world.clientOwned[name] ?? world.own[name]) : (world.own[name] ?? world.clientOwned[name]));
}

/** Candidate values for one field of an object schema: the table's, then the schema's enum, then generic ones. */
function candidates(schema: z.ZodType | undefined, name: string, preferred: string | undefined): string[] {
  const shape = (schema as { shape?: Record<string, z.ZodType> } | undefined)?.shape;
  const field = shape?.[name] as { options?: unknown[] } | undefined;
  const options = Array.isArray(field?.options) ? field.options.filter((o): o is string => typeof o === 'string') : [];
  return [...(preferred === undefined ? [] : [preferred]), ...options, ...GENERIC_STRINGS];
}

/** The first candidate per field that the schema accepts at that field. */
function fill(schema: z.ZodType | undefined, names: string[], preferred: (name: string) => string | undefined): { values: Record<string, string>; missing: string[] } {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of names) {
    const found = candidates(schema, name, preferred(name)).find((v) => {
      if (!schema) return true;
      const r = schema.safeParse({ ...values, [name]: v });
      return r.success || !r.error.issues.some((i) => i.path[0] === name);
    });
    if (found === undefined) missing.push(name);
    else values[name] = found;
  }
  return { values, missing };
}

export function samplePath(ep: Endpoint, world: World, overrides: Record<string, string> = {}): { path: string; params: Record<string, string> } {
  const { values, missing } = fill(ep.route.params, ep.paramNames, (n) => overrides[n] ?? paramValue(ep, n, world));
  if (missing.length) {
    throw new Error(`${ep.label}: no valid sample for path parameter(s) ${missing.map((m) => `:${m}`).join(', ')}; add one to World (test/reliability) by parameter name`);
  }
  const path = ep.template.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => encodeURIComponent(values[name]));
  return { path, params: values };
}

const QUERY_VALUES: Record<string, (w: World) => string> = {
  response_url: (w) => w.callbackUrl,
  duration: () => '900',
  type: () => 'RFID',
};

/** Required query parameters of the route, valid; optional ones are left out. */
export function sampleQuery(ep: Endpoint, world: World): Record<string, string> {
  const schema = ep.route.query as z.ZodType | undefined;
  if (!schema) return {};
  const shape = (schema as { shape?: Record<string, z.ZodType> }).shape ?? {};
  const required = Object.keys(shape).filter((k) => !shape[k].safeParse(undefined).success);
  const { values, missing } = fill(schema, required, (n) => QUERY_VALUES[n]?.(world));
  if (missing.length) throw new Error(`${ep.label}: no valid sample for query parameter(s) ${missing.join(', ')}`);
  return values;
}

export function queryString(query: Record<string, string>): string {
  const qs = new URLSearchParams(query).toString();
  return qs ? `?${qs}` : '';
}

/** The schema a request body is judged by (a route may declare `z.unknown()` and parse per path). */
export function bodySchema(ep: Endpoint, params: Record<string, string>): z.ZodType | undefined {
  return knownBodySchema(ep.key, params) ?? (ep.route.body as z.ZodType | undefined);
}

/** The schema the query is judged by: the route's, plus pagination for paginated lists. */
export function querySchema(ep: Endpoint): z.ZodType | undefined {
  const own = ep.route.query as z.ZodType | undefined;
  if (!ep.route.paginated) return own;
  return own && 'extend' in own ? (own as unknown as z.ZodObject).extend(PaginationQuery.shape) : PaginationQuery;
}

/** A valid body for the endpoint (undefined when the route takes none). */
export function sampleBody(ep: Endpoint, world: World, params: Record<string, string>): { body: unknown; generated: boolean } | undefined {
  const schema = bodySchema(ep, params);
  const known = knownSampleBody(
    ep.key,
    world,
    params,
    ep.template.split('/').find((s) => /^\d+(\.\d+)+$/.test(s)),
  );
  if (known !== undefined) return { body: known, generated: false };
  if (!schema) return undefined;
  const generated = generateValid(schema, world);
  // An optional body: fuzzed from a generated one when possible, else from nothing.
  if (schema.safeParse(undefined).success && !schema.safeParse(generated).success) return undefined;
  return { body: generated, generated: true };
}

export function sample(ep: Endpoint, world: World, overrides: Record<string, string> = {}): Sample {
  const { path, params } = samplePath(ep, world, overrides);
  return { path, params, query: sampleQuery(ep, world), body: sampleBody(ep, world, params)?.body };
}

// ---- generic valid values from a zod schema (for endpoints without a known sample) ----

type Json = any;

function stringFor(name: string, js: Json, world: World): string {
  const n = name.toLowerCase();
  if (Array.isArray(js.examples) && typeof js.examples[0] === 'string') return js.examples[0];
  if (typeof js.example === 'string') return js.example;
  if (js.format === 'date-time' || /date|time|last_updated/.test(n)) return '2025-06-01T08:00:00Z';
  if (n.endsWith('url')) return world.callbackUrl;
  if (n === 'country_code') return world.party.countryCode;
  if (n === 'party_id') return world.party.partyId;
  if (n === 'currency') return 'EUR';
  if (n === 'language') return 'en';
  const patterns = [js.pattern, ...(Array.isArray(js.allOf) ? js.allOf.map((a: Json) => a.pattern) : [])].filter(Boolean);
  const fit = GENERIC_STRINGS.find((s) => patterns.every((p: string) => new RegExp(p).test(s)) && (js.maxLength === undefined || s.length <= js.maxLength));
  return fit ?? 'X1';
}

function fromJsonSchema(js: Json, root: Json, name: string, world: World, depth = 0): unknown {
  if (!js || depth > 12) return undefined;
  if (js.$ref) return fromJsonSchema(resolveRef(root, js.$ref), root, name, world, depth + 1);
  if ('const' in js) return js.const;
  if (Array.isArray(js.enum)) return js.enum[0];
  const union = js.anyOf ?? js.oneOf;
  if (Array.isArray(union)) return fromJsonSchema(union.find((o: Json) => o.type !== 'null') ?? union[0], root, name, world, depth + 1);
  const type = Array.isArray(js.type) ? js.type.find((t: string) => t !== 'null') : js.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of js.required ?? []) out[key] = fromJsonSchema(js.properties?.[key], root, key, world, depth + 1);
      return out;
    }
    case 'array':
      return (js.minItems ?? 0) > 0 || depth < 3 ? [fromJsonSchema(js.items, root, name, world, depth + 1)] : [];
    case 'string':
      return stringFor(name, js, world);
    case 'integer':
    case 'number':
      return js.minimum ?? (js.exclusiveMinimum !== undefined ? js.exclusiveMinimum + 1 : 1);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return Array.isArray(js.allOf) && js.allOf.length ? fromJsonSchema(js.allOf[0], root, name, world, depth + 1) : 'X1';
  }
}

function resolveRef(root: Json, ref: string): Json {
  return ref
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .reduce((node: Json, part: string) => node?.[part], root);
}

function setAt(target: Json, path: PropertyKey[], value: unknown): Json {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const container = target !== null && typeof target === 'object' ? target : typeof head === 'number' ? [] : {};
  container[head as string] = setAt(container[head as string], rest, value);
  return container;
}

/**
 * Starts from the JSON Schema of the zod schema, then repairs what zod still refuses (refinements
 * the JSON Schema cannot express) by trying other values at the paths zod names.
 */
export function generateValid(schema: z.ZodType, world: World): unknown {
  let js: Json;
  try {
    js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  } catch {
    js = { type: 'object' };
  }
  let value: Json = fromJsonSchema(js, js, '', world);
  const tried = new Map<string, number>();
  for (let round = 0; round < 60; round++) {
    const r = schema.safeParse(value);
    if (r.success) return value;
    for (const issue of r.error.issues) {
      const at = issue.path as PropertyKey[];
      const key = at.join('.');
      const n = tried.get(key) ?? 0;
      tried.set(key, n + 1);
      const last = String(at[at.length - 1] ?? '');
      const i = issue as { code: string; values?: unknown[]; expected?: string };
      let next: unknown;
      if (i.code === 'invalid_value' && i.values?.length) next = i.values[n % i.values.length];
      else if (i.code === 'invalid_type' && i.expected === 'number') next = [1, 0, 10][n % 3];
      else if (i.code === 'invalid_type' && i.expected === 'boolean') next = true;
      else if (i.code === 'invalid_type' && i.expected === 'array') next = [];
      else if (i.code === 'invalid_type' && i.expected === 'object') next = {};
      else next = n === 0 ? stringFor(last, {}, world) : GENERIC_STRINGS[(n - 1) % GENERIC_STRINGS.length];
      value = setAt(value, at, next);
    }
  }
  return value;
}
