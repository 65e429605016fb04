/** The console's building blocks: status pills, tables, errors, confirmations, toasts, tabs, paging. */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Page, describeError } from './api';
import { ago } from './format';
import { Link } from './router';

type Tone = 'good' | 'bad' | 'warn' | 'busy' | 'muted';

const TONES: Record<string, Tone> = {
  AVAILABLE: 'good',
  REGISTERED: 'good',
  DELIVERED: 'good',
  ACCEPTED: 'good',
  CONNECTED: 'good',
  ANSWERED: 'good',
  COMPLETED: 'good',
  RESULT: 'good',
  RELEASED: 'good',
  VALID: 'good',
  OK: 'good',
  CHARGING: 'busy',
  ACTIVE: 'busy',
  RESERVED: 'busy',
  BLOCKED: 'warn',
  PENDING: 'warn',
  FORWARDED: 'warn',
  REQUESTED: 'warn',
  RESERVATION: 'warn',
  QUARANTINED: 'warn',
  REPAIRED: 'warn',
  NOTICED: 'muted',
  FAILED: 'bad',
  DEAD: 'bad',
  RESYNC: 'bad',
  REJECTED: 'bad',
  TIMEOUT: 'bad',
  OUTOFORDER: 'bad',
  INOPERATIVE: 'bad',
  SUSPENDED: 'bad',
  OFFLINE: 'bad',
  REFUSED: 'bad',
  INVALID: 'bad',
  UNREGISTERED: 'muted',
  SUPERSEDED: 'muted',
  DROPPED: 'muted',
  DISCARDED: 'muted',
  PLANNED: 'muted',
  REMOVED: 'muted',
  UNKNOWN: 'muted',
};

export const toneOf = (status: string): Tone => TONES[status.toUpperCase()] ?? 'muted';

export function Pill(props: { status: string | null | undefined; title?: string }): JSX.Element {
  const status = props.status ?? '—';
  return (
    <span class={`pill tone-${toneOf(status)}`} title={props.title} data-status={status}>
      {status}
    </span>
  );
}

export function ErrorBox(props: { error: unknown; context?: string }): JSX.Element | null {
  if (!props.error) return null;
  return (
    <div class="error" role="alert">
      {props.context ? <strong>{props.context}: </strong> : null}
      {describeError(props.error)}
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Toasts: the outcome of an action, success or the API's error message.

type Toast = { id: number; text: string; tone: 'good' | 'bad' };
let toasts: Toast[] = [];
let toastListeners: Array<(t: Toast[]) => void> = [];
let nextToast = 1;

export function notify(text: string, tone: 'good' | 'bad' = 'good'): void {
  const toast = { id: nextToast++, text, tone };
  toasts = [...toasts, toast];
  for (const l of toastListeners) l(toasts);
  setTimeout(
    () => {
      toasts = toasts.filter((t) => t.id !== toast.id);
      for (const l of toastListeners) l(toasts);
    },
    tone === 'bad' ? 12000 : 6000,
  );
}

export function Toasts(): JSX.Element {
  const [list, setList] = useState<Toast[]>(toasts);
  useEffect(() => {
    toastListeners.push(setList);
    return () => {
      toastListeners = toastListeners.filter((l) => l !== setList);
    };
  }, []);
  return (
    <div class="toasts" aria-live="polite">
      {list.map((t) => (
        <div key={t.id} class={`toast tone-${t.tone}`} role={t.tone === 'bad' ? 'alert' : 'status'}>
          {t.text}
        </div>
      ))}
    </div>
  );
}

/** Runs an action, reports its outcome as a toast; true when it succeeded. */
export async function perform(what: string, action: () => Promise<unknown>, success?: string): Promise<boolean> {
  try {
    await action();
    notify(success ?? `${what}: done`);
    return true;
  } catch (e) {
    notify(`${what} failed: ${describeError(e)}`, 'bad');
    return false;
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * A button that changes something. With `confirm`, a dialog asks first (what happens is said in
 * the question); the button is disabled while the action runs.
 */
export function ActionButton(props: {
  label: string;
  run: () => Promise<unknown>;
  success?: string;
  confirm?: string;
  danger?: boolean;
  disabled?: boolean;
  small?: boolean;
  after?: () => void;
}): JSX.Element {
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(false);
  const go = async () => {
    setAsking(false);
    setBusy(true);
    const ok = await perform(props.label, props.run, props.success);
    setBusy(false);
    if (ok) props.after?.();
  };
  const cls = ['btn', props.danger ? 'btn-danger' : '', props.small ? 'btn-small' : ''].filter(Boolean).join(' ');
  return (
    <>
      <button type="button" class={cls} disabled={busy || props.disabled} onClick={() => (props.confirm ? setAsking(true) : void go())}>
        {busy ? `${props.label}…` : props.label}
      </button>
      {asking ? <Confirm question={props.confirm ?? ''} label={props.label} danger={props.danger} onCancel={() => setAsking(false)} onConfirm={() => void go()} /> : null}
    </>
  );
}

/** The question before a change; Escape or a click beside it cancels. */
function Confirm(props: { question: string; label: string; danger?: boolean; onCancel: () => void; onConfirm: () => void }): JSX.Element {
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);
  return (
    <div class="modal-backdrop" onClick={(e) => e.target === e.currentTarget && props.onCancel()} onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}>
      <div class="modal" role="dialog" aria-modal="true" aria-label={props.label}>
        <p>{props.question}</p>
        <div class="modal-actions">
          <button type="button" class="btn" ref={cancel} onClick={props.onCancel}>
            Cancel
          </button>
          <button type="button" class={props.danger ? 'btn btn-danger' : 'btn btn-primary'} onClick={props.onConfirm}>
            {props.label}
          </button>
        </div>
      </div>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------

export interface Column<T> {
  title: string;
  render: (row: T) => ComponentChildren;
  class?: string;
}

export function Table<T>(props: { columns: Column<T>[]; rows: T[] | undefined; rowKey: (row: T) => string; empty?: string; label?: string }): JSX.Element {
  const rows = props.rows ?? [];
  return (
    <div class="table-wrap">
      <table aria-label={props.label}>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.title} class={c.class}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={props.columns.length} class="empty">
                {props.rows === undefined ? 'Loading…' : (props.empty ?? 'Nothing here.')}
              </td>
            </tr>
          ) : (
            rows.map((row) => (
              <tr key={props.rowKey(row)} data-key={props.rowKey(row)}>
                {props.columns.map((c) => (
                  <td key={c.title} class={c.class}>
                    {c.render(row)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

export function Pager(props: { page: Page<unknown> | undefined; onOffset: (offset: number) => void }): JSX.Element | null {
  const p = props.page;
  if (!p || p.total <= p.limit) return p ? <div class="pager muted">{p.total} in all</div> : null;
  const last = Math.min(p.offset + p.items.length, p.total);
  return (
    <div class="pager">
      <button type="button" class="btn btn-small" disabled={p.offset === 0} onClick={() => props.onOffset(Math.max(0, p.offset - p.limit))}>
        ‹ Previous
      </button>
      <span>
        {p.total === 0 ? 0 : p.offset + 1}–{last} of {p.total}
      </span>
      <button type="button" class="btn btn-small" disabled={last >= p.total} onClick={() => props.onOffset(p.offset + p.limit)}>
        Next ›
      </button>
    </div>
  );
}

export function Tabs(props: { tabs: Array<{ id: string; label: string; count?: number; tone?: Tone }>; active: string; href: (id: string) => string }): JSX.Element {
  return (
    <nav class="tabs" aria-label="Sections">
      {props.tabs.map((t) => (
        <Link key={t.id} href={props.href(t.id)} class={t.id === props.active ? 'tab active' : 'tab'}>
          {t.label}
          {t.count !== undefined ? <span class={`count tone-${t.tone ?? 'muted'}`}>{t.count}</span> : null}
        </Link>
      ))}
    </nav>
  );
}

export function Section(props: { title: string; children: ComponentChildren; actions?: ComponentChildren; id?: string }): JSX.Element {
  return (
    <section class="card" id={props.id} aria-label={props.title}>
      <header class="card-head">
        <h2>{props.title}</h2>
        {props.actions ? <div class="card-actions">{props.actions}</div> : null}
      </header>
      {props.children}
    </section>
  );
}

/** When the data shown was read; a view that keeps failing says so. */
export function Freshness(props: { updatedAt: Date | undefined; error: unknown }): JSX.Element {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, []);
  return (
    <span class={props.error ? 'freshness stale' : 'freshness'} title="Live: read again every few seconds while this view is visible">
      <span class="dot" /> {props.updatedAt ? `updated ${ago(props.updatedAt.toISOString())}` : 'loading'}
      {props.error ? ' · last read failed' : ''}
    </span>
  );
}

export function Copyable(props: { value: string; label: string }): JSX.Element {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setCopied(true);
    } catch {
      notify('The browser refused the clipboard: select the text and copy it by hand', 'bad');
    }
  };
  return (
    <div class="copyable">
      <label>
        {props.label}
        <input readOnly value={props.value} onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} aria-label={props.label} />
      </label>
      <button type="button" class="btn" onClick={() => void copy()}>
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

export function Json(props: { value: unknown; summary?: string }): JSX.Element {
  return (
    <details class="json">
      <summary>{props.summary ?? 'JSON'}</summary>
      <pre>{JSON.stringify(props.value, null, 2)}</pre>
    </details>
  );
}

export function Time(props: { iso: string | null | undefined }): JSX.Element {
  return <span title={props.iso ?? undefined}>{ago(props.iso)}</span>;
}

/** Shown where the platform lacks an endpoint this view needs. */
export function Missing(props: { what: string; endpoint: string }): JSX.Element {
  return (
    <div class="notice">
      This platform does not offer {props.what} yet (<code>{props.endpoint}</code>).
    </div>
  );
}

/** A list's read error; an endpoint the platform lacks is said as such, not as a failure. */
export function LoadError(props: { error: unknown; what: string; endpoint: string }): JSX.Element | null {
  if (props.error instanceof ApiError && props.error.missingEndpoint) return <Missing what={props.what} endpoint={props.endpoint} />;
  return <ErrorBox error={props.error} />;
}
