/**
 * Party-to-party forwarding: the request goes to the receiving peer's endpoint for the same
 * module and interface, with the receiving peer's token, a new X-Request-ID, the caller's
 * X-Correlation-ID and the caller's routing headers; the body is passed on as received (so
 * `last_updated` is untouched) except for `response_url`, which becomes a hub alias. The
 * receiver's answer goes back as it came (2xxx/3xxx included) with its Link/Location made hub
 * URLs. Transport failures become hub errors: timeout 4002, unreachable 4003, anything else 4000.
 */
import type { Request, Response } from 'express';
import type { AppContext } from '../context.js';
import { OcpiCallError, type OcpiClient, type RawReply } from '../ocpi/client.js';
import type { PartyRef } from '../ocpi/context.js';
import { HEADER, echoRoutingHeaders } from '../ocpi/headers.js';
import { OcpiStatus, envelope } from '../ocpi/status.js';
import type { PeerRecord } from '../platform/peers/peer-store.js';
import { CALLBACK_TTL_MS, CDR_LOCATION_TTL_MS, createAlias, rewriteLinkHeader, signedLink } from './aliases.js';
import { type AnswerShape, NOT_FOR_PEER, sameVersion, toPeer, translateEnvelope } from './bridge.js';
import { isConnected } from './directory.js';
import { forwardTimeout, hubError, receiverNotConnected } from './errors.js';
import { type HubPolicy, isOneParty } from './policy.js';

export interface ForwardCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  module: string;
  url: string;
  body?: unknown;
  /** The peer asking (it may follow the answer's Links) and the party it speaks for. */
  callerPeerId: string;
  from?: PartyRef;
  /** The peer the call goes to and the party it is for. */
  target: PeerRecord;
  to?: PartyRef;
  /**
   * Bridging (bridge.ts): the caller's connection, when it may speak another version than the
   * target's; `body` is then the caller's body as sent, `model` the same as the stored model, and
   * `depth` the level of the objects the answer holds.
   */
  bridge?: { caller: PeerRecord; model: unknown; depth: number };
}

/** The hub forwards with app.client: the one outbound client and its pooled transport (docs/architecture.md, One way out). */
export const hubClient = (app: AppContext): OcpiClient => app.client;

export function isBodyMethod(method: string): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH';
}

/** Replaces `response_url` in the body and the query by hub aliases that lead back to the caller. */
export async function rewriteCallbacks(app: AppContext, policy: HubPolicy, call: ForwardCall): Promise<ForwardCall> {
  // Only modules whose requests carry a `response_url` the receiver will call later.
  if (!policy.callbacks.has(call.module)) return call;
  const alias = (original: string) =>
    createAlias(app, {
      kind: 'CALLBACK',
      module: call.module,
      url: original,
      callerPeerId: call.target.id,
      targetPeerId: call.callerPeerId,
      from: call.to,
      to: call.from,
      ttlMs: CALLBACK_TTL_MS,
    });
  let { body, url, bridge } = call;
  if (body && typeof body === 'object' && typeof (body as { response_url?: unknown }).response_url === 'string') {
    const replaced = await alias((body as { response_url: string }).response_url);
    body = { ...(body as object), response_url: replaced };
    // The translated body carries the same URL (a version's command keeps its response_url).
    const model = bridge?.model;
    if (bridge && model && typeof model === 'object' && 'response_url' in model) bridge = { ...bridge, model: { ...model, response_url: replaced } };
  }
  const u = new URL(url);
  const inQuery = u.searchParams.get('response_url');
  if (inQuery) {
    u.searchParams.set('response_url', await alias(inQuery));
    url = u.toString();
  }
  return { ...call, body, url, bridge };
}

/** Sends the call and writes the receiver's answer to `res`. */
export async function forwardAndRelay(app: AppContext, req: Request, res: Response, call: ForwardCall): Promise<void> {
  if (!isConnected(call.target)) throw receiverNotConnected(`${describe(call.to)} is not connected to the hub right now`);
  const { forwardTimeoutMs } = await app.services.hubState.settings();
  const bridged = call.bridge && !sameVersion(call.bridge.caller, call.target) ? call.bridge : undefined;
  const body = bridged && isBodyMethod(call.method) ? await toPeer(app, call.target, call.module, { method: call.method, url: call.url, body: bridged.model }) : call.body;
  if (body === NOT_FOR_PEER) {
    // The receiver's version has no such object (e.g. one it must not be shown): nothing to forward.
    echoRoutingHeaders(res, { from: call.from, to: call.to });
    return void res.status(200).json(envelope(OcpiStatus.SUCCESS));
  }
  // A one-party peer (OCPI 2.1.1) knows no routing headers: it is addressed by its connection.
  const routed = !isOneParty(app, call.target);
  let reply: RawReply;
  try {
    ({ reply } = await hubClient(app).exchange({
      method: call.method,
      url: call.url,
      token: app.secrets.decrypt(call.target.peerTokenEnc),
      encoding: call.target.authEncoding,
      body: isBodyMethod(call.method) ? body : undefined,
      from: routed ? call.from : undefined,
      to: routed ? call.to : undefined,
      correlationId: req.ocpi.correlationId,
      timeoutMs: forwardTimeoutMs,
    }));
  } catch (e) {
    const kind = e instanceof OcpiCallError ? e.kind : 'network';
    if (kind === 'timeout' || kind === 'network') await app.services.hubClientInfo.noteTraffic(call.target.id, false).catch(() => undefined);
    if (kind === 'timeout') throw forwardTimeout(`${describe(call.to)} did not answer the forwarded request within ${forwardTimeoutMs} ms`);
    if (kind === 'network') throw receiverNotConnected(`${describe(call.to)} could not be reached`);
    throw hubError(`The request could not be forwarded to ${describe(call.to)}`);
  }
  await app.services.hubClientInfo.noteTraffic(call.target.id, true).catch(() => undefined);
  if (bridged) {
    const shape: AnswerShape = call.method === 'GET' ? { kind: 'objects', depth: bridged.depth } : { kind: 'answer', request: { method: call.method, url: call.url, body } };
    reply = { ...reply, body: await translateEnvelope(app, call.module, reply.body, call.target, bridged.caller, shape) };
  }
  await relay(app, res, reply, call);
}

async function relay(app: AppContext, res: Response, reply: RawReply, call: ForwardCall): Promise<void> {
  if (envelopeStatus(reply.body) === null) throw hubError(`${describe(call.to)} answered HTTP ${reply.status} without an OCPI envelope`);
  // A receiver's Link/Location must stay on its own origin: the hub follows it with the receiver's token.
  const origin = new URL(call.url).origin;
  const linkAlias = (url: string): string | false =>
    sameOrigin(url, origin) && signedLink(app, { module: call.module, url, callerPeerId: call.callerPeerId, targetPeerId: call.target.id, from: call.from, to: call.to });
  for (const name of [HEADER.totalCount, HEADER.limit]) {
    const v = reply.headers[name.toLowerCase()];
    if (v !== undefined) res.setHeader(name, v);
  }
  if (reply.headers['link']) {
    const link = rewriteLinkHeader(reply.headers['link'], linkAlias);
    if (link) res.setHeader(HEADER.link, link);
  }
  const location = reply.headers['location'] && (isCdrPost(call) ? await cdrLocationAlias(app, call, reply.headers['location'], origin) : linkAlias(reply.headers['location']));
  if (location) res.setHeader('Location', location);
  // The answer travels receiver -> hub -> requester with the same parties: to = requester, from = receiver.
  echoRoutingHeaders(res, { from: call.from, to: call.to });
  res.status(reply.status).type('application/json').send(reply.body);
}

function isCdrPost(call: ForwardCall): boolean {
  return call.module === 'cdrs' && call.method === 'POST';
}

/** A sealed Link expires; the Location of a CDR must not (aliases.ts CDR_LOCATION_TTL_MS), so it is a row. */
async function cdrLocationAlias(app: AppContext, call: ForwardCall, url: string, origin: string): Promise<string | false> {
  if (!sameOrigin(url, origin)) return false;
  return createAlias(app, {
    kind: 'LINK',
    module: call.module,
    url,
    callerPeerId: call.callerPeerId,
    targetPeerId: call.target.id,
    from: call.from,
    to: call.to,
    ttlMs: CDR_LOCATION_TTL_MS,
  });
}

export function describe(party: PartyRef | undefined): string {
  return party ? `${party.countryCode}/${party.partyId}` : 'the receiver';
}

const STATUS_AT_EDGE = /"status_code"\s*:\s*(\d+)/;

/**
 * The OCPI status code of an answer, or null when it is not an envelope. Pages are large and
 * relayed as text, so the code is looked for where envelopes put it (the first or last few
 * hundred characters) before paying for a full parse.
 */
export function envelopeStatus(body: string): number | null {
  if (!body) return null;
  const edge = body.length > 2048 ? (STATUS_AT_EDGE.exec(body.slice(-400)) ?? STATUS_AT_EDGE.exec(body.slice(0, 400))) : null;
  if (edge && body.trimStart().startsWith('{') && body.trimEnd().endsWith('}')) return Number(edge[1]);
  try {
    const code = JSON.parse(body)?.status_code;
    return Number.isInteger(code) ? code : null;
  } catch {
    return null;
  }
}

function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}
