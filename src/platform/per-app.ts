/**
 * One instance of a module service per platform instance (tests run several in one process),
 * created on first use, without every module adding a field to AppContext.
 */
import type { AppContext } from '../context.js';

export function perApp<T>(create: (app: AppContext) => T): (app: AppContext) => T {
  const instances = new WeakMap<AppContext, T>();
  return (app) => {
    let instance = instances.get(app);
    if (instance === undefined) instances.set(app, (instance = create(app)));
    return instance;
  };
}
