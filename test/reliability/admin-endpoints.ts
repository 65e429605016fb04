/**
 * Every admin API route (`adminRoutes`, so routes added later are picked up on their own), with a
 * sample path that names a given party and, elsewhere, ids that exist nowhere: a call that gets
 * past the key's scope reaches the route's handler and changes nothing of the world.
 */
import type { z } from 'zod';
import { adminRoutes } from '../../src/admin/routes.js';
import type { HttpMethod, RouteDef } from '../../src/ocpi/route.js';

export interface AdminEndpoint {
  route: RouteDef;
  method: HttpMethod;
  /** The template under /admin, e.g. `/parties/:country_code/:party_id/tokens/:uid`. */
  template: string;
  /** `PUT /admin/parties/...`, for messages. */
  label: string;
  paramNames: string[];
}

export function listAdminEndpoints(routes: RouteDef[] = adminRoutes): AdminEndpoint[] {
  return routes.map((route) => ({
    route,
    method: route.method,
    template: route.path,
    label: `${route.method.toUpperCase()} /admin${route.path}`,
    paramNames: [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]),
  }));
}

/** Ids that match the usual path schemas and name nothing that exists. */
const NOWHERE = ['NOPE1', '00000000-0000-4000-8000-000000000000', '999999999', 'X1', 'NL', 'ZZZ', '1'];

function candidates(schema: z.ZodType | undefined, name: string, preferred: string | undefined): string[] {
  const shape = (schema as { shape?: Record<string, z.ZodType> } | undefined)?.shape;
  const field = shape?.[name] as { options?: unknown[] } | undefined;
  const options = Array.isArray(field?.options) ? field.options.filter((o): o is string => typeof o === 'string') : [];
  return [...(preferred === undefined ? [] : [preferred]), ...options, ...NOWHERE];
}

/** The path under the server root, with `party` as the route's country_code/party_id. */
export function adminSamplePath(ep: AdminEndpoint, party: { countryCode: string; partyId: string }): string {
  const schema = ep.route.params as z.ZodType | undefined;
  const values: Record<string, string> = {};
  for (const name of ep.paramNames) {
    const preferred = name === 'country_code' ? party.countryCode : name === 'party_id' ? party.partyId : undefined;
    // The first candidate the route's schema accepts at that parameter (a refused one would only
    // be a 400 after the guard, which the matrix accepts too, but reaches less of the handler).
    values[name] =
      candidates(schema, name, preferred).find((v) => {
        if (!schema) return true;
        const r = schema.safeParse({ ...values, [name]: v });
        return r.success || !r.error.issues.some((i) => i.path[0] === name);
      }) ?? 'NOPE1';
  }
  return `/admin${ep.template.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => encodeURIComponent(values[name]))}`;
}
