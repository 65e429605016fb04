/**
 * How delivery and our eMSP's command calls translate commands for a 2.1.1 peer
 * (delivery/translations.ts). Outbound, a body with a response_url is a command we send to a
 * 2.1.1 CPO (the command is the URL's last segment); any other is a result our CPO posts to a
 * 2.1.1 eMSP's response_url. A 2.1.1 CPO's answer to a command is read as our model.
 */
import type { WireTranslation } from '../../../delivery/translations.js';
import { CommandResponse, type CommandResult } from '../../../model/command.js';
import { DomainError } from '../../../platform/domain-error.js';
import { CommandResponse211, CommandType211 } from './schemas.js';
import { peerOwner } from '../shared/wire.js';
import { commandFrom211, commandTo211, resultFrom211, responseFrom211, responseTo211, resultTo211, untranslatableCommand } from './translate.js';

export const commands211Translation: WireTranslation = {
  outbound(message) {
    const body = message.body as Record<string, unknown>;
    if (typeof body.response_url !== 'string') return resultTo211(body as CommandResult);
    const name = new URL(message.url).pathname.split('/').pop() ?? '';
    // Refused before anything is stored or sent: the eMSP backend learns which field 2.1.1 lacks.
    const problem = untranslatableCommand(name, body);
    if (problem) throw new DomainError('invalid', `${problem.path}: ${problem.message}`, [problem]);
    const command = CommandType211.safeParse(name);
    return command.success ? commandTo211(command.data, body) : body;
  },
  answer(raw) {
    const parsed = CommandResponse211.safeParse(raw);
    return parsed.success ? responseFrom211(parsed.data) : raw;
  },
  /**
   * Through our hub: with a path, a 2.1.1 eMSP's command (the path's segment names it) for a
   * CPO of the model's version; without one, a 2.1.1 CPO's result posted to a hub alias.
   */
  inbound(raw, peer, _ctx, hint) {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
    if (hint?.path) {
      const owner = peerOwner(peer);
      return owner ? commandFrom211(raw as Record<string, unknown>, owner) : raw;
    }
    const parsed = CommandResponse211.safeParse(raw);
    return parsed.success ? resultFrom211(parsed.data) : raw;
  },
  // Through our hub, a CPO's CommandResponse for a 2.1.1 eMSP: `{result}` only.
  answerTo(model) {
    const parsed = CommandResponse.safeParse(model);
    return parsed.success ? responseTo211(parsed.data) : model;
  },
};
