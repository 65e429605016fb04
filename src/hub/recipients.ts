/**
 * Which requests without a definite receiver the hub may fan out, and where party-specific data
 * goes instead. Transport §9.3: a broadcast is for data meant for everybody (locations, tariffs,
 * tokens); sessions and CDRs are personal data of one eMSP's driver and go only to the eMSP of
 * their `cdr_token`; a command, a charging profile or a real-time authorization has one receiver
 * and an answer only that receiver can give, so when the hub cannot name it the request fails.
 */
import type { AppContext } from '../context.js';
import type { PartyRef } from '../ocpi/context.js';
import { sessionRecipient, tokenOwnerIn } from './owners.js';
import type { HubPolicy } from './policy.js';

/** Pushes to the RECEIVER interface of the broadcastable modules (locations, tariffs, tokens); nothing else. */
export function mayBroadcast(policy: HubPolicy, module: string, interfaceRole: string): boolean {
  return interfaceRole === 'RECEIVER' && policy.broadcast.has(module);
}

export interface RecipientQuery {
  module: string;
  interfaceRole: string;
  method: string;
  /** Path below the module endpoint, without the query. */
  rest: string;
  body: unknown;
}

/**
 * For a request to the RECEIVER of sessions or CDRs: the eMSP party it is for, from the
 * `cdr_token` of its body, else (a PATCH of a session) from the session's PUT that passed the
 * hub; null when neither names one. Undefined for every other request: not party-specific.
 */
export async function partySpecificRecipient(app: AppContext, policy: HubPolicy, q: RecipientQuery): Promise<PartyRef | null | undefined> {
  if (q.interfaceRole !== 'RECEIVER' || !policy.routedByTokenOwner.has(q.module)) return undefined;
  const named = tokenOwnerIn(q.body);
  if (named) return named;
  // Only client-owned objects (a session) have a URL the hub could have recorded a recipient under.
  return policy.clientOwned.has(q.module) ? sessionRecipient(app, q.rest) : null;
}
