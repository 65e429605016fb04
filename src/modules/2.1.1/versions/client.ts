/**
 * Discovering a 2.1.1 peer: its version list, the 2.1.1 details, the endpoints with the roles the
 * connection implies. 2.1.1 peers expect the raw token in Authorization: raw first, Base64 on a 401.
 */
import type { AppContext } from '../../../context.js';
import { type AuthEncoding, OcpiCallError } from '../../../ocpi/client.js';
import { OcpiError } from '../../../ocpi/errors.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { VersionList, type Endpoint } from '../../../model/version.js';
import { VersionDetails211 } from '../credentials/schemas.js';
import { type OneSidedRole, endpointsFrom211 } from '../credentials/translate.js';
import { OCPI_VERSION } from '../version.js';

export interface Discovered211 {
  endpoints: Endpoint[];
  encoding: AuthEncoding;
  /** The role of the peer's party: given, or read from its endpoints (peerRoleOf). */
  peerRole: OneSidedRole;
}

/**
 * A 2.1.1 party's role when nothing on our side implies it (our hub party faces both roles):
 * its endpoint URLs under a `/cpo/` or an `/emsp/` path segment, the convention of the spec's
 * examples. Neither or both: the connection is refused naming why (docs/interop.md).
 */
export function peerRoleOf(endpoints: Array<{ identifier: string; url: string }>): OneSidedRole {
  const said = (segment: string) => endpoints.some((e) => e.identifier !== 'credentials' && safePath(e.url).split('/').includes(segment));
  const cpo = said('cpo');
  const emsp = said('emsp');
  if (cpo !== emsp) return cpo ? 'CPO' : 'EMSP';
  throw new OcpiError(
    OcpiStatus.NO_MATCHING_ENDPOINTS,
    'endpoints: an OCPI 2.1.1 party connecting to a hub must be recognisable as a CPO or an eMSP (module URLs under a /cpo/ or an /emsp/ path segment)',
  );
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname.toLowerCase();
  } catch {
    return '';
  }
}

export async function discover211(app: AppContext, versionsUrl: string, token: string, given?: OneSidedRole): Promise<Discovered211> {
  let list: unknown;
  let encoding: AuthEncoding = 'raw';
  let lastError: unknown;
  for (const e of ['raw', 'base64'] as const) {
    try {
      list = (await app.client.request({ method: 'GET', url: versionsUrl, token, encoding: e })).data;
      encoding = e;
      lastError = undefined;
      break;
    } catch (err) {
      lastError = err;
      if (!(err instanceof OcpiCallError && err.httpStatus === 401)) break;
    }
  }
  if (lastError) throw unreachable('versions', lastError);
  const versions = VersionList.safeParse(list);
  if (!versions.success) throw new OcpiError(OcpiStatus.UNABLE_TO_USE_CLIENT_API, 'The versions endpoint answered with an invalid version list');
  const chosen = versions.data.find((v) => v.version === OCPI_VERSION);
  if (!chosen) throw new OcpiError(OcpiStatus.UNSUPPORTED_VERSION, `No mutual version: the peer does not offer OCPI ${OCPI_VERSION}`);
  let details: unknown;
  try {
    details = (await app.client.request({ method: 'GET', url: chosen.url, token, encoding })).data;
  } catch (e) {
    throw unreachable('version details', e);
  }
  const parsed = VersionDetails211.safeParse(details);
  if (!parsed.success) throw new OcpiError(OcpiStatus.UNABLE_TO_USE_CLIENT_API, 'The version details endpoint answered with an invalid document');
  if (!parsed.data.endpoints.some((e) => e.identifier === 'credentials')) {
    throw new OcpiError(OcpiStatus.NO_MATCHING_ENDPOINTS, `The peer advertises no credentials endpoint for OCPI ${OCPI_VERSION}`);
  }
  // Only modules this platform speaks in 2.1.1: an endpoint of another module would draw pushes
  // and pulls in the 2.2.1 form (the list grows with the 2.1.1 descriptors in the registry).
  const spoken = new Set(app.descriptors.filter((d) => d.version === OCPI_VERSION).map((d) => d.id));
  const peerRole = given ?? peerRoleOf(parsed.data.endpoints);
  return {
    endpoints: endpointsFrom211(
      parsed.data.endpoints.filter((e) => spoken.has(e.identifier)),
      peerRole,
    ),
    encoding,
    peerRole,
  };
}

function unreachable(what: string, e: unknown): OcpiError {
  return new OcpiError(OcpiStatus.UNABLE_TO_USE_CLIENT_API, `Could not read the peer's ${what}: ${e instanceof Error ? e.message : 'unknown error'}`);
}
