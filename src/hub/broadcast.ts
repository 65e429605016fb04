/**
 * Broadcast push (transport §9.3): a POST/PUT/PATCH/DELETE addressed to the hub itself is sent
 * to every connected party of the opposite role whose platform offers the same module
 * interface, through the outbox (durable, retried, ordered per object). The hub answers the
 * broadcaster at once; receivers' errors stay with the hub (delivery dashboard). What may be
 * broadcast at all is decided by recipients.ts. A `response_url` in a copy (body or query) is
 * replaced, per receiver, by a hub alias as a forward does: no receiver holds a token for the
 * broadcaster's platform.
 */
import type { Request } from 'express';
import type { AppContext } from '../context.js';
import type { OutboxMessageInput } from '../delivery/outbox.js';
import type { PartyRef } from '../ocpi/context.js';
import { parseDateTime } from '../model/primitives.js';
import { CALLBACK_TTL_MS, createAlias } from './aliases.js';
import { endpointOf, isConnected } from './directory.js';
import { type HubPolicy, isOneParty } from './policy.js';

const EMSP_LIKE = ['EMSP', 'NSP', 'NAP', 'OTHER'];

/**
 * CPO data goes to eMSP-like roles; what eMSP-like roles send goes to CPOs (OTHER counts as
 * eMSP). The module decides for a party with both roles: tokens flow to CPOs, locations from them.
 */
export function oppositeRoles(policy: HubPolicy, senderRoles: string[], module: string): string[] {
  const cpo = senderRoles.includes('CPO');
  const emspLike = senderRoles.some((r) => EMSP_LIKE.includes(r));
  if (cpo && emspLike) return policy.cpoData.has(module) ? EMSP_LIKE : ['CPO'];
  return cpo ? EMSP_LIKE : ['CPO'];
}

export interface BroadcastInput {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  module: string;
  interfaceRole: 'SENDER' | 'RECEIVER';
  /** Path below the module endpoint, query included. */
  path: string;
  body?: unknown;
  callerPeerId: string;
  from: PartyRef;
  hub: PartyRef;
  policy: HubPolicy;
}

export async function broadcast(app: AppContext, req: Request, input: BroadcastInput): Promise<number> {
  const directory = app.services.hubDirectory;
  const sender = await directory.find(input.from);
  const wanted = oppositeRoles(input.policy, sender?.roles ?? [], input.module);
  const access = app.services.hubAccess;
  const messages: OutboxMessageInput[] = [];
  const seen = new Set<string>();
  const stamp = typeof (input.body as { last_updated?: unknown })?.last_updated === 'string' ? parseDateTime((input.body as { last_updated: string }).last_updated) : null;
  for (const w of await directory.peerParties()) {
    if (w.kind !== 'peer' || w.peer.id === input.callerPeerId || !isConnected(w.peer)) continue;
    if (w.viaHub && w.remoteStatus !== 'CONNECTED') continue;
    if (!w.roles.some((r) => wanted.includes(r))) continue;
    if (!endpointOf(w.peer, input.module, input.interfaceRole)) continue;
    if (!(await access.allowed(input.from, w.party))) continue;
    const key = `${w.peer.id}/${w.party.countryCode}/${w.party.partyId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const copy = await withCallbackAliases(app, input, w.peer.id, w.party);
    messages.push({
      peerId: w.peer.id,
      objectKey: `hub:${input.module}:${input.path.split('?')[0]}`,
      kind: 'PUSH',
      module: input.module,
      method: input.method,
      target: { interfaceRole: input.interfaceRole, path: copy.path },
      body: copy.body,
      fullVersion: input.method === 'PUT',
      lastUpdated: stamp ?? undefined,
      // Hub -> each receiver: from = the hub, to = that receiver (transport §9.2); a one-party
      // receiver (OCPI 2.1.1) is addressed by its connection alone. Delivery writes the body in
      // the receiver's version (delivery/translations.ts): the outbox holds the stored model.
      ...(isOneParty(app, w.peer) ? {} : { from: input.hub, to: w.party }),
      // Every copy continues the broadcaster's exchange (transport: a hub keeps X-Correlation-ID).
      correlationId: req.ocpi.correlationId,
    });
  }
  await app.outbox.enqueue(app.db, messages);
  return messages.length;
}

/** The receiver calls the alias; the hub forwards the call to the broadcaster's URL, from the receiver. */
async function withCallbackAliases(app: AppContext, input: BroadcastInput, receiverPeerId: string, receiver: PartyRef): Promise<{ body: unknown; path: string }> {
  const alias = (url: string) =>
    createAlias(app, {
      kind: 'CALLBACK',
      module: input.module,
      url,
      callerPeerId: receiverPeerId,
      targetPeerId: input.callerPeerId,
      from: receiver,
      to: input.from,
      ttlMs: CALLBACK_TTL_MS,
    });
  let { body, path } = input;
  const inBody = (body as { response_url?: unknown } | null)?.response_url;
  if (body && typeof body === 'object' && !Array.isArray(body) && typeof inBody === 'string') body = { ...body, response_url: await alias(inBody) };
  const q = path.indexOf('?');
  if (q >= 0) {
    const query = new URLSearchParams(path.slice(q + 1));
    const inQuery = query.get('response_url');
    if (inQuery) {
      query.set('response_url', await alias(inQuery));
      path = `${path.slice(0, q)}?${query.toString()}`;
    }
  }
  return { body, path };
}
