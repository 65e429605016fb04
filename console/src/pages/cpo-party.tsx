/**
 * A CPO party: its locations with EVSE status (list and map), live sessions, CDRs with their
 * explained price, the commands eMSPs sent and their results, its tariffs and its backend.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { type Page, partyPath } from '../api';
import { kwh, money, partyLabel } from '../format';
import { usePoll } from '../poll';
import { type Session, canChange } from '../session';
import type { Cdr, CdrTotals, CpoCommand, Evse, Location, Session as OcpiSession, TariffLike } from '../types';
import { Freshness, Json, LoadError, Pager, Pill, Section, Table, Tabs, Time, perform } from '../ui';
import { BackendForm } from './backend-form';
import { CdrPrice, CdrTotalsLine } from './cdr-price';
import { EVSE_STATUSES, LocationsView } from './locations-view';
import { PartyHead } from './parties';

const TABS = [
  { id: 'locations', label: 'Locations' },
  { id: 'sessions', label: 'Sessions' },
  { id: 'cdrs', label: 'CDRs' },
  { id: 'commands', label: 'Commands' },
  { id: 'tariffs', label: 'Tariffs' },
  { id: 'backend', label: 'Backend' },
];
const PAGE = 25;

export function CpoPartyPage(props: { session: Session; cc: string; pid: string; tab: string }): JSX.Element {
  const base = partyPath(props.cc, props.pid);
  const { api, identity } = props.session;
  const tab = TABS.some((t) => t.id === props.tab) ? props.tab : 'locations';
  return (
    <div class="page">
      <PartyHead session={props.session} cc={props.cc} pid={props.pid} role="cpo" />
      <Tabs tabs={TABS} active={tab} href={(id) => `/parties/${props.cc}/${props.pid}/cpo/${id}`} />
      {tab === 'locations' ? (
        <LocationsView
          title="Locations"
          viewKey={`cpo:${base}`}
          endpoint={`GET /admin${base}/locations`}
          read={(query, signal) => api.get<Page<Location>>(`${base}/locations`, query, signal)}
          evseAction={canChange(identity) ? (l, e) => <EvseStatusControl session={props.session} base={base} location={l} evse={e} /> : undefined}
        />
      ) : null}
      {tab === 'sessions' ? <Sessions session={props.session} base={base} /> : null}
      {tab === 'cdrs' ? <Cdrs session={props.session} base={base} /> : null}
      {tab === 'commands' ? <Commands session={props.session} base={base} /> : null}
      {tab === 'tariffs' ? <Tariffs session={props.session} base={base} /> : null}
      {tab === 'backend' ? <BackendForm session={props.session} cc={props.cc} pid={props.pid} role="cpo" /> : null}
    </div>
  );
}

/** What the CPO's own system would do: set an EVSE's status (pushed to every eMSP). */
function EvseStatusControl(props: { session: Session; base: string; location: Location; evse: Evse }): JSX.Element {
  const [busy, setBusy] = useState(false);
  const change = async (status: string) => {
    setBusy(true);
    await perform(
      `Set ${props.evse.evse_id ?? props.evse.uid} to ${status}`,
      () => props.session.api.patch(`${props.base}/locations/${encodeURIComponent(props.location.id)}/${encodeURIComponent(props.evse.uid)}`, { status }),
      `${props.evse.evse_id ?? props.evse.uid} is now ${status}; pushed to the eMSPs`,
    );
    setBusy(false);
  };
  return (
    <select
      class="evse-set"
      aria-label={`Set status of ${props.evse.uid}`}
      disabled={busy}
      value=""
      onChange={(e) => {
        const v = (e.currentTarget as HTMLSelectElement).value;
        if (v) void change(v);
      }}
    >
      <option value="">set…</option>
      {EVSE_STATUSES.filter((s) => s !== props.evse.status).map((s) => (
        <option key={s} value={s}>
          {s}
        </option>
      ))}
    </select>
  );
}

const SESSION_STATUSES = ['ACTIVE', 'PENDING', 'RESERVATION', 'COMPLETED', 'INVALID'];

export function SessionsTable(props: { rows: OcpiSession[] | undefined; showOwner?: boolean; extra?: (s: OcpiSession) => JSX.Element | null }): JSX.Element {
  return (
    <Table
      label="Sessions"
      rows={props.rows}
      rowKey={(s) => `${partyLabel(s)}/${s.id}`}
      empty="No sessions."
      columns={[
        { title: 'Session', render: (s) => <code>{s.id}</code> },
        ...(props.showOwner ? [{ title: 'CPO', render: (s: OcpiSession) => partyLabel(s) }] : []),
        { title: 'Status', render: (s) => <Pill status={s.status} /> },
        { title: 'Token', render: (s) => `${s.cdr_token.uid} (${s.cdr_token.contract_id})` },
        { title: 'Where', render: (s) => `${s.location_id} / ${s.evse_uid} / ${s.connector_id}` },
        { title: 'Started', render: (s) => <Time iso={s.start_date_time} /> },
        { title: 'Energy', class: 'num', render: (s) => kwh(s.kwh) },
        { title: 'Cost', render: (s) => money(s.total_cost, s.currency) },
        { title: 'Changed', render: (s) => <Time iso={s.last_updated} /> },
        ...(props.extra ? [{ title: '', render: (s: OcpiSession) => props.extra?.(s) ?? null }] : []),
      ]}
    />
  );
}

export function StatusFilter(props: { value: string; options: string[]; onChange: (v: string) => void; label: string; any?: string }): JSX.Element {
  return (
    <label class="inline">
      {props.label}{' '}
      <select name={props.label} value={props.value} onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value)}>
        <option value="">{props.any ?? 'any'}</option>
        {props.options.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </label>
  );
}

function Sessions(props: { session: Session; base: string }): JSX.Element {
  const [status, setStatus] = useState('ACTIVE');
  const [offset, setOffset] = useState(0);
  const list = usePoll(`cpo-sessions:${props.base}:${status}:${offset}`, (signal) =>
    props.session.api.get<Page<OcpiSession>>(`${props.base}/sessions`, { status, offset, limit: PAGE }, signal),
  );
  return (
    <Section
      title={status === 'ACTIVE' ? 'Live sessions' : 'Sessions'}
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
      <LoadError error={list.error} what="a list of this CPO's sessions" endpoint={`GET /admin${props.base}/sessions`} />
      <SessionsTable rows={list.data?.items} />
      <Pager page={list.data} onOffset={setOffset} />
    </Section>
  );
}

export function CdrTable(props: { rows: Cdr[] | undefined; selected: string | null; onSelect: (id: string | null) => void; showOwner?: boolean }): JSX.Element {
  return (
    <Table
      label="CDRs"
      rows={props.rows}
      rowKey={(c) => `${partyLabel(c)}/${c.id}`}
      empty="No CDRs."
      columns={[
        { title: 'CDR', render: (c) => <code>{c.id}</code> },
        ...(props.showOwner ? [{ title: 'CPO', render: (c: Cdr) => partyLabel(c) }] : []),
        { title: 'Token', render: (c) => c.cdr_token.uid },
        { title: 'Location', render: (c) => c.cdr_location.name ?? c.cdr_location.id },
        { title: 'Ended', render: (c) => <Time iso={c.end_date_time} /> },
        { title: 'Energy', class: 'num', render: (c) => kwh(c.total_energy) },
        { title: 'Total', render: (c) => money(c.total_cost, c.currency) },
        {
          title: '',
          render: (c) => (
            <button type="button" class="btn btn-small" onClick={() => props.onSelect(props.selected === c.id ? null : c.id)}>
              {props.selected === c.id ? 'Hide price' : 'Explain price'}
            </button>
          ),
        },
      ]}
    />
  );
}

function Cdrs(props: { session: Session; base: string }): JSX.Element {
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<string | null>(null);
  const list = usePoll(
    `cpo-cdrs:${props.base}:${offset}`,
    (signal) => props.session.api.get<Page<Cdr> & { totals?: CdrTotals }>(`${props.base}/cdrs`, { offset, limit: PAGE }, signal),
    10_000,
  );
  const chosen = list.data?.items.find((c) => c.id === selected);
  return (
    <Section title="CDRs" actions={<Freshness updatedAt={list.updatedAt} error={list.error} />}>
      <CdrTotalsLine totals={list.data?.totals} />
      <LoadError error={list.error} what="a list of this CPO's CDRs" endpoint={`GET /admin${props.base}/cdrs`} />
      <CdrTable rows={list.data?.items} selected={selected} onSelect={setSelected} />
      <Pager page={list.data} onOffset={setOffset} />
      {chosen ? <CdrPrice cdr={chosen} api={props.session.api} explanationPath={`${props.base}/cdrs/${encodeURIComponent(chosen.id)}/explanation`} /> : null}
    </Section>
  );
}

function Commands(props: { session: Session; base: string }): JSX.Element {
  const [offset, setOffset] = useState(0);
  const list = usePoll(`cpo-commands:${props.base}:${offset}`, (signal) => props.session.api.get<Page<CpoCommand>>(`${props.base}/commands`, { offset, limit: PAGE }, signal));
  return (
    <Section title="Commands received" actions={<Freshness updatedAt={list.updatedAt} error={list.error} />}>
      <p class="muted">Commands eMSPs sent to this CPO, forwarded to its backend; ANSWERED carries the backend's result, TIMEOUT means it did not answer in time.</p>
      <LoadError error={list.error} what="a list of this CPO's commands" endpoint={`GET /admin${props.base}/commands`} />
      <Table
        label="Commands"
        rows={list.data?.items}
        rowKey={(c) => c.id}
        empty="No commands received."
        columns={[
          { title: 'Command', render: (c) => c.command },
          { title: 'From', render: (c) => (c.requester ? partyLabel(c.requester) : '—') },
          { title: 'Status', render: (c) => <Pill status={c.status} /> },
          { title: 'Result', render: (c) => (c.result ? <Pill status={c.result} /> : '—') },
          { title: 'Received', render: (c) => <Time iso={c.created_at} /> },
          { title: 'Answered', render: (c) => (c.answered_at ? <Time iso={c.answered_at} /> : <span class="muted">deadline {<Time iso={c.deadline_at} />}</span>) },
          { title: 'Request', render: (c) => <Json value={c.request} summary="request" /> },
        ]}
      />
      <Pager page={list.data} onOffset={setOffset} />
    </Section>
  );
}

function Tariffs(props: { session: Session; base: string }): JSX.Element {
  const [offset, setOffset] = useState(0);
  const list = usePoll(
    `cpo-tariffs:${props.base}:${offset}`,
    (signal) => props.session.api.get<Page<TariffLike>>(`${props.base}/tariffs`, { offset, limit: PAGE }, signal),
    15_000,
  );
  return (
    <Section title="Tariffs" actions={<Freshness updatedAt={list.updatedAt} error={list.error} />}>
      <LoadError error={list.error} what="a list of this CPO's tariffs" endpoint={`GET /admin${props.base}/tariffs`} />
      <Table
        label="Tariffs"
        rows={list.data?.items}
        rowKey={(t) => t.id}
        empty="No tariffs."
        columns={[
          { title: 'Tariff', render: (t) => <code>{t.id}</code> },
          { title: 'Currency', render: (t) => t.currency },
          { title: 'Description', render: (t) => t.tariff_alt_text?.[0]?.text ?? '—' },
          {
            title: 'Price components',
            render: (t) => t.elements.flatMap((e) => e.price_components.map((c) => `${c.type} ${c.price}${e.restrictions ? '*' : ''}`)).join(', '),
          },
          { title: 'Changed', render: (t) => <Time iso={t.last_updated} /> },
          { title: '', render: (t) => <Json value={t} summary="JSON" /> },
        ]}
      />
      <Pager page={list.data} onOffset={setOffset} />
    </Section>
  );
}
