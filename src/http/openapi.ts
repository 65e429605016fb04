/**
 * OpenAPI 3.1 documents generated from the same route definitions and zod schemas that serve
 * the requests: the OCPI interfaces from the module registry, the admin API from its route list.
 */
import { z } from 'zod';
import { PaginationQuery } from '../ocpi/pagination.js';
import type { ModuleInterface } from '../ocpi/registry-types.js';
import type { RouteDef } from '../ocpi/route.js';

type Json = Record<string, unknown>;

function schemaOf(schema: z.ZodType): Json {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', reused: 'inline' }) as Json;
  delete json.$schema;
  return json;
}

function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, '{$1}').replace(/\/$/, '') || '/';
}

function parameters(route: RouteDef): Json[] {
  const out: Json[] = [];
  const add = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!schema) return;
    const json = schemaOf(schema) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, prop] of Object.entries(json.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: prop });
    }
  };
  add(route.params, 'path');
  add(route.paginated ? PaginationQuery : route.query, 'query');
  if (route.paginated && route.query) add(route.query, 'query');
  return out;
}

const ENVELOPE_HEADERS = {
  'X-Request-ID': { schema: { type: 'string' }, description: 'Echo of the request id' },
  'X-Correlation-ID': { schema: { type: 'string' }, description: 'Echo of the correlation id' },
};
const PAGE_HEADERS = {
  'X-Total-Count': { schema: { type: 'integer' } },
  'X-Limit': { schema: { type: 'integer' } },
  Link: { schema: { type: 'string' }, description: 'Absolute URL of the next page, rel="next"; absent on the last page' },
};

function envelopeSchema(data: z.ZodType | undefined): Json {
  return {
    type: 'object',
    required: ['status_code', 'timestamp'],
    properties: {
      ...(data ? { data: schemaOf(data) } : {}),
      status_code: { type: 'integer', description: 'OCPI status code: 1xxx success, 2xxx client, 3xxx server, 4xxx hub errors' },
      status_message: { type: 'string' },
      timestamp: { type: 'string', format: 'date-time' },
    },
  };
}

/**
 * One document per OCPI version that has modules, named `ocpi-{version}.json`: the interfaces
 * whose path names that version, and those that name none (the version list, hub links).
 */
export function ocpiDocuments(interfaces: ModuleInterface[], modules: ReadonlyArray<{ version: string }>): Record<string, Json & { info: { version: string } }> {
  const versions = [...new Set(modules.map((m) => m.version))].sort();
  const named = (iface: ModuleInterface) => versions.filter((v) => iface.basePath.split('/').includes(v));
  const docs: Record<string, Json & { info: { version: string } }> = {};
  for (const v of versions) {
    const mine = interfaces.filter((i) => named(i).length === 0 || named(i).includes(v));
    docs[`ocpi-${v}.json`] = buildOcpiDocument(mine, v) as Json & { info: { version: string } };
  }
  return docs;
}

export function buildOcpiDocument(interfaces: ModuleInterface[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const iface of interfaces) {
    for (const route of iface.routes) {
      const path = openApiPath(`/ocpi${iface.basePath}${route.path}`);
      const headers = { ...ENVELOPE_HEADERS, ...(route.paginated ? PAGE_HEADERS : {}) };
      const errors: Json = {
        '401': { description: 'Missing or unknown token' + (iface.acceptsTokenA ? '' : ', or Token A'), content: { 'application/json': { schema: envelopeSchema(undefined) } } },
      };
      for (const [status, description] of Object.entries(route.errors ?? {}))
        errors[status] = { description, content: { 'application/json': { schema: envelopeSchema(undefined) } } };
      paths[path] = {
        ...(paths[path] ?? {}),
        [route.method]: {
          tags: [`${iface.identifier}${iface.identifier === 'versions' ? '' : ` (${iface.role})`}`],
          summary: route.summary,
          ...(route.description ? { description: route.description } : {}),
          parameters: [...parameters(route), ...(iface.routed ? ROUTING_PARAMETERS : [])],
          // A body schema that accepts nothing (e.g. tokens authorize) makes the body optional.
          ...(route.body ? { requestBody: { required: !route.body.safeParse(undefined).success, content: { 'application/json': { schema: schemaOf(route.body) } } } } : {}),
          responses: {
            '200': { description: 'OCPI envelope', headers, content: { 'application/json': { schema: envelopeSchema(route.response) } } },
            ...errors,
          },
          security: [{ ocpiToken: [] }],
        },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: `OCPI ${version} interfaces`,
      version,
      description: `Every OCPI module interface this platform can mount. Which ones a given deployment advertises depends on the roles of its local parties (see GET /ocpi/${version}).`,
    },
    paths,
    components: { securitySchemes: { ocpiToken: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'Token <base64 of the credentials token>' } } },
  };
}

const ROUTING_PARAMETERS = ['OCPI-from-country-code', 'OCPI-from-party-id', 'OCPI-to-country-code', 'OCPI-to-party-id'].map((name) => ({
  name,
  in: 'header',
  required: false,
  schema: { type: 'string' },
}));

export function buildAdminDocument(routes: RouteDef[]): Json {
  const paths: Record<string, Json> = {};
  const errorSchema = {
    type: 'object',
    properties: {
      error: {
        type: 'object',
        properties: {
          code: { type: 'string' },
          message: { type: 'string' },
          fields: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
    },
  };
  for (const route of routes) {
    const path = openApiPath(`/admin${route.path}`);
    const ok = String(route.successStatus ?? (route.response ? 200 : 204));
    const responses: Json = { [ok]: route.response ? { description: 'OK', content: { 'application/json': { schema: schemaOf(route.response) } } } : { description: 'Done' } };
    responses['401'] = { description: 'Missing or wrong admin key', content: { 'application/json': { schema: errorSchema } } };
    responses['403'] = { description: "The key's scope does not allow this call (insufficient_scope)", content: { 'application/json': { schema: errorSchema } } };
    for (const [status, description] of Object.entries(route.errors ?? {})) responses[status] = { description, content: { 'application/json': { schema: errorSchema } } };
    paths[path] = {
      ...(paths[path] ?? {}),
      [route.method]: {
        tags: [route.path.split('/')[1]],
        summary: route.summary,
        parameters: parameters(route),
        ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(route.body) } } } } : {}),
        responses,
        security: [{ adminKey: [] }],
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Platform admin API',
      version: '1',
      description:
        "Parties, peers and operations. Authorization: Bearer <key>: ADMIN_API_KEY, or a key created at /admin/api-keys with scope admin (everything), read (GET and HEAD) or party:{country_code}/{party_id} (that party's backend API under /admin/parties/{country_code}/{party_id}/). GET /admin/whoami names the key and its scope.",
    },
    paths,
    components: { securitySchemes: { adminKey: { type: 'http', scheme: 'bearer' } } },
  };
}
