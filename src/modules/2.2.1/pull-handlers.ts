/** The pull handlers of our eMSP role: what the pull engine (src/delivery/pulls.ts) reads from CPO peers. */
import type { PullRegistry } from '../../delivery/pulls.js';
import { cdrsPull } from './cdrs/pull.js';
import { locationsPull } from './locations/pull.js';
import { sessionsPull } from './sessions/pull.js';
import { tariffsPull } from './tariffs/pull.js';

export function registerPullHandlers(registry: PullRegistry): PullRegistry {
  for (const handler of [locationsPull, tariffsPull, sessionsPull, cdrsPull]) registry.register(handler);
  return registry;
}
