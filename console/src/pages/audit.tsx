/** The audit log: every admin call that may change something, who made it, on what, and the outcome. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { Page } from '../api';
import { usePoll } from '../poll';
import type { Session } from '../session';
import { Freshness, LoadError, Pager, Section, Table, Time } from '../ui';
import { StatusFilter } from './cpo-party';

interface AuditEntry {
  id: string;
  at: string;
  key_id: string | null;
  key_name: string;
  key_scope: string;
  method: string;
  route: string | null;
  path: string;
  target: Record<string, string>;
  status: number;
  error_code: string | null;
  request_id: string | null;
}

const PAGE = 50;

function Outcome(props: { entry: AuditEntry }): JSX.Element {
  const s = props.entry.status;
  const tone = s < 400 ? 'good' : s === 401 || s === 403 ? 'warn' : 'bad';
  return (
    <span class={`pill tone-${tone}`} title={props.entry.error_code ?? undefined}>
      {s}
      {props.entry.error_code ? ` ${props.entry.error_code}` : ''}
    </span>
  );
}

export function AuditPage(props: { session: Session }): JSX.Element {
  const [offset, setOffset] = useState(0);
  const [outcome, setOutcome] = useState('');
  const [keyName, setKeyName] = useState('');
  const [applied, setApplied] = useState('');
  const log = usePoll(`audit:${offset}:${outcome}:${applied}`, (signal) =>
    props.session.api.get<Page<AuditEntry>>('/audit', { offset, limit: PAGE, outcome, key_name: applied }, signal),
  );
  return (
    <div class="page">
      <div class="page-head">
        <h1>Audit log</h1>
        <Freshness updatedAt={log.updatedAt} error={log.error} />
      </div>
      <Section
        title="Changes made through the admin API, newest first"
        actions={
          <>
            <form
              class="form-inline"
              onSubmit={(e) => {
                e.preventDefault();
                setApplied(keyName.trim());
                setOffset(0);
              }}
            >
              <label class="inline">
                Key <input name="key_name" size={16} value={keyName} onInput={(e) => setKeyName((e.currentTarget as HTMLInputElement).value)} placeholder="any key" />
              </label>
            </form>
            <StatusFilter
              label="Outcome"
              value={outcome}
              options={['ok', 'refused', 'failed']}
              onChange={(v) => {
                setOutcome(v);
                setOffset(0);
              }}
            />
          </>
        }
      >
        <LoadError error={log.error} what="an audit log" endpoint="GET /admin/audit" />
        <Table
          label="Audit log"
          rows={log.data?.items}
          rowKey={(e) => e.id}
          empty="No changes recorded."
          columns={[
            { title: 'When', render: (e) => <Time iso={e.at} /> },
            {
              title: 'Key',
              render: (e) => (
                <>
                  {e.key_name} <span class="muted">({e.key_scope})</span>
                </>
              ),
            },
            {
              title: 'Call',
              render: (e) => (
                <code title={e.route ?? undefined}>
                  {e.method} {e.path}
                </code>
              ),
            },
            { title: 'Outcome', render: (e) => <Outcome entry={e} /> },
            { title: 'Request id', render: (e) => (e.request_id ? <code>{e.request_id}</code> : '—') },
          ]}
        />
        <Pager page={log.data} onOffset={setOffset} />
      </Section>
    </div>
  );
}
