/** Local parties: the list, registering one, and the way from a party to its CPO or eMSP pages. */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { partyLabel } from '../format';
import { usePoll } from '../poll';
import { partyInfo } from '../roles';
import { Link, navigate } from '../router';
import { type Session, canChange } from '../session';
import type { Party } from '../types';
import { ErrorBox, Freshness, Section, Table, Time, notify } from '../ui';

export function PartiesPage(props: { session: Session }): JSX.Element {
  const { api, identity } = props.session;
  const parties = usePoll('parties', (signal) => api.get<Party[]>('/parties', undefined, signal), 10_000);
  return (
    <div class="page">
      <div class="page-head">
        <h1>Local parties</h1>
        <Freshness updatedAt={parties.updatedAt} error={parties.error} />
      </div>
      <ErrorBox error={parties.error} />
      <Section title="Parties this platform speaks for">
        <Table
          label="Parties"
          rows={parties.data}
          rowKey={partyLabel}
          empty="No local parties yet."
          columns={[
            { title: 'Party', render: (p) => <Link href={`/parties/${p.country_code}/${p.party_id}`}>{partyLabel(p)}</Link> },
            { title: 'Name', render: (p) => p.business_details.name },
            { title: 'Roles', render: (p) => p.roles.join(', ') },
            {
              title: 'Pages',
              render: (p) => (
                <span class="links">
                  {p.roles.includes('CPO') ? <Link href={`/parties/${p.country_code}/${p.party_id}/cpo`}>CPO</Link> : null}
                  {p.roles.includes('EMSP') ? <Link href={`/parties/${p.country_code}/${p.party_id}/emsp`}>eMSP</Link> : null}
                </span>
              ),
            },
            { title: 'Registered', render: (p) => <Time iso={p.created_at} /> },
          ]}
        />
      </Section>
      {canChange(identity) ? <RegisterParty session={props.session} after={parties.refresh} /> : null}
    </div>
  );
}

function RegisterParty(props: { session: Session; after: () => void }): JSX.Element {
  const [form, setForm] = useState({ country_code: '', party_id: '', name: '', website: '', cpo: true, emsp: false });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (field: keyof typeof form) => (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    setForm({ ...form, [field]: input.type === 'checkbox' ? input.checked : input.value });
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const roles = [...(form.cpo ? ['CPO'] : []), ...(form.emsp ? ['EMSP'] : [])];
    try {
      const created = await props.session.api.post<Party>('/parties', {
        country_code: form.country_code.trim().toUpperCase(),
        party_id: form.party_id.trim().toUpperCase(),
        roles,
        business_details: { name: form.name.trim(), ...(form.website.trim() ? { website: form.website.trim() } : {}) },
      });
      notify(`Party ${partyLabel(created)} registered`);
      setForm({ country_code: '', party_id: '', name: '', website: '', cpo: true, emsp: false });
      props.after();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Register a party">
      <form class="form form-inline" onSubmit={(e) => void submit(e)}>
        <label>
          Country code
          <input required maxLength={2} size={3} value={form.country_code} onInput={set('country_code')} placeholder="NL" />
        </label>
        <label>
          Party id
          <input required maxLength={3} size={4} value={form.party_id} onInput={set('party_id')} placeholder="ABC" />
        </label>
        <label>
          Name
          <input required value={form.name} onInput={set('name')} placeholder="ABC Charging" />
        </label>
        <label>
          Website
          <input type="url" value={form.website} onInput={set('website')} />
        </label>
        <label class="check">
          <input type="checkbox" checked={form.cpo} onChange={set('cpo')} /> CPO
        </label>
        <label class="check">
          <input type="checkbox" checked={form.emsp} onChange={set('emsp')} /> eMSP
        </label>
        <button type="submit" class="btn btn-primary" disabled={busy || (!form.cpo && !form.emsp)}>
          Register
        </button>
      </form>
      <ErrorBox error={error} />
    </Section>
  );
}

/** `/parties/CC/PID`: to the CPO pages of a CPO, else to the eMSP pages. */
export function PartyRedirect(props: { session: Session; cc: string; pid: string }): JSX.Element {
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let cancelled = false;
    partyInfo(props.session.api, props.cc, props.pid)
      .then((p) => {
        if (cancelled) return;
        if (p.roles.length === 0) throw new Error(`Party ${props.cc}*${props.pid} has no CPO or eMSP pages this key may see`);
        navigate(`/parties/${props.cc.toUpperCase()}/${props.pid.toUpperCase()}/${p.roles.includes('CPO') ? 'cpo' : 'emsp'}`, true);
      })
      .catch((e) => !cancelled && setError(e));
    return () => {
      cancelled = true;
    };
  }, [props.cc, props.pid]);
  if (!error) return <p class="muted">Opening party {`${props.cc}*${props.pid}`}…</p>;
  return (
    <div class="page">
      <ErrorBox error={error} />
    </div>
  );
}

/** The head of a party's pages: its name, its other role's pages. */
export function PartyHead(props: { session: Session; cc: string; pid: string; role: 'cpo' | 'emsp' }): JSX.Element {
  const party = usePoll(`party:${props.cc}/${props.pid}`, (signal) => partyInfo(props.session.api, props.cc, props.pid, signal), 30_000);
  const p = party.data;
  const other = props.role === 'cpo' ? 'EMSP' : 'CPO';
  const scope = props.session.identity.scope;
  return (
    <div class="party-head">
      <h1>
        {scope.kind === 'party' ? null : (
          <>
            <Link href="/parties">Parties</Link> ›{' '}
          </>
        )}
        {`${props.cc}*${props.pid}`} {p?.name ? <span class="muted">{p.name}</span> : null} <span class="pill tone-busy">{props.role === 'cpo' ? 'CPO' : 'eMSP'}</span>
      </h1>
      {p?.roles.includes(other) ? (
        <Link href={`/parties/${props.cc}/${props.pid}/${other.toLowerCase()}`}>{other === 'CPO' ? 'CPO pages' : 'eMSP pages'} of this party ›</Link>
      ) : null}
      <ErrorBox error={party.error} />
    </div>
  );
}
