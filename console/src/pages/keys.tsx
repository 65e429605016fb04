/** API keys: who may use the admin API (and this console) with which scope; a new key is shown once. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../api';
import { partyLabel } from '../format';
import { usePoll } from '../poll';
import { type Session, canChange } from '../session';
import type { ApiKey, Party } from '../types';
import { ActionButton, Copyable, ErrorBox, Freshness, LoadError, Section, Table, Time, notify } from '../ui';

/** The list, whether the platform answers an array or a page. */
export const itemsOf = <T,>(answer: T[] | { items: T[] }): T[] => (Array.isArray(answer) ? answer : answer.items);

export function KeysPage(props: { session: Session }): JSX.Element {
  const { api, identity } = props.session;
  const keys = usePoll('api-keys', async (signal) => itemsOf(await api.get<ApiKey[] | { items: ApiKey[] }>('/api-keys', undefined, signal)), 10_000);
  const missing = keys.error instanceof ApiError && keys.error.missingEndpoint;
  const writable = canChange(identity);
  return (
    <div class="page">
      <div class="page-head">
        <h1>API keys</h1>
        <Freshness updatedAt={keys.updatedAt} error={keys.error} />
      </div>
      <p class="muted">
        Every key has a scope: <strong>admin</strong> (everything), <strong>read</strong> (look, change nothing) or <strong>party:CC/PID</strong> (one local party's pages and
        backend API). The platform's own <code>ADMIN_API_KEY</code> is always admin.
      </p>
      <LoadError error={keys.error} what="scoped API keys" endpoint="GET /admin/api-keys" />
      {missing ? null : (
        <>
          {writable ? <CreateKey session={props.session} after={keys.refresh} /> : null}
          <Section title="Keys">
            <Table
              label="API keys"
              rows={keys.data}
              rowKey={(k) => k.id}
              empty="No keys besides ADMIN_API_KEY."
              columns={[
                { title: 'Name', render: (k) => k.name },
                { title: 'Scope', render: (k) => <code>{k.scope}</code> },
                { title: 'Created', render: (k) => <Time iso={k.created_at} /> },
                { title: 'Last used', render: (k) => (k.last_used_at === undefined ? '—' : <Time iso={k.last_used_at} />) },
                { title: 'State', render: (k) => (k.revoked_at ? <span class="pill tone-muted">REVOKED</span> : <span class="pill tone-good">ACTIVE</span>) },
                ...(writable
                  ? [
                      {
                        title: 'Actions',
                        render: (k: ApiKey) =>
                          k.revoked_at ? null : (
                            <ActionButton
                              small
                              danger
                              label="Revoke"
                              confirm={`Revoke the key “${k.name}”? Whoever uses it is refused from now on.`}
                              run={() => api.delete(`/api-keys/${encodeURIComponent(k.id)}`)}
                              success={`Key ${k.name} revoked`}
                              after={keys.refresh}
                            />
                          ),
                      },
                    ]
                  : []),
              ]}
            />
          </Section>
        </>
      )}
    </div>
  );
}

function CreateKey(props: { session: Session; after: () => void }): JSX.Element {
  const { api } = props.session;
  const parties = usePoll('key-parties', (signal) => api.get<Party[]>('/parties', undefined, signal), 30_000);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'admin' | 'read' | 'party'>('read');
  const [party, setParty] = useState('');
  const [created, setCreated] = useState<ApiKey | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const scope = kind === 'party' ? `party:${party}` : kind;
    try {
      const key = await api.post<ApiKey>('/api-keys', { name: name.trim(), scope });
      setCreated(key);
      setName('');
      notify(`Key ${key.name} created: copy it now, it is shown only once`);
      props.after();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Create a key">
      <form class="form form-inline" onSubmit={(e) => void submit(e)}>
        <label>
          Name
          <input name="name" required maxLength={100} value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} placeholder="e.g. NOC read-only" />
        </label>
        <label>
          Scope
          <select name="scope" value={kind} onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value as 'admin' | 'read' | 'party')}>
            <option value="read">read</option>
            <option value="admin">admin</option>
            <option value="party">one party</option>
          </select>
        </label>
        {kind === 'party' ? (
          <label>
            Party
            <select name="party" required value={party} onChange={(e) => setParty((e.currentTarget as HTMLSelectElement).value)}>
              <option value="">choose…</option>
              {(parties.data ?? []).map((p) => (
                <option key={partyLabel(p)} value={`${p.country_code}/${p.party_id}`}>
                  {partyLabel(p)} {p.business_details.name}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <button type="submit" class="btn btn-primary" disabled={busy || !name.trim() || (kind === 'party' && !party)}>
          Create key
        </button>
      </form>
      <ErrorBox error={error} />
      {created?.key ? (
        <div class="once" data-testid="new-key">
          <p>
            <strong>Key “{created.name}”</strong> ({created.scope}): shown this once.
          </p>
          <Copyable label="API key" value={created.key} />
          <button type="button" class="btn btn-small" onClick={() => setCreated(null)}>
            I have copied it: hide
          </button>
        </div>
      ) : null}
    </Section>
  );
}
