/**
 * A party's backend: for a CPO what executes the commands it receives (the built-in simulator,
 * a signed webhook, or none); for an eMSP the webhook told of its events and, optionally, asked
 * to authorize tokens in real time.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { partyPath } from '../api';
import { usePoll } from '../poll';
import { type Session, canChange } from '../session';
import { ErrorBox, Section, notify } from '../ui';

interface BackendView {
  adapter: 'webhook' | 'simulator' | 'none';
  url?: string;
  authorize?: boolean;
}

export function BackendForm(props: { session: Session; cc: string; pid: string; role: 'cpo' | 'emsp' }): JSX.Element {
  const path = partyPath(props.cc, props.pid);
  const party = usePoll(`backend:${path}`, (signal) => props.session.api.get<BackendView>(`${path}/backend`, undefined, signal), 15_000);
  const adapters = props.role === 'cpo' ? ['simulator', 'webhook', 'none'] : ['webhook', 'none'];
  const [adapter, setAdapter] = useState(adapters[0]);
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const [authorize, setAuthorize] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const current = party.data;

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = adapter === 'webhook' ? { adapter, url: url.trim(), secret, ...(props.role === 'emsp' && authorize ? { authorize: true } : {}) } : { adapter };
    try {
      const answer = await props.session.api.put<{ adapter: string; url?: string }>(`${path}/backend`, body);
      notify(`Backend set: ${answer.adapter}${answer.url ? ` (${answer.url})` : ''}`);
      setSecret('');
      party.refresh();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title="Backend adapter">
      <p>
        Current:{' '}
        {current === undefined ? (
          <span class="muted">loading…</span>
        ) : current.adapter === 'none' ? (
          <strong>none</strong>
        ) : (
          <strong>
            {current.adapter}
            {current.url ? ` → ${current.url}` : ''}
            {current.authorize ? ' (answers authorization)' : ''}
          </strong>
        )}
      </p>
      <p class="muted">
        {props.role === 'cpo'
          ? 'What executes the commands this CPO receives: the built-in charge point simulator, your system behind a signed webhook, or none (commands are then refused).'
          : 'The webhook told of sessions, CDRs and command results (signed, retried, in order); optionally asked whether a token may charge.'}
      </p>
      {canChange(props.session.identity) ? (
        <form class="form" onSubmit={(e) => void submit(e)}>
          <label>
            Adapter
            <select name="adapter" value={adapter} onChange={(e) => setAdapter((e.currentTarget as HTMLSelectElement).value)}>
              {adapters.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          {adapter === 'webhook' ? (
            <>
              <label>
                Webhook URL
                <input name="url" type="url" required value={url} onInput={(e) => setUrl((e.currentTarget as HTMLInputElement).value)} />
              </label>
              <label>
                Signing secret (at least 16 characters)
                <input
                  name="secret"
                  type="password"
                  autoComplete="off"
                  required
                  minLength={16}
                  value={secret}
                  onInput={(e) => setSecret((e.currentTarget as HTMLInputElement).value)}
                />
              </label>
              {props.role === 'emsp' ? (
                <label class="check">
                  <input type="checkbox" checked={authorize} onChange={(e) => setAuthorize((e.currentTarget as HTMLInputElement).checked)} /> Ask it to authorize tokens in real
                  time
                </label>
              ) : null}
            </>
          ) : null}
          <ErrorBox error={error} />
          <button type="submit" class="btn btn-primary" disabled={busy}>
            Set backend
          </button>
        </form>
      ) : null}
      <ErrorBox error={party.error} />
    </Section>
  );
}
