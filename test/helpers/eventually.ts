/** Polls until the assertion passes or the time is up (then rethrows the last failure). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10000, intervalMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
