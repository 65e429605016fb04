/**
 * The type of everything a request handler or worker may need, built once per process (or per
 * test instance) by the composition root (`app-context.ts`) and passed explicitly: no module
 * reaches for globals.
 *
 * A leaf: it imports nothing of ours, so every layer may name it without an import loop. Each
 * part adds its own field where that part is defined, with
 * `declare module '<relative path>/context.js' { interface AppContext { field: Type } }`; services
 * the same way in `Services`.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface AppContext {
  log: Logger;
  redis: Redis;
  /** The services of modules and parts (each adds its own to `Services`), built once by the composition root. */
  services: Services;
}

/** Filled like AppContext: `declare module '<path>/context.js' { interface Services { name: Type } }`. */
export interface Services {}
