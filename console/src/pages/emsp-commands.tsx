/**
 * Commands and charging profiles an eMSP party sends, with the CPO's answer and later result.
 * Commands come from the party's list (GET …/sent-commands). Charging profile requests are read
 * one by id (…/charging-profile/requests/{id}) with the results told to the party's backend (its
 * events): the console shows those results and, for this tab, what was sent here.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { type Api, ApiError, type Page } from '../api';
import { partyLabel } from '../format';
import { usePoll } from '../poll';
import { type Session, canChange } from '../session';
import type { EmspCommand, EmspEvent, ProfileRequest, Session as OcpiSession, Token } from '../types';
import { ActionButton, ErrorBox, Freshness, Json, Pill, Section, Table, Time, notify, perform } from '../ui';

type Tracked = { kind: 'profile'; id: string; session_id: string };

const storageKey = (base: string) => `ocpi-console-sent:${base}`;

function tracked(base: string): Tracked[] {
  try {
    return JSON.parse(sessionStorage.getItem(storageKey(base)) ?? '[]') as Tracked[];
  } catch {
    return [];
  }
}

function track(base: string, item: Tracked): void {
  const list = tracked(base).filter((t) => t.id !== item.id);
  sessionStorage.setItem(storageKey(base), JSON.stringify([item, ...list].slice(0, 50)));
}

/** A command or profile request the CPO did not take still comes back stored (HTTP 502). */
async function sendStored<T extends { id: string }>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (e) {
    if (e instanceof ApiError && e.status === 502 && (e.body as { id?: string } | undefined)?.id) return e.body as T;
    throw e;
  }
}

/**
 * What this party sent: the ones sent or looked up in this tab (read again, they are live) and
 * every one whose result was told to the party's backend (its events carry the request as it
 * ended). Newest first.
 */
async function readSent<T extends { id: string; created_at: string }>(
  api: Api,
  base: string,
  eventType: string,
  live: Array<{ id: string; path: string }>,
  signal: AbortSignal,
): Promise<T[]> {
  const [events, current] = await Promise.all([
    api.get<EmspEvent[]>(`${base}/events`, { type: eventType, limit: 100 }, signal).catch((e) => {
      if (e instanceof ApiError && e.status === 404) return [];
      throw e;
    }),
    Promise.all(live.map((t) => api.get<T>(t.path, undefined, signal).catch(() => null))),
  ]);
  const byId = new Map<string, T>();
  for (const e of events) {
    const item = e.data as T | null;
    if (item?.id && !byId.has(item.id)) byId.set(item.id, item);
  }
  for (const item of current) if (item) byId.set(item.id, item);
  return [...byId.values()].sort((a, b) => b.created_at.localeCompare(a.created_at));
}

/** The newest sent commands: the list is oldest first, so its last page (GET …/sent-commands). */
async function readCommands(api: Api, base: string, signal: AbortSignal): Promise<EmspCommand[]> {
  const SHOWN = 50;
  const { total } = await api.get<Page<EmspCommand>>(`${base}/sent-commands`, { limit: 1 }, signal);
  const page = await api.get<Page<EmspCommand>>(`${base}/sent-commands`, { offset: Math.max(0, total - SHOWN), limit: SHOWN }, signal);
  return [...page.items].reverse();
}

const readProfiles = (api: Api, base: string, signal: AbortSignal) =>
  readSent<ProfileRequest>(
    api,
    base,
    'chargingprofile.result',
    tracked(base).flatMap((t) => (t.kind === 'profile' ? [{ id: t.id, path: `${base}/sessions/${encodeURIComponent(t.session_id)}/charging-profile/requests/${t.id}` }] : [])),
    signal,
  );

const outcome = (r: { status: string; response: { result: string } | null; result: Record<string, unknown> | { result: string } | null; failure: string | null }) =>
  r.failure ??
  ((r.result as { result?: string } | null)?.result ? `result ${(r.result as { result: string }).result}` : r.response ? `answered ${r.response.result}` : 'waiting for the CPO');

export function CommandsPanel(props: { session: Session; base: string }): JSX.Element {
  const { api } = props.session;
  const commands = usePoll(`emsp-commands:${props.base}`, (signal) => readCommands(api, props.base, signal));
  const profiles = usePoll(`emsp-profiles:${props.base}`, (signal) => readProfiles(api, props.base, signal));
  const refresh = () => {
    commands.refresh();
    profiles.refresh();
  };
  return (
    <>
      {canChange(props.session.identity) ? <SendCommand session={props.session} base={props.base} after={refresh} /> : null}
      <Section title="Commands sent" actions={<Freshness updatedAt={commands.updatedAt} error={commands.error} />}>
        <ErrorBox error={commands.error} />
        <Table
          label="Commands sent"
          rows={commands.data}
          rowKey={(c) => c.id}
          empty="This party has sent no command yet."
          columns={[
            { title: 'Command', render: (c) => c.command },
            { title: 'CPO', render: (c) => partyLabel(c.cpo) },
            { title: 'Status', render: (c) => <Pill status={c.status} /> },
            { title: 'Outcome', render: (c) => outcome(c) },
            { title: 'Sent', render: (c) => <Time iso={c.created_at} /> },
            { title: 'Id', render: (c) => <code>{c.id}</code> },
            { title: '', render: (c) => <Json value={c} summary="details" /> },
          ]}
        />
      </Section>
      <Section title="Charging profile requests" actions={<Freshness updatedAt={profiles.updatedAt} error={profiles.error} />}>
        <p class="muted">Set, ask for or clear a session's charging profile from the Sessions tab; the CPO's answer and result show here.</p>
        <ErrorBox error={profiles.error} />
        <Table
          label="Charging profile requests"
          rows={profiles.data}
          rowKey={(r) => r.id}
          empty="No charging profile result yet, and none sent from this tab."
          columns={[
            { title: 'Request', render: (r) => r.kind },
            { title: 'Session', render: (r) => <code>{r.session_id}</code> },
            { title: 'CPO', render: (r) => partyLabel(r.cpo) },
            { title: 'Status', render: (r) => <Pill status={r.status} /> },
            { title: 'Outcome', render: (r) => outcome(r) },
            { title: 'Sent', render: (r) => <Time iso={r.created_at} /> },
            { title: '', render: (r) => <Json value={r} summary="details" /> },
          ]}
        />
      </Section>
    </>
  );
}

const COMMANDS = ['START_SESSION', 'STOP_SESSION', 'UNLOCK_CONNECTOR'] as const;

function SendCommand(props: { session: Session; base: string; after: () => void }): JSX.Element {
  const { api } = props.session;
  const [command, setCommand] = useState<(typeof COMMANDS)[number]>('START_SESSION');
  const [f, setF] = useState({ token_uid: '', token_type: 'RFID', location_id: '', evse_uid: '', connector_id: '', session_id: '' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      let body: Record<string, unknown>;
      if (command === 'START_SESSION') {
        const stored = await api.get<Token & { allowed_locations?: unknown }>(`${props.base}/tokens/${encodeURIComponent(f.token_uid.trim())}`, { type: f.token_type });
        const { expires_at: _e, allowed_locations: _a, ...token } = stored;
        body = {
          token,
          location_id: f.location_id.trim(),
          ...(f.evse_uid.trim() ? { evse_uid: f.evse_uid.trim() } : {}),
          ...(f.connector_id.trim() ? { connector_id: f.connector_id.trim() } : {}),
        };
      } else if (command === 'STOP_SESSION') body = { session_id: f.session_id.trim() };
      else body = { location_id: f.location_id.trim(), evse_uid: f.evse_uid.trim(), connector_id: f.connector_id.trim() };
      const sent = await sendStored(() => api.post<EmspCommand>(`${props.base}/commands/${command}`, body));
      notify(
        sent.status === 'FAILED' ? `${command} could not be delivered: ${sent.failure ?? 'no answer'}` : `${command} sent: ${outcome(sent)}`,
        sent.status === 'FAILED' ? 'bad' : 'good',
      );
      props.after();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const field = (k: keyof typeof f, label: string, required = true) => (
    <label>
      {label}
      <input name={k} required={required} value={f[k]} onInput={set(k)} />
    </label>
  );
  return (
    <Section title="Send a command">
      <form class="form form-inline" onSubmit={(e) => void submit(e)}>
        <label>
          Command
          <select name="command" value={command} onChange={(e) => setCommand((e.currentTarget as HTMLSelectElement).value as (typeof COMMANDS)[number])}>
            {COMMANDS.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        {command === 'START_SESSION' ? (
          <>
            {field('token_uid', 'Token UID')}
            <label>
              Token type
              <select name="token_type" value={f.token_type} onChange={set('token_type')}>
                {['RFID', 'APP_USER', 'AD_HOC_USER', 'OTHER'].map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </label>
            {field('location_id', 'Location id')}
            {field('evse_uid', 'EVSE uid', false)}
            {field('connector_id', 'Connector id', false)}
          </>
        ) : command === 'STOP_SESSION' ? (
          field('session_id', 'Session id')
        ) : (
          <>
            {field('location_id', 'Location id')}
            {field('evse_uid', 'EVSE uid')}
            {field('connector_id', 'Connector id')}
          </>
        )}
        <button type="submit" class="btn btn-primary" disabled={busy}>
          Send
        </button>
      </form>
      <ErrorBox error={error} />
    </Section>
  );
}

/** On an active session: stop it, or set, read or clear its charging profile. */
export function SessionControls(props: { session: Session; base: string; ocpiSession: OcpiSession }): JSX.Element {
  const { api } = props.session;
  const s = props.ocpiSession;
  const [limitKw, setLimitKw] = useState('');
  const profilePath = `${props.base}/sessions/${encodeURIComponent(s.id)}/charging-profile`;
  const remember = (r: ProfileRequest) => track(props.base, { kind: 'profile', id: r.id, session_id: s.id });
  const stop = async () => {
    const sent = await sendStored(() => api.post<EmspCommand>(`${props.base}/commands/STOP_SESSION`, { session_id: s.id }));
    if (sent.status === 'FAILED' || sent.status === 'REJECTED') throw new Error(sent.failure ?? outcome(sent));
  };
  const profile = (what: string, send: () => Promise<ProfileRequest>) =>
    perform(what, async () => {
      const r = await sendStored(send);
      remember(r);
      if (r.status === 'FAILED' || r.status === 'REJECTED') throw new Error(r.failure ?? outcome(r));
    });
  return (
    <div class="row-actions session-controls">
      <ActionButton
        small
        danger
        label="Stop"
        confirm={`Send STOP_SESSION for session ${s.id} to ${s.country_code}*${s.party_id}? The driver's charging ends.`}
        run={stop}
        success={`STOP_SESSION sent for ${s.id}`}
      />
      <input class="narrow" aria-label="Limit in kW" placeholder="kW" value={limitKw} onInput={(e) => setLimitKw((e.currentTarget as HTMLInputElement).value)} />
      <button
        type="button"
        class="btn btn-small"
        title="Set a charging profile limiting the session to this power"
        disabled={!(Number(limitKw) > 0)}
        onClick={() =>
          void profile('Set charging profile', () =>
            api.put<ProfileRequest>(profilePath, {
              charging_profile: { charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: Math.round(Number(limitKw) * 1000) }] },
            }),
          )
        }
      >
        Limit
      </button>
      <button type="button" class="btn btn-small" onClick={() => void profile('Ask for the active profile', () => api.get<ProfileRequest>(profilePath, { duration: 3600 }))}>
        Active?
      </button>
      <button type="button" class="btn btn-small" onClick={() => void profile('Clear charging profile', () => api.delete<ProfileRequest>(profilePath))}>
        Clear
      </button>
    </div>
  );
}
