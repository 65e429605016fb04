/**
 * Live views: a visible view reads the admin API again every few seconds. Reading stops while
 * the tab is hidden and resumes at once when it is shown; requests never overlap, and a view
 * that is left cancels its request.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export const POLL_MS = 3000;

export interface Polled<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Reads again now (after a change made from the page). */
  refresh: () => void;
  updatedAt: Date | undefined;
}

/**
 * `key` names what is read: when it changes (another filter, another page), the old data is
 * dropped and the new read starts at once.
 */
export function usePoll<T>(key: string, read: (signal: AbortSignal) => Promise<T>, intervalMs = POLL_MS): Polled<T> {
  const [state, setState] = useState<{ key: string; data?: T; error?: unknown; updatedAt?: Date; loading: boolean }>({ key, loading: true });
  const readRef = useRef(read);
  readRef.current = read;
  const [kick, setKick] = useState(0);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: AbortController | undefined;
    let running = false;

    const schedule = () => {
      clearTimeout(timer);
      if (!stopped && document.visibilityState === 'visible') timer = setTimeout(run, intervalMs);
    };
    const run = async () => {
      if (stopped || running) return;
      running = true;
      controller = new AbortController();
      try {
        const data = await readRef.current(controller.signal);
        if (!stopped) setState({ key, data, error: undefined, updatedAt: new Date(), loading: false });
      } catch (error) {
        if (!stopped && (error as Error)?.name !== 'AbortError') setState((s) => ({ ...s, key, data: s.key === key ? s.data : undefined, error, loading: false }));
      } finally {
        running = false;
        schedule();
      }
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') void run();
      else clearTimeout(timer);
    };
    setState((s) => (s.key === key ? { ...s, loading: true } : { key, loading: true }));
    void run();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [key, kick, intervalMs]);

  const refresh = useCallback(() => setKick((n) => n + 1), []);
  const current = state.key === key;
  return { data: current ? state.data : undefined, error: current ? state.error : undefined, loading: state.loading || !current, refresh, updatedAt: state.updatedAt };
}
