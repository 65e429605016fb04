/**
 * Where the delivery engine and the pull crawl get the wire form of an object for a peer that
 * speaks another OCPI version than the stored model (2.2.1). Delivery knows no module and no
 * version: each version's descriptors register, per module, how its peers' objects are written
 * (outbound: our stored object, or a PATCH of part of it, as that version puts it) and read
 * (inbound: what such a peer listed, as our model, before the receive profile checks it). A peer
 * whose version registered nothing gets the stored form as it is.
 */
import type { AppContext } from '../context.js';
import type { PeerRecord } from '../platform/peers/peer-store.js';

/**
 * What a translation may consult: the platform's services (e.g. the stored location a 2.1.1
 * Session embeds, the token behind an `auth_id`). Delivery hands it over without knowing why.
 */
export type TranslationContext = Pick<AppContext, 'services' | 'parties' | 'log'>;

/** An outbound translation's answer that the object is not for this peer: nothing is sent, the message counts as delivered. */
export const NOT_FOR_PEER: unique symbol = Symbol('not for this peer');

export interface OutboundMessage {
  method: string;
  /** The full URL at the peer (its endpoint plus the object's path). */
  url: string;
  body: unknown;
}

/** What a relay (the hub) knows about a body it reads in: a pull lists whole objects and passes none. */
export interface InboundHint {
  /** A PATCH: only the fields it changes. */
  partial?: boolean;
  /** The path below the module endpoint (`/{country_code}/{party_id}/{id}[/...]`): the object's level. */
  path?: string;
}

export interface WireTranslation {
  /** The body to send, in the peer's version (or NOT_FOR_PEER); `message.body` is in the stored model. */
  outbound?(message: OutboundMessage, peer: PeerRecord, ctx: TranslationContext): unknown | Promise<unknown>;
  /** One object a peer listed (a pull), as the stored model; unreadable input is returned as it came. */
  inbound?(raw: unknown, peer: PeerRecord, ctx: TranslationContext, hint?: InboundHint): unknown | Promise<unknown>;
  /**
   * The peer's answer (response data) to a request we sent it (real-time authorization, a
   * command), as the stored model; unreadable input is returned as it came.
   */
  answer?(raw: unknown, peer: PeerRecord, request: OutboundMessage): unknown;
  /**
   * The answer (stored model) to a request this peer sent, as its version writes it: what a relay
   * (the hub) returns to a peer of this version for an answer another peer gave.
   */
  answerTo?(model: unknown, peer: PeerRecord, request: OutboundMessage): unknown;
  /**
   * The query of a request this peer sent through a relay (the hub), as the stored model's
   * version reads it; `path` is below the module endpoint.
   */
  requestQuery?(path: string, query: URLSearchParams, peer: PeerRecord, ctx: TranslationContext): URLSearchParams | Promise<URLSearchParams>;
}

export class WireTranslations {
  private readonly byKey = new Map<string, WireTranslation>();

  register(version: string, module: string, translation: WireTranslation): this {
    this.byKey.set(`${version}/${module}`, translation);
    return this;
  }

  private of(peer: PeerRecord, module: string): WireTranslation | undefined {
    return peer.version ? this.byKey.get(`${peer.version}/${module}`) : undefined;
  }

  /**
   * Asynchronous for every caller (delivery, pulls, the hub): a translation may read the store
   * through `ctx` (a 2.1.1 Session embeds its location, a CDR's auth_id names a token). Await it.
   */
  async outbound(peer: PeerRecord, module: string, message: OutboundMessage, ctx: TranslationContext): Promise<unknown> {
    const t = this.of(peer, module)?.outbound;
    return t && message.body != null ? t(message, peer, ctx) : message.body;
  }

  async inbound(peer: PeerRecord, module: string, raw: unknown, ctx: TranslationContext, hint?: InboundHint): Promise<unknown> {
    const t = this.of(peer, module)?.inbound;
    return t ? t(raw, peer, ctx, hint) : raw;
  }

  /** `translated`: the peer's version reads answers its own way (its answer may lack what the stored model requires). */
  answer(peer: PeerRecord, module: string, raw: unknown, request: OutboundMessage): { body: unknown; translated: boolean } {
    const t = this.of(peer, module)?.answer;
    return t ? { body: t(raw, peer, request), translated: true } : { body: raw, translated: false };
  }

  /** A request's query string (`?...` or '') `peer` sent through a relay, as the stored model reads it. */
  async requestQuery(peer: PeerRecord, module: string, path: string, search: string, ctx: TranslationContext): Promise<string> {
    const t = this.of(peer, module)?.requestQuery;
    if (!t) return search;
    const query = await t(path, new URLSearchParams(search), peer, ctx);
    const text = query.toString();
    return text ? `?${text}` : '';
  }

  /** An answer in the stored model as `peer`, who asked, reads it (unchanged when its version writes none). */
  answerTo(peer: PeerRecord, module: string, model: unknown, request: OutboundMessage): unknown {
    const t = this.of(peer, module)?.answerTo;
    return t && model != null ? t(model, peer, request) : model;
  }
}

declare module '../context.js' {
  interface AppContext {
    /** Per (peer version, module): the wire form of objects for peers of another version than the stored model. */
    wireTranslations: WireTranslations;
  }
}
