/** A small history router under /console: pages are real URLs, so a reload or a shared link opens the same page. */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/console';

let listeners: Array<() => void> = [];

/** The path inside the console, e.g. `/peers/123`. */
export function currentPath(): string {
  const p = window.location.pathname;
  const inside = p.startsWith(BASE) ? p.slice(BASE.length) : p;
  return inside === '' ? '/' : inside;
}

export function navigate(path: string, replace = false): void {
  const url = BASE + path;
  if (replace) window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
  for (const l of listeners) l();
}

export function useLocation(): { path: string; query: URLSearchParams } {
  const [, setTick] = useState(0);
  const rendered = window.location.pathname + window.location.search;
  useEffect(() => {
    const update = () => setTick((n) => n + 1);
    listeners.push(update);
    window.addEventListener('popstate', update);
    // A child's effect may have navigated before this one subscribed (effects run children first).
    if (window.location.pathname + window.location.search !== rendered) update();
    return () => {
      listeners = listeners.filter((l) => l !== update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return { path: currentPath(), query: new URLSearchParams(window.location.search) };
}

/** Matches `/peers/:id` against a path; the parameters, decoded, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

export function Link(props: { href: string; children: ComponentChildren; class?: string; title?: string }): JSX.Element {
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={BASE + props.href} onClick={onClick} class={props.class} title={props.title}>
      {props.children}
    </a>
  );
}
