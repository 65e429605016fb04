/**
 * Finishes the credentials handshakes a process died in the middle of (docs/reliability.md,
 * "Crash-safe credentials"). Each step we start records an intent first
 * (platform/peers/credential-intents.ts); an intent whose lease ran out is settled here:
 *
 * - ROTATE: the PUT is sent again with the same fresh token and the peer token we still hold.
 *   The peer answering completes the rotation; anything else rolls it back (the fresh token dies,
 *   the old one stays), so the peer is left with exactly one live token of ours either way.
 * - CONNECT: the peer's answer (its token for us) is lost with the process, so the connection
 *   cannot be completed: a still-PENDING peer is removed with its Token B. A registration that
 *   was stored just before the crash only has its Token B made permanent.
 */
import type { AppContext } from '../../../context.js';
import { isServiceUnavailable } from '../../../platform/unavailable.js';
import { type CredentialIntent, CredentialIntentStore, handshakeLeaseMs } from '../../../platform/peers/credential-intents.js';
import { completeRotation } from './initiator.js';

/** A repair is tried at least this often while the process runs (and whenever a lease ends). */
const RECHECK_MS = 15 * 60_000;

export type Settlement = 'completed' | 'rolled_back';

export async function settleAbandonedHandshakes(app: AppContext, now = new Date()): Promise<Array<{ intent: CredentialIntent; outcome: Settlement }>> {
  const store = new CredentialIntentStore(app.db);
  const settled: Array<{ intent: CredentialIntent; outcome: Settlement }> = [];
  for (const intent of await store.claimAbandoned(now, handshakeLeaseMs(app.config))) {
    const outcome = intent.kind === 'ROTATE' ? await settleRotation(app, store, intent) : await settleConnect(app, store, intent);
    app.peerAuth.evict();
    app.log.warn({ peer_id: intent.peerId, kind: intent.kind, outcome }, 'credentials handshake interrupted by a stop or crash settled');
    settled.push({ intent, outcome });
  }
  return settled;
}

async function settleRotation(app: AppContext, store: CredentialIntentStore, intent: CredentialIntent): Promise<Settlement> {
  const peer = await app.peerStore.get(intent.peerId);
  const sealed = await app.peerStore.tokenOf(intent.tokenHash);
  if (!peer || !sealed || !peer.peerTokenEnc || !peer.versionsUrl || (peer.status !== 'REGISTERED' && peer.status !== 'SUSPENDED')) {
    await app.peerStore.removeCredential(intent.tokenHash);
    await store.finish(intent.id);
    return 'rolled_back';
  }
  try {
    await completeRotation(app, peer, app.secrets.decrypt(sealed), intent.tokenHash, intent.id);
    return 'completed';
  } catch (e) {
    // Our own storage failing is no answer from the peer: the intent stays for the next round.
    if (isServiceUnavailable(e)) throw e;
    app.log.warn({ peer_id: peer.id, err: (e as Error).message }, 'interrupted rotation could not be completed; rolled back to the previous token');
    return 'rolled_back';
  }
}

async function settleConnect(app: AppContext, store: CredentialIntentStore, intent: CredentialIntent): Promise<Settlement> {
  const peer = await app.peerStore.get(intent.peerId);
  if (peer && peer.status !== 'PENDING') {
    await app.peerStore.confirmCredential(intent.tokenHash);
    await store.finish(intent.id);
    return 'completed';
  }
  // The intent goes with the peer (ON DELETE CASCADE).
  if (peer) await app.peerStore.delete(peer.id);
  else await store.finish(intent.id);
  return 'rolled_back';
}

/** Settles at start, then whenever the earliest running lease ends (at least every RECHECK_MS). */
export function startHandshakeRecovery(app: AppContext): { stop(): Promise<void> } {
  const store = new CredentialIntentStore(app.db);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const run = async (): Promise<void> => {
    let wait = RECHECK_MS;
    try {
      await settleAbandonedHandshakes(app);
      const next = await store.nextLeaseEnd();
      if (next) wait = Math.min(RECHECK_MS, Math.max(100, next.getTime() - Date.now() + 100));
    } catch (e) {
      // Storage unavailable, typically: the next round tries again.
      app.log.warn({ err: (e as Error).message }, 'could not settle interrupted credentials handshakes');
      wait = Math.min(RECHECK_MS, 30_000);
    }
    if (stopped) return;
    timer = setTimeout(() => void (running = run()), wait);
    timer.unref();
  };
  let running = run();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
