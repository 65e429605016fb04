/**
 * An eMSP party: its tokens (block, unblock), what CPOs sent it (locations, sessions, CDRs with
 * totals and quarantine), the commands and charging profiles it sent, and the events to its backend.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { type Page, partyPath } from '../api';
import { partyLabel } from '../format';
import { usePoll } from '../poll';
import { type Session, canChange } from '../session';
import type { Cdr, CdrTotals, EmspEvent, Location, QuarantinedCdr, Session as OcpiSession, Token } from '../types';
import { ActionButton, Freshness, Json, LoadError, Pager, Pill, Section, Table, Tabs, Time } from '../ui';
import { BackendForm } from './backend-form';
import { CdrPrice, CdrTotalsLine } from './cdr-price';
import { CdrTable, SessionsTable, StatusFilter } from './cpo-party';
import { CommandsPanel, SessionControls } from './emsp-commands';
import { LocationsView } from './locations-view';
import { PartyHead } from './parties';

const TABS = [
  { id: 'tokens', label: 'Tokens' },
  { id: 'locations', label: 'Locations' },
  { id: 'sessions', label: 'Sessions' },
  { id: 'cdrs', label: 'CDRs' },
  { id: 'commands', label: 'Commands & profiles' },
  { id: 'events', label: 'Backend events' },
  { id: 'backend', label: 'Backend' },
];
const PAGE = 25;

export function EmspPartyPage(props: { session: Session; cc: string; pid: string; tab: string }): JSX.Element {
  const base = partyPath(props.cc, props.pid);
  const tab = TABS.some((t) => t.id === props.tab) ? props.tab : 'tokens';
  const api = props.session.api;
  return (
    <div class="page">
      <PartyHead session={props.session} cc={props.cc} pid={props.pid} role="emsp" />
      <Tabs tabs={TABS} active={tab} href={(id) => `/parties/${props.cc}/${props.pid}/emsp/${id}`} />
      {tab === 'tokens' ? <Tokens session={props.session} base={base} /> : null}
      {tab === 'locations' ? (
        <LocationsView
          title="Locations received from CPOs"
          viewKey={`emsp:${base}`}
          endpoint={`GET /admin${base}/received/locations`}
          showOwner
          read={(query, signal) => api.get<Page<Location>>(`${base}/received/locations`, query, signal)}
        />
      ) : null}
      {tab === 'sessions' ? <Sessions session={props.session} base={base} /> : null}
      {tab === 'cdrs' ? <Cdrs session={props.session} base={base} /> : null}
      {tab === 'commands' ? <CommandsPanel session={props.session} base={base} /> : null}
      {tab === 'events' ? <Events session={props.session} base={base} /> : null}
      {tab === 'backend' ? <BackendForm session={props.session} cc={props.cc} pid={props.pid} role="emsp" /> : null}
    </div>
  );
}

function Tokens(props: { session: Session; base: string }): JSX.Element {
  const { api, identity } = props.session;
  const [valid, setValid] = useState('');
  const [offset, setOffset] = useState(0);
  const list = usePoll(`tokens:${props.base}:${valid}:${offset}`, (signal) => api.get<Page<Token>>(`${props.base}/tokens`, { valid, offset, limit: PAGE }, signal));
  const writable = canChange(identity);
  const tokenPath = (t: Token) => `${props.base}/tokens/${encodeURIComponent(t.uid)}`;
  return (
    <Section
      title="Tokens"
      actions={
        <>
          <label class="inline">
            Show{' '}
            <select
              name="valid"
              value={valid}
              onChange={(e) => {
                setValid((e.currentTarget as HTMLSelectElement).value);
                setOffset(0);
              }}
            >
              <option value="">all</option>
              <option value="true">valid</option>
              <option value="false">blocked</option>
            </select>
          </label>
          <Freshness updatedAt={list.updatedAt} error={list.error} />
        </>
      }
    >
      <p class="muted">The tokens this eMSP issued to its drivers. Blocking pushes the change to every CPO at once; CPOs then refuse the token.</p>
      <LoadError error={list.error} what="a token list" endpoint={`GET /admin${props.base}/tokens`} />
      <Table
        label="Tokens"
        rows={list.data?.items}
        rowKey={(t) => `${t.type}:${t.uid}`}
        empty={valid === 'false' ? 'No blocked tokens.' : 'No tokens.'}
        columns={[
          { title: 'UID', render: (t) => <code>{t.uid}</code> },
          { title: 'Type', render: (t) => t.type },
          { title: 'Contract', render: (t) => t.contract_id },
          { title: 'Visual number', render: (t) => t.visual_number ?? '—' },
          { title: 'Whitelist', render: (t) => t.whitelist },
          { title: 'State', render: (t) => <Pill status={t.valid ? 'VALID' : 'BLOCKED'} /> },
          { title: 'Expires', render: (t) => (t.expires_at ? <Time iso={t.expires_at} /> : '—') },
          { title: 'Changed', render: (t) => <Time iso={t.last_updated} /> },
          ...(writable
            ? [
                {
                  title: 'Actions',
                  render: (t: Token) =>
                    t.valid ? (
                      <ActionButton
                        small
                        danger
                        label="Block"
                        confirm={`Block token ${t.uid} (${t.contract_id})? CPOs are told at once and refuse it.`}
                        run={() => api.post(`${tokenPath(t)}/block?type=${encodeURIComponent(t.type)}`)}
                        success={`Token ${t.uid} blocked`}
                        after={list.refresh}
                      />
                    ) : (
                      <ActionButton
                        small
                        label="Unblock"
                        run={() => api.post(`${tokenPath(t)}/unblock?type=${encodeURIComponent(t.type)}`)}
                        success={`Token ${t.uid} unblocked`}
                        after={list.refresh}
                      />
                    ),
                },
              ]
            : []),
        ]}
      />
      <Pager page={list.data} onOffset={setOffset} />
    </Section>
  );
}

const SESSION_STATUSES = ['ACTIVE', 'PENDING', 'RESERVATION', 'COMPLETED', 'INVALID'];

function Sessions(props: { session: Session; base: string }): JSX.Element {
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const list = usePoll(`emsp-sessions:${props.base}:${status}:${offset}`, (signal) =>
    props.session.api.get<Page<OcpiSession>>(`${props.base}/received/sessions`, { status, offset, limit: PAGE }, signal),
  );
  const writable = canChange(props.session.identity);
  return (
    <Section
      title="Sessions of this eMSP's drivers"
      actions={
        <>
          <StatusFilter
            label="Status"
            value={status}
            options={SESSION_STATUSES}
            onChange={(v) => {
              setStatus(v);
              setOffset(0);
            }}
          />
          <Freshness updatedAt={list.updatedAt} error={list.error} />
        </>
      }
    >
      <LoadError error={list.error} what="received sessions" endpoint={`GET /admin${props.base}/received/sessions`} />
      <SessionsTable
        rows={list.data?.items}
        showOwner
        extra={
          writable ? (s) => (s.status === 'ACTIVE' || s.status === 'PENDING' ? <SessionControls session={props.session} base={props.base} ocpiSession={s} /> : null) : undefined
        }
      />
      <Pager page={list.data} onOffset={setOffset} />
    </Section>
  );
}

function Cdrs(props: { session: Session; base: string }): JSX.Element {
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<string | null>(null);
  const api = props.session.api;
  const list = usePoll(
    `emsp-cdrs:${props.base}:${offset}`,
    (signal) => api.get<Page<Cdr> & { totals: CdrTotals }>(`${props.base}/received/cdrs`, { offset, limit: PAGE }, signal),
    10_000,
  );
  const quarantine = usePoll(`quarantine:${props.base}`, (signal) => api.get<QuarantinedCdr[]>(`${props.base}/quarantined-cdrs`, { status: 'QUARANTINED' }, signal), 15_000);
  const chosen = list.data?.items.find((c) => c.id === selected);
  const writable = canChange(props.session.identity);
  return (
    <>
      <Section title="CDRs received" actions={<Freshness updatedAt={list.updatedAt} error={list.error} />}>
        <CdrTotalsLine totals={list.data?.totals} />
        <LoadError error={list.error} what="received CDRs" endpoint={`GET /admin${props.base}/received/cdrs`} />
        <CdrTable rows={list.data?.items} selected={selected} onSelect={setSelected} showOwner />
        <Pager page={list.data} onOffset={setOffset} />
        {chosen ? (
          <CdrPrice
            cdr={chosen}
            api={props.session.api}
            explanationPath={`${props.base}/received/cdrs/${chosen.country_code}/${chosen.party_id}/${encodeURIComponent(chosen.id)}/explanation`}
          />
        ) : null}
      </Section>
      <Section title="CDRs in quarantine" actions={<Freshness updatedAt={quarantine.updatedAt} error={quarantine.error} />}>
        <p class="muted">CDRs that could not be read even after repair: kept as received until released (stored like any CDR) or discarded.</p>
        <LoadError error={quarantine.error} what="the CDR quarantine" endpoint={`GET /admin${props.base}/quarantined-cdrs`} />
        <Table
          label="Quarantined CDRs"
          rows={quarantine.data}
          rowKey={(q) => q.id}
          empty="No CDR in quarantine."
          columns={[
            { title: 'CDR', render: (q) => q.cdr_id ?? <span class="muted">unreadable id</span> },
            { title: 'CPO', render: (q) => (q.owner ? partyLabel(q.owner) : '—') },
            { title: 'Problems', render: (q) => q.problems.map((p) => `${p.path}: ${p.message}`).join('; ') },
            { title: 'Received', render: (q) => <Time iso={q.received_at} /> },
            ...(writable
              ? [
                  {
                    title: 'Actions',
                    render: (q: QuarantinedCdr) => (
                      <div class="row-actions">
                        <ActionButton small label="Release" run={() => api.post(`${props.base}/quarantined-cdrs/${q.id}/release`, {})} after={quarantine.refresh} />
                        <ActionButton
                          small
                          danger
                          label="Discard"
                          confirm="Discard this CDR? It stays recorded as DISCARDED and is not stored as a CDR."
                          run={() => api.post(`${props.base}/quarantined-cdrs/${q.id}/discard`)}
                          after={quarantine.refresh}
                        />
                      </div>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </Section>
    </>
  );
}

function Events(props: { session: Session; base: string }): JSX.Element {
  const [status, setStatus] = useState('');
  const list = usePoll(`events:${props.base}:${status}`, (signal) => props.session.api.get<EmspEvent[]>(`${props.base}/events`, { status, limit: 100 }, signal));
  return (
    <Section
      title="Events to the backend"
      actions={
        <>
          <StatusFilter label="Status" value={status} options={['PENDING', 'DELIVERED', 'DEAD']} onChange={setStatus} />
          <Freshness updatedAt={list.updatedAt} error={list.error} />
        </>
      }
    >
      <p class="muted">What the platform told (or is telling) this eMSP's webhook, newest first. Recorded only while a webhook backend is set.</p>
      <LoadError error={list.error} what="backend events" endpoint={`GET /admin${props.base}/events`} />
      <Table
        label="Events"
        rows={list.data}
        rowKey={(e) => e.id}
        empty="No events (is a webhook backend set?)."
        columns={[
          { title: 'Type', render: (e) => e.type },
          { title: 'Status', render: (e) => <Pill status={e.status} /> },
          { title: 'Attempts', class: 'num', render: (e) => e.attempts },
          { title: 'Occurred', render: (e) => <Time iso={e.occurred_at} /> },
          { title: 'Last error', render: (e) => (e.last_error ? <span class="tone-text-bad">{e.last_error}</span> : '—') },
          { title: 'Data', render: (e) => <Json value={e.data} summary="data" /> },
        ]}
      />
    </Section>
  );
}
