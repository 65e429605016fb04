/**
 * How delivery, the pull crawl and real-time authorization translate tokens for a 2.1.1 peer
 * (delivery/translations.ts): our eMSP's pushes go out as 2.1.1 Tokens, a 2.1.1 eMSP's listed
 * tokens come in as our model owned by its one party, and its AuthorizationInfo is read without
 * the Token it does not carry.
 */
import type { WireTranslation } from '../../../delivery/translations.js';
import { AuthorizationInfo } from '../../../model/authorization.js';
import type { Token } from '../../../model/token.js';
import { peerOwner } from '../shared/wire.js';
import { AuthorizationInfo211, Token211, Token211Patch } from './schemas.js';
import { authorizationFrom211, authorizationTo211, tokenFrom211, tokenTo211 } from './translate.js';

export const tokens211Translation: WireTranslation = {
  // A real-time authorization's LocationReferences read the same in 2.1.1 (it only adds connector_ids).
  outbound: (message) => (/\/authorize(\?|$)/.test(message.url) ? message.body : tokenTo211(message.body as Partial<Token>)),
  inbound(raw, peer, _ctx, hint) {
    // Through our hub: an authorization's LocationReferences lose the connector_ids 2.2.1 does not have.
    if (hint?.path && /\/authorize$/.test(hint.path.split('?')[0])) return withoutConnectorIds(raw);
    if (hint?.partial) {
      const patch = Token211Patch.safeParse(raw);
      return patch.success ? tokenFrom211(patch.data, null) : raw;
    }
    const parsed = Token211.safeParse(raw);
    const owner = peerOwner(peer);
    return parsed.success && owner ? tokenFrom211(parsed.data, owner) : raw;
  },
  answer(raw) {
    const parsed = AuthorizationInfo211.safeParse(raw);
    return parsed.success ? authorizationFrom211(parsed.data) : raw;
  },
  // Through our hub: a 2.1.1 authorization's type (RFID or OTHER) as the type of the token that passed the hub.
  async requestQuery(path, query, _peer, ctx) {
    const [uid, action] = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (action !== 'authorize' || !uid) return query;
    const type = await ctx.services.hubTokenContracts.typeOf(uid, query.get('type'));
    if (type) query.set('type', type);
    return query;
  },
  // Through our hub, a 2.2.1 eMSP's AuthorizationInfo for a 2.1.1 CPO: without the Token and the reference.
  answerTo(model) {
    const parsed = AuthorizationInfo.safeParse(model);
    return parsed.success ? authorizationTo211(parsed.data) : model;
  },
};

function withoutConnectorIds(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const { connector_ids: _ids, ...rest } = raw as Record<string, unknown>;
  return rest;
}
