/**
 * Credentials and endpoints between OCPI 2.1.1 and the 2.2.1 model. Pure functions. A 2.1.1
 * credentials object names one party and no role; its version details name no interface role.
 * Both are implied by what the connection is: a 2.1.1 connection joins a CPO and an eMSP, so the
 * peer's party has the role opposite to the local party we present, and each of its endpoints
 * plays the role that party's interface plays (docs/interop.md, OCPI 2.1.1 peers).
 */
import type { Credentials, CredentialsRole } from '../../../model/credentials.js';
import type { Endpoint } from '../../../model/version.js';
import type { Credentials211, Endpoint211 } from './schemas.js';

export type OneSidedRole = 'CPO' | 'EMSP';

export const otherSide = (role: OneSidedRole): OneSidedRole => (role === 'CPO' ? 'EMSP' : 'CPO');

/** A 2.1.1 credentials object as the 2.2.1 model: its one party with the role the connection implies. */
export function credentialsFrom211(c: Credentials211, role: OneSidedRole | 'HUB'): Credentials {
  return { token: c.token, url: c.url, roles: [{ role, business_details: c.business_details, party_id: c.party_id, country_code: c.country_code }] };
}

/** Our 2.2.1 credentials as a 2.1.1 peer reads them: only the party presented to it. */
export function credentialsTo211(c: { token: string; url: string }, party: Pick<CredentialsRole, 'business_details' | 'party_id' | 'country_code'>): Credentials211 {
  return { token: c.token, url: c.url, business_details: party.business_details, party_id: party.party_id, country_code: party.country_code };
}

/**
 * The interface role of an endpoint a 2.1.1 party of `peerRole` advertises. A CPO serves its
 * locations, sessions, CDRs and tariffs (SENDER) and takes tokens and commands (RECEIVER); an
 * eMSP the other way round.
 */
export function endpointRole(identifier: string, peerRole: OneSidedRole): Endpoint['role'] {
  if (identifier === 'credentials') return 'SENDER';
  const cpoReceives = identifier === 'tokens' || identifier === 'commands';
  return (peerRole === 'CPO') === cpoReceives ? 'RECEIVER' : 'SENDER';
}

export function endpointsFrom211(endpoints: Endpoint211[], peerRole: OneSidedRole): Endpoint[] {
  return endpoints.map((e) => ({ identifier: e.identifier, role: endpointRole(e.identifier, peerRole), url: e.url }));
}

/** Our endpoints as a 2.1.1 version details lists them: one per module, without a role. */
export function endpointsTo211(endpoints: Endpoint[]): Endpoint211[] {
  const seen = new Set<string>();
  return endpoints.filter((e) => !seen.has(e.identifier) && seen.add(e.identifier)).map((e) => ({ identifier: e.identifier, url: e.url }));
}
