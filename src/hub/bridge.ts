/**
 * Hub bridging between OCPI versions (docs/hub.md, "Peers of another version"). The hub reads a
 * body in its sender's version and writes it in its receiver's, through the translations each
 * version's descriptors registered per module (`app.wireTranslations`, delivery/translations.ts):
 * the same ones delivery and pulls use, so the hub names no version and no module. Between two
 * peers of the same version nothing is translated; a peer of the stored model's version (2.2.1)
 * has no translation, so its side is the identity.
 */
import type { AppContext } from '../context.js';
import { type InboundHint, NOT_FOR_PEER, type OutboundMessage } from '../delivery/translations.js';
import { invalidParameters } from '../ocpi/errors.js';
import { DomainError } from '../platform/domain-error.js';
import type { PeerRecord } from '../platform/peers/peer-store.js';
import { endpointOf } from './directory.js';

/**
 * A body `peer` sent, as the stored model; what its version's translation cannot read passes as
 * it came. `hint`: a PATCH (part of an object) and the path that tells the object's level.
 */
export function toModel(app: AppContext, peer: PeerRecord, module: string, body: unknown, hint?: InboundHint): Promise<unknown> {
  return body == null ? Promise.resolve(body) : app.wireTranslations.inbound(peer, module, body, app, hint);
}

/**
 * A stored-model body as `peer` reads it at `url` (the URL tells a translation the object's
 * level); NOT_FOR_PEER when it must not see it. What its version cannot express (a translation
 * refuses it naming the field) is the sender's 2001.
 */
export async function toPeer(app: AppContext, peer: PeerRecord, module: string, message: OutboundMessage): Promise<unknown> {
  try {
    return await app.wireTranslations.outbound(peer, module, message, app);
  } catch (e) {
    if (e instanceof DomainError) throw invalidParameters(`${e.message} (the receiver speaks OCPI ${peer.version})`);
    throw e;
  }
}

export function sameVersion(a: PeerRecord, b: PeerRecord): boolean {
  return a.version === b.version;
}

export { NOT_FOR_PEER };

/** What an answer holds: objects of a list or one object read (`depth`: their level), or the answer to a request (`request`). */
export type AnswerShape = { kind: 'objects'; depth: number } | { kind: 'answer'; request: OutboundMessage };

/**
 * An answer's `data` from `from`, as `to` reads it. Objects are read into the model and written
 * for `to`; their `depth` is their level below a RECEIVER endpoint (3: a location, 4: an EVSE,
 * 5: a connector), which is how translations tell what they hold. An object `to` must not see is
 * left out. The answer to a request (a CommandResponse, an AuthorizationInfo) is read into the
 * model by the receiver's version and written in `to`'s (`answerTo`: e.g. a 2.1.1 AuthorizationInfo).
 */
export async function translateData(app: AppContext, module: string, data: unknown, from: PeerRecord, to: PeerRecord, shape: AnswerShape): Promise<unknown> {
  if (data == null || sameVersion(from, to)) return data;
  if (shape.kind === 'answer') {
    const model = app.wireTranslations.answer(from, module, data, shape.request).body;
    return app.wireTranslations.answerTo(to, module, model, shape.request);
  }
  const url = `${endpointOf(to, module, 'RECEIVER') ?? ''}${'/_'.repeat(shape.depth)}`;
  const one = async (item: unknown) => toPeer(app, to, module, { method: 'PUT', url, body: await toModel(app, from, module, item) });
  if (Array.isArray(data)) return (await Promise.all(data.map(one))).filter((item) => item !== NOT_FOR_PEER);
  return typeof data === 'object' ? one(data) : data;
}

/** An OCPI envelope's text with its `data` translated (an answer that is no envelope is left alone). */
export async function translateEnvelope(app: AppContext, module: string, text: string, from: PeerRecord, to: PeerRecord, shape: AnswerShape): Promise<string> {
  if (sameVersion(from, to)) return text;
  let parsed: { data?: unknown } | null;
  try {
    parsed = JSON.parse(text) as { data?: unknown } | null;
  } catch {
    return text;
  }
  if (!parsed || typeof parsed !== 'object' || parsed.data == null) return text;
  const data = await translateData(app, module, parsed.data, from, to, shape);
  return JSON.stringify({ ...parsed, data: data === NOT_FOR_PEER ? null : data });
}

/** The level of the objects a SENDER GET answers with, from its path below the module: a list or one object is 3. */
export function senderDepth(rest: string): number {
  const segments = rest.split('?')[0].split('/').filter(Boolean).length;
  return 2 + Math.max(1, segments);
}

/** The level of what a RECEIVER GET reads back: its client-owned path `/{cc}/{pid}/{id}[/...]`. */
export function receiverDepth(rest: string): number {
  return Math.max(3, rest.split('?')[0].split('/').filter(Boolean).length);
}
