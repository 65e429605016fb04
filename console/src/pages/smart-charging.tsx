/**
 * Smart charging: which SCSP steers whose sessions (the delegations), and the requests refused
 * because another party controls a session (the conflicts an operator must sort out).
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { Page } from '../api';
import { partyLabel } from '../format';
import { usePoll } from '../poll';
import { type Session, canChange } from '../session';
import type { ChargingProfileConflict, Delegation, Party } from '../types';
import { ActionButton, ErrorBox, Freshness, LoadError, Pager, Section, Table, Time, notify } from '../ui';

const PAGE = 50;

export function SmartChargingPage(props: { session: Session }): JSX.Element {
  const { api, identity } = props.session;
  const delegations = usePoll('delegations', (signal) => api.get<Delegation[]>('/delegations', undefined, signal), 10_000);
  const [offset, setOffset] = useState(0);
  const conflicts = usePoll(`conflicts:${offset}`, (signal) => api.get<Page<ChargingProfileConflict>>('/delegations/conflicts', { offset, limit: PAGE }, signal), 10_000);
  const writable = canChange(identity);
  return (
    <div class="page">
      <div class="page-head">
        <h1>Smart charging</h1>
        <Freshness updatedAt={delegations.updatedAt} error={delegations.error} />
      </div>
      <p class="muted">
        A CPO delegates the sessions at some or all of its locations, an eMSP its drivers’ sessions, to a Smart Charging Service Provider. One session has one controller: the
        delegation decides, without one the driver’s eMSP.
      </p>
      {writable ? <CreateDelegation session={props.session} after={delegations.refresh} /> : null}
      <Section title="Delegations">
        <LoadError error={delegations.error} what="delegations" endpoint="GET /admin/delegations" />
        <Table
          label="Delegations"
          rows={delegations.data}
          rowKey={(d) => d.id}
          empty="No delegations: every driver’s eMSP steers its own sessions."
          columns={[
            { title: 'From', render: (d) => <code>{d.from}</code> },
            { title: 'As', render: (d) => d.role },
            { title: 'To (SCSP)', render: (d) => <code>{d.to}</code> },
            { title: 'Locations', render: (d) => (d.locations ? d.locations.join(', ') : <span class="muted">{d.role === 'CPO' ? 'every location' : 'every driver'}</span>) },
            { title: 'Since', render: (d) => <Time iso={d.created_at} /> },
            ...(writable
              ? [
                  {
                    title: 'Actions',
                    render: (d: Delegation) => (
                      <ActionButton
                        small
                        danger
                        label="End"
                        confirm={`End the delegation of ${d.from} to ${d.to}? The SCSP gets no more sessions and its requests are refused from now on.`}
                        run={() => api.delete(`/delegations/${encodeURIComponent(d.id)}`)}
                        success={`Delegation to ${d.to} ended`}
                        after={delegations.refresh}
                      />
                    ),
                  },
                ]
              : []),
          ]}
        />
      </Section>
      <Section title="Conflicts: requests refused because another party controls the session">
        <LoadError error={conflicts.error} what="charging profile conflicts" endpoint="GET /admin/delegations/conflicts" />
        <Table
          label="Conflicts"
          rows={conflicts.data?.items}
          rowKey={(c) => c.id}
          empty="No conflicts."
          columns={[
            { title: 'When', render: (c) => <Time iso={c.at} /> },
            { title: 'Our party', render: (c) => <code>{c.party}</code> },
            { title: 'Asked by', render: (c) => <code>{c.requester}</code> },
            { title: 'Controller', render: (c) => <code>{c.controller}</code> },
            { title: 'Session', render: (c) => <code>{c.session_id}</code> },
            { title: 'Request', render: (c) => c.kind },
          ]}
        />
        <Pager page={conflicts.data} onOffset={setOffset} />
      </Section>
    </div>
  );
}

function CreateDelegation(props: { session: Session; after: () => void }): JSX.Element {
  const { api } = props.session;
  const parties = usePoll('delegating-parties', (signal) => api.get<Party[]>('/parties', undefined, signal), 30_000);
  const delegating = (parties.data ?? []).filter((p) => p.roles.includes('CPO') || p.roles.includes('EMSP'));
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [locations, setLocations] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const list = locations
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean);
    try {
      const created = await api.post<Delegation>('/delegations', { from, to: to.trim(), ...(list.length ? { locations: list } : {}) });
      notify(`${created.from} delegates to ${created.to}`);
      setTo('');
      setLocations('');
      props.after();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Delegate">
      <form class="form form-inline" onSubmit={(e) => void submit(e)}>
        <label>
          From
          <select name="from" required value={from} onChange={(e) => setFrom((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">choose…</option>
            {delegating.map((p) => (
              <option key={partyLabel(p)} value={`${p.country_code}/${p.party_id}`}>
                {partyLabel(p)} {p.business_details.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          SCSP
          <input name="to" required size={8} value={to} onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)} placeholder="CC/PID" />
        </label>
        <label>
          Locations
          <input name="locations" size={24} value={locations} onInput={(e) => setLocations((e.currentTarget as HTMLInputElement).value)} placeholder="CPO only; empty: all" />
        </label>
        <button type="submit" class="btn btn-primary" disabled={busy || !from || !to.trim()}>
          Delegate
        </button>
      </form>
      <ErrorBox error={error} />
    </Section>
  );
}
