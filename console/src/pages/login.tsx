/** The login: an admin API key, checked against the platform before anything is shown. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';

export function LoginPage(props: { onLogin: (key: string) => Promise<void>; error: string | null }): JSX.Element {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!key.trim()) return;
    setBusy(true);
    await props.onLogin(key.trim());
    setBusy(false);
  };
  return (
    <div class="login">
      <form class="card login-card" onSubmit={(e) => void submit(e)}>
        <h1>OCPI platform console</h1>
        <p class="muted">
          Log in with an admin API key: the platform's <code>ADMIN_API_KEY</code>, or a key created under API keys. It is kept in this tab only (session storage) and sent to this
          platform's admin API alone.
        </p>
        <label>
          API key
          <input type="password" name="key" autoComplete="off" value={key} onInput={(e) => setKey((e.currentTarget as HTMLInputElement).value)} autoFocus />
        </label>
        {props.error ? (
          <div class="error" role="alert">
            {props.error}
          </div>
        ) : null}
        <button type="submit" class="btn btn-primary" disabled={busy || !key.trim()}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
      </form>
    </div>
  );
}
