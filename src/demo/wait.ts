/** How the demo's story waits for the platforms' real traffic and prints its steps. */

/** Polls `probe` until it gives a value; fails naming `what` (and the last error) after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | false | undefined | null>, everyMs = 150): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export function step(out: (l: string) => void, text: string): void {
  out('');
  out(`▶ ${text}`);
}
