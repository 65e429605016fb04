/**
 * What a sender may say about ownership through the hub. Receivers check client-owned URLs and
 * token owners against the parties of the connection that calls them; through a hub that
 * connection is the hub, which speaks for every party behind it, so the hub itself enforces
 * that a party writes only its own objects: the `/{country_code}/{party_id}` of a client-owned
 * URL (or, for a session an eMSP forwards to its SCSP, its token), the owner of a posted CDR and
 * the token of a command must be the sender's.
 */
import { OcpiError, invalidParameters } from '../ocpi/errors.js';
import type { PartyRef } from '../ocpi/context.js';
import { OcpiStatus } from '../ocpi/status.js';
import { ciEquals } from '../model/primitives.js';
import type { HubPolicy } from './policy.js';

const same = (from: PartyRef, cc: unknown, pid: unknown) => typeof cc === 'string' && typeof pid === 'string' && ciEquals(cc, from.countryCode) && ciEquals(pid, from.partyId);

export function assertSendsOwnObjects(policy: HubPolicy, module: string, interfaceRole: string, method: string, rest: string, body: unknown, from: PartyRef): void {
  if (interfaceRole !== 'RECEIVER') return;
  const seg = rest.split('/').filter(Boolean).map(decodeURIComponent);
  if (policy.clientOwned.has(module) && seg.length >= 2 && !same(from, seg[0], seg[1]) && !forwardsOwnDriver(policy, module, method, body, from)) {
    // As our own receivers answer a URL party the caller does not speak for (transport §8).
    throw new OcpiError(OcpiStatus.CLIENT_ERROR, `${seg[0]}/${seg[1]} in the URL is not the sending party ${from.countryCode}/${from.partyId}`, 404);
  }
  const b = (body ?? {}) as Record<string, unknown>;
  if (module === 'cdrs' && method === 'POST' && b.country_code !== undefined && !same(from, b.country_code, b.party_id)) {
    throw invalidParameters('country_code/party_id: a CDR can only be sent by its owner');
  }
  const token = b.token as Record<string, unknown> | undefined;
  if (module === 'commands' && method === 'POST' && token && typeof token === 'object' && token.country_code !== undefined && !same(from, token.country_code, token.party_id)) {
    throw invalidParameters('token: must be a token of the sending party');
  }
}

/**
 * An eMSP that delegated smart charging to an SCSP forwards its drivers' sessions, whole (PUT),
 * under the CPO's URL (09-chargingprofiles, topologies): the session must run on its own token.
 */
function forwardsOwnDriver(policy: HubPolicy, module: string, method: string, body: unknown, from: PartyRef): boolean {
  const token = (body as { cdr_token?: Record<string, unknown> } | null)?.cdr_token;
  return policy.routedByTokenOwner.has(module) && method === 'PUT' && !!token && typeof token === 'object' && same(from, token.country_code, token.party_id);
}
