/**
 * Discovering a peer: GET its versions, choose 2.2.1, GET the details. Used by both sides of
 * the handshake. Failures are classified the way the credentials module must report them
 * (3001 unreachable, 3002 no 2.2.1, 3003 unusable endpoints).
 */
import { type AuthEncoding, type OcpiClient, OcpiCallError } from '../../../ocpi/client.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { OCPI_VERSION } from '../version.js';
import { type Endpoint, VersionDetails, VersionList } from '../../../model/version.js';

export class DiscoveryError extends Error {
  constructor(
    readonly ocpiStatus: number,
    message: string,
  ) {
    super(message);
  }
}

export interface DiscoveredPeer {
  version: string;
  detailsUrl: string;
  endpoints: Endpoint[];
  /** The Authorization encoding the peer accepted. */
  encoding: AuthEncoding;
}

export async function discoverPeer(client: OcpiClient, versionsUrl: string, token: string, preferred: AuthEncoding = 'base64'): Promise<DiscoveredPeer> {
  const { data: versions, encoding } = await getWithEncodingFallback(client, versionsUrl, token, preferred);
  const list = VersionList.safeParse(versions);
  if (!list.success) throw new DiscoveryError(OcpiStatus.UNABLE_TO_USE_CLIENT_API, 'The versions endpoint answered with an invalid version list');
  const chosen = list.data.find((v) => v.version === OCPI_VERSION);
  if (!chosen) throw new DiscoveryError(OcpiStatus.UNSUPPORTED_VERSION, `No mutual version: the peer does not offer OCPI ${OCPI_VERSION}`);
  let detailsData: unknown;
  try {
    detailsData = (await client.request({ method: 'GET', url: chosen.url, token, encoding })).data;
  } catch (e) {
    throw unreachable('version details', e);
  }
  const details = VersionDetails.safeParse(detailsData);
  if (!details.success) throw new DiscoveryError(OcpiStatus.UNABLE_TO_USE_CLIENT_API, 'The version details endpoint answered with an invalid document');
  if (!details.data.endpoints.some((e) => e.identifier === 'credentials')) {
    throw new DiscoveryError(OcpiStatus.NO_MATCHING_ENDPOINTS, 'The peer advertises no credentials endpoint for OCPI 2.2.1');
  }
  return { version: OCPI_VERSION, detailsUrl: chosen.url, endpoints: details.data.endpoints, encoding };
}

/** Legacy peers expect the raw token: on a 401 with Base64 we try once more raw (digest §2.2). */
async function getWithEncodingFallback(client: OcpiClient, url: string, token: string, preferred: AuthEncoding) {
  const order: AuthEncoding[] = preferred === 'base64' ? ['base64', 'raw'] : ['raw', 'base64'];
  let lastError: unknown;
  for (const encoding of order) {
    try {
      const reply = await client.request({ method: 'GET', url, token, encoding });
      return { data: reply.data, encoding };
    } catch (e) {
      lastError = e;
      if (!(e instanceof OcpiCallError && e.httpStatus === 401)) break;
    }
  }
  throw unreachable('versions', lastError);
}

function unreachable(what: string, e: unknown): DiscoveryError {
  const reason = e instanceof Error ? e.message : 'unknown error';
  return new DiscoveryError(OcpiStatus.UNABLE_TO_USE_CLIENT_API, `Could not read the peer's ${what}: ${reason}`);
}
