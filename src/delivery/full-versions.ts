/**
 * Where the delivery engine gets the complete current version of an object when a peer answers
 * a PATCH with "unknown object" (HTTP 404, OCPI 2003 or 2004): the peer lost or never stored it,
 * so a PUT of the whole object is the only way to bring it back in line (02-locations pitfall 2,
 * 05-sessions §2.3). The engine knows no module: each module that PATCHes registers a source
 * that reads its own object back from the outbox row's object key.
 */
import type { AppContext } from '../context.js';

export interface FullVersion {
  /** Path under the peer's RECEIVER endpoint of the module, as on the outbox row. */
  path: string;
  body: unknown;
  lastUpdated: Date;
}

export interface FullVersionSource {
  module: string;
  /** The object as it is now; null when it is gone or the key is not one of this module's own. */
  current(app: AppContext, row: { objectKey: string }): Promise<FullVersion | null>;
}

export class FullVersionRegistry {
  private readonly sources = new Map<string, FullVersionSource>();

  register(source: FullVersionSource): this {
    this.sources.set(source.module, source);
    return this;
  }

  get(module: string): FullVersionSource | undefined {
    return this.sources.get(module);
  }
}

/**
 * The object part of a module's outbox key `<module>:<CC>/<PID of the receiver>:<object>`;
 * null for keys of another shape (hub broadcasts, other modules).
 */
export function objectPartOf(module: string, objectKey: string): string | null {
  if (!objectKey.startsWith(`${module}:`)) return null;
  const rest = objectKey.slice(module.length + 1);
  const colon = rest.indexOf(':');
  return colon < 0 ? null : rest.slice(colon + 1);
}

declare module '../context.js' {
  interface AppContext {
    /** Complete versions the delivery engine PUTs when a peer did not know the object of a PATCH. */
    fullVersions: FullVersionRegistry;
  }
}
