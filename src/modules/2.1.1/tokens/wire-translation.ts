/**
 * How delivery, the pull crawl and real-time authorization translate tokens for a 2.1.1 peer
 * (delivery/translations.ts): our eMSP's pushes go out as 2.1.1 Tokens, a 2.1.1 eMSP's listed
 * tokens come in as our model owned by its one party, and its AuthorizationInfo is read without
 * the Token it does not carry.
 */
import type { WireTranslation } from '../../../delivery/translations.js';
import type { Token } from '../../../model/token.js';
import { peerOwner } from '../shared/wire.js';
import { AuthorizationInfo211, Token211 } from './schemas.js';
import { authorizationFrom211, tokenFrom211, tokenTo211 } from './translate.js';

export const tokens211Translation: WireTranslation = {
  // A real-time authorization's LocationReferences read the same in 2.1.1 (it only adds connector_ids).
  outbound: (message) => (/\/authorize(\?|$)/.test(message.url) ? message.body : tokenTo211(message.body as Partial<Token>)),
  inbound(raw, peer) {
    const parsed = Token211.safeParse(raw);
    const owner = peerOwner(peer);
    return parsed.success && owner ? tokenFrom211(parsed.data, owner) : raw;
  },
  answer(raw) {
    const parsed = AuthorizationInfo211.safeParse(raw);
    return parsed.success ? authorizationFrom211(parsed.data) : raw;
  },
};
