/**
 * One peer: its connection (status, version, roles, endpoints), the lifecycle actions (rotate,
 * suspend, resume, resync, unregister, each confirmed), its deliveries by status with retry and
 * drop, its pulls and the data-quality report to send the partner.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { partyLabel } from '../format';
import { usePoll } from '../poll';
import { Link, useLocation } from '../router';
import { type Session, canChange } from '../session';
import type { DeliveryList, Peer, PullState, QualityReport } from '../types';
import { ActionButton, ErrorBox, Freshness, Pager, Pill, Section, Table, Tabs, Time } from '../ui';
import { peerName } from './overview';

const STATUSES = ['FAILED', 'DEAD', 'RESYNC', 'PENDING', 'DELIVERED', 'SUPERSEDED', 'DROPPED'];
const PAGE = 25;

export function PeerPage(props: { session: Session; id: string }): JSX.Element {
  const { api, identity } = props.session;
  const id = props.id;
  const peer = usePoll(`peer:${id}`, (signal) => api.get<Peer>(`/peers/${id}`, undefined, signal));
  const p = peer.data;
  const writable = canChange(identity);
  const after = () => peer.refresh();
  return (
    <div class="page">
      <div class="page-head">
        <h1>
          <Link href="/">Overview</Link> › {p ? peerName(p) : 'Peer'} {p ? <Pill status={p.status} /> : null}
        </h1>
        <Freshness updatedAt={peer.updatedAt} error={peer.error} />
      </div>
      <ErrorBox error={peer.error} />
      {p ? (
        <>
          {writable ? (
            <div class="toolbar" aria-label="Peer actions">
              <ActionButton
                label="Rotate tokens"
                confirm={`Rotate the credentials tokens with ${peerName(p)}? Both sides get new tokens at once (credentials PUT).`}
                run={() => api.post(`/peers/${id}/rotate`)}
                success="Tokens rotated"
                after={after}
                disabled={p.status !== 'REGISTERED'}
              />
              {p.status === 'SUSPENDED' ? (
                <ActionButton label="Resume" run={() => api.post(`/peers/${id}/resume`)} success="Peer resumed: deliveries continue" after={after} />
              ) : (
                <ActionButton
                  label="Suspend"
                  confirm={`Suspend ${peerName(p)}? Its requests are refused on functional modules and nothing is sent to it until resumed.`}
                  run={() => api.post(`/peers/${id}/suspend`)}
                  success="Peer suspended"
                  after={after}
                  disabled={p.status !== 'REGISTERED'}
                />
              )}
              <ActionButton
                label="Resync"
                confirm="Re-send the newest version of every object that ran out of retries, and pull everything from this peer again?"
                run={() => api.post(`/peers/${id}/resync`, {})}
                success="Resync requested"
                after={after}
                disabled={p.status !== 'REGISTERED'}
              />
              <ActionButton
                label={p.status === 'PENDING' ? 'Withdraw' : 'Unregister'}
                danger
                confirm={
                  p.status === 'PENDING'
                    ? 'Withdraw this pending connection? Its Token A stops working.'
                    : `Unregister ${peerName(p)}? The platform sends credentials DELETE to the peer and the connection ends for good.`
                }
                run={() => api.delete(`/peers/${id}`)}
                success="Peer unregistered"
                after={after}
                disabled={p.status === 'UNREGISTERED'}
              />
            </div>
          ) : null}
          <div class="grid-2">
            <Section title="Connection">
              <dl class="facts">
                <dt>Id</dt>
                <dd>
                  <code>{p.id}</code>
                </dd>
                <dt>Versions URL</dt>
                <dd>{p.versions_url ?? '—'}</dd>
                <dt>Version</dt>
                <dd>{p.version ?? '—'}</dd>
                <dt>Initiated by</dt>
                <dd>{p.initiated_by === 'US' ? 'us (we registered with the peer)' : p.initiated_by === 'PEER' ? 'the peer (invitation)' : '—'}</dd>
                <dt>Token encoding</dt>
                <dd>{p.auth_encoding}</dd>
                <dt>Retry window</dt>
                <dd>{p.retry_window_minutes ? `${p.retry_window_minutes} min` : 'platform default'}</dd>
                <dt>Registered</dt>
                <dd>
                  <Time iso={p.registered_at} />
                </dd>
                <dt>Last contact</dt>
                <dd>
                  <Time iso={p.last_contact_at} />
                </dd>
              </dl>
              <h3>Roles</h3>
              <Table
                label="Roles"
                rows={p.roles}
                rowKey={(r) => `${partyLabel(r)}:${r.role}`}
                empty="No roles (not registered yet)."
                columns={[
                  { title: 'Party', render: (r) => partyLabel(r) },
                  { title: 'Role', render: (r) => r.role },
                  { title: 'Name', render: (r) => (r.business_details as { name?: string } | null)?.name ?? '—' },
                ]}
              />
            </Section>
            <Section title="Endpoints">
              <Table
                label="Endpoints"
                rows={p.endpoints}
                rowKey={(e) => `${e.identifier}:${e.role}`}
                empty="No endpoints known."
                columns={[
                  { title: 'Module', render: (e) => e.identifier },
                  { title: 'Role', render: (e) => e.role },
                  { title: 'URL', render: (e) => <span class="url">{e.url}</span> },
                ]}
              />
            </Section>
          </div>
          <Deliveries session={props.session} id={id} />
          <Pulls session={props.session} id={id} />
          <DataQuality session={props.session} id={id} />
        </>
      ) : null}
    </div>
  );
}

function Deliveries(props: { session: Session; id: string }): JSX.Element {
  const { api, identity } = props.session;
  const { query } = useLocation();
  const status = query.get('status') ?? '';
  const [paging, setPaging] = useState({ status, offset: 0 });
  const offset = paging.status === status ? paging.offset : 0;
  const key = `deliveries:${props.id}:${status}:${offset}`;
  const list = usePoll(key, (signal) => api.get<DeliveryList>(`/peers/${props.id}/deliveries`, { status, limit: PAGE, offset }, signal));
  const summary = list.data?.summary;
  const total = summary ? Object.values(summary).reduce((a, b) => a + b, 0) : undefined;
  const count = status ? summary?.[status] : total;
  const writable = canChange(identity);
  const tabs = [
    { id: '', label: 'All', count: total },
    ...STATUSES.map((s) => ({ id: s, label: s, count: summary?.[s], tone: summary?.[s] && ['DEAD', 'RESYNC', 'FAILED'].includes(s) ? ('bad' as const) : ('muted' as const) })),
  ];
  return (
    <Section title="Deliveries" id="deliveries">
      <Tabs tabs={tabs} active={status} href={(s) => `/peers/${props.id}${s ? `?status=${s}` : ''}`} />
      <ErrorBox error={list.error} />
      <Table
        label="Deliveries"
        rows={list.data?.items}
        rowKey={(d) => d.id}
        empty={status ? `No ${status} deliveries.` : 'Nothing was sent to this peer yet.'}
        columns={[
          { title: 'Id', render: (d) => d.id },
          { title: 'Status', render: (d) => <Pill status={d.status} /> },
          { title: 'Object', render: (d) => <code>{d.object_key}</code> },
          { title: 'Message', render: (d) => `${d.kind} ${d.method}` },
          { title: 'Attempts', class: 'num', render: (d) => d.attempts },
          { title: 'Created', render: (d) => <Time iso={d.created_at} /> },
          {
            title: 'Last error / next attempt',
            render: (d) => (
              <>
                {d.last_error ? <div class="tone-text-bad">{d.last_error}</div> : null}
                {d.status === 'PENDING' || d.status === 'FAILED' ? (
                  <div class="muted">
                    next <Time iso={d.next_attempt_at} />
                  </div>
                ) : null}
              </>
            ),
          },
          ...(writable
            ? [
                {
                  title: 'Actions',
                  render: (d: DeliveryList['items'][number]) => (
                    <div class="row-actions">
                      {d.status === 'DEAD' || d.status === 'RESYNC' ? (
                        <ActionButton small label="Retry" run={() => api.post(`/deliveries/${d.id}/retry`)} success={`Delivery ${d.id} queued again`} after={list.refresh} />
                      ) : null}
                      {['PENDING', 'FAILED', 'DEAD', 'RESYNC'].includes(d.status) ? (
                        <ActionButton
                          small
                          danger
                          label="Drop"
                          confirm={`Drop delivery ${d.id} (${d.object_key})? It will not be sent; the peer may miss this change until its next pull.`}
                          run={() => api.delete(`/deliveries/${d.id}`)}
                          success={`Delivery ${d.id} dropped`}
                          after={list.refresh}
                        />
                      ) : null}
                    </div>
                  ),
                },
              ]
            : []),
        ]}
      />
      {count !== undefined ? <Pager page={{ total: count, offset, limit: PAGE, items: list.data?.items ?? [] }} onOffset={(o) => setPaging({ status, offset: o })} /> : null}
    </Section>
  );
}

function Pulls(props: { session: Session; id: string }): JSX.Element {
  const pulls = usePoll(`pulls:${props.id}`, (signal) => props.session.api.get<PullState[]>(`/peers/${props.id}/pulls`, undefined, signal), 10_000);
  return (
    <Section title="Pulls" id="pulls">
      <ErrorBox error={pulls.error} />
      <Table
        label="Pulls"
        rows={pulls.data}
        rowKey={(p) => p.module}
        empty="No pulls for this peer (pulled modules depend on its roles)."
        columns={[
          { title: 'Module', render: (p) => p.module },
          { title: 'Last started', render: (p) => <Time iso={p.last_started_at} /> },
          { title: 'Last success', render: (p) => <Time iso={p.last_success_at} /> },
          { title: 'Objects', class: 'num', render: (p) => p.last_count ?? '—' },
          { title: 'Next pull', render: (p) => <Time iso={p.next_pull_at} /> },
          { title: 'Last error', render: (p) => (p.last_error ? <span class="tone-text-bad">{p.last_error}</span> : '—') },
        ]}
      />
    </Section>
  );
}

function DataQuality(props: { session: Session; id: string }): JSX.Element {
  const report = usePoll(`quality:${props.id}`, (signal) => props.session.api.get<QualityReport>(`/peers/${props.id}/data-quality`, undefined, signal), 15_000);
  const r = report.data;
  return (
    <Section
      title="Data quality"
      id="data-quality"
      actions={r ? <span class="muted">{`${r.totals.repaired} repaired · ${r.totals.refused} refused · ${r.totals.noticed} noticed`}</span> : null}
    >
      <p class="muted">What this peer sent that the platform had to repair or refuse, per field and rule: the list to send the partner.</p>
      <ErrorBox error={report.error} />
      <Table
        label="Data quality"
        rows={r?.entries}
        rowKey={(e) => `${e.module}:${e.path}:${e.rule}:${e.outcome}`}
        empty="Everything this peer sent was stored as sent."
        columns={[
          { title: 'Outcome', render: (e) => <Pill status={e.outcome} /> },
          { title: 'Module', render: (e) => e.module },
          { title: 'Field', render: (e) => <code>{e.path}</code> },
          { title: 'Rule', render: (e) => e.rule },
          { title: 'Count', class: 'num', render: (e) => e.count },
          { title: 'Last object', render: (e) => e.last_object_id ?? '—' },
          { title: 'Detail', render: (e) => e.last_detail ?? '—' },
          { title: 'Last seen', render: (e) => <Time iso={e.last_seen_at} /> },
        ]}
      />
    </Section>
  );
}
