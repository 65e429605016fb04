/**
 * The type of everything a request handler or worker may need, built once per process (or per
 * test instance) by the composition root (`app-context.ts`) and passed explicitly: no module
 * reaches for globals.
 *
 * A leaf: it imports nothing of ours, so every layer may name it without an import loop. Each
 * part adds its own field where that part is defined, with
 * `declare module '<relative path>/context.js' { interface AppContext { field: Type } }`.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface AppContext {
  log: Logger;
  redis: Redis;
}
