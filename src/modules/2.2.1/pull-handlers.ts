/**
 * The pull handlers: what the pull engine (src/delivery/pulls.ts) reads from CPO peers for our
 * eMSP role, the ClientInfo list of the hubs we are connected to, and what our CPO role reads
 * from eMSP peers (tokens).
 */
import type { PullRegistry } from '../../delivery/pulls.js';
import { cdrsPull } from './cdrs/pull.js';
import { hubClientInfoPull } from './hubclientinfo/pull.js';
import { locationsPull } from './locations/pull.js';
import { sessionsPull } from './sessions/pull.js';
import { tariffsPull } from './tariffs/pull.js';
import { tokensPull } from './tokens/pull.js';

export function registerPullHandlers(registry: PullRegistry): PullRegistry {
  for (const handler of [locationsPull, tariffsPull, sessionsPull, cdrsPull, hubClientInfoPull, tokensPull]) registry.register(handler);
  return registry;
}
