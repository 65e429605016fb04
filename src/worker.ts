/**
 * The worker role's composition root, beside the API's (http/app.ts): the delivery engine, with
 * the sweeps of every module descriptor and the hub's ClientInfo upkeep plugged into its
 * dispatcher, and housekeeping. Delivery itself knows no module, hub or backend.
 */
import type { AppContext } from './context.js';
import { type RunningEngine, startDeliveryEngine } from './delivery/engine.js';
import { startHousekeeping } from './jobs/housekeeping.js';

export async function startWorker(app: AppContext): Promise<RunningEngine> {
  const sweeps = app.descriptors.flatMap((d) => d.sweeps ?? []);
  const engine = await startDeliveryEngine(app, {
    async sweep() {
      // The modules' own: e.g. TIMEOUT for commands and charging profile requests never answered.
      for (const sweep of sweeps) await sweep(app);
      // Hub role: ClientInfo kept in line with connections, liveness checks (throttled inside).
      await app.services.hubClientInfo.tick();
    },
    // Pushes are traffic too: a peer that stops answering them is OFFLINE in the hub's ClientInfo.
    onTraffic: (peerId, answered) => app.services.hubClientInfo.noteTraffic(peerId, answered),
  });
  const housekeeping = await startHousekeeping(app);
  return {
    ...engine,
    async close() {
      await engine.close();
      await housekeeping.close();
    },
  };
}
