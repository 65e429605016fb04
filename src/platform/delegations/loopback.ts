/**
 * Keeps the platform's connection to itself in line with the delegations to SCSPs hosted here
 * (docs/interop.md "Smart charging"): created by the first such delegation, its parties
 * recomputed whenever a delegation or a local party changes. Without any such delegation it
 * stays, speaking for nobody, so deliveries still pending to it are not lost with it.
 */
import type { AppContext } from '../../context.js';
import { loopbackRoles } from './delegations.js';

export async function syncLoopback(app: AppContext, opts: { create?: boolean } = {}): Promise<void> {
  if (!opts.create && !(await app.peerStore.loopback())) return;
  const locals = await app.parties.list();
  await app.services.peerHandshake.loopback((tx) => loopbackRoles(tx, locals));
}
