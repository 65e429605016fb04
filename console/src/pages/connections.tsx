/**
 * Connections: invite a peer (a Token A, shown once, to hand over with our versions URL),
 * register with a peer given its versions URL and Token A, and the connections not finished yet.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { describeError } from '../api';
import { usePoll } from '../poll';
import { Link } from '../router';
import { type Session, canChange } from '../session';
import type { Invitation, Peer } from '../types';
import { ActionButton, Copyable, ErrorBox, Freshness, Pill, Section, Table, Time, notify } from '../ui';
import { peerName } from './overview';

export function ConnectionsPage(props: { session: Session }): JSX.Element {
  const { api, identity } = props.session;
  const peers = usePoll('peers', (signal) => api.get<Peer[]>('/peers', undefined, signal));
  const pending = peers.data?.filter((p) => p.status === 'PENDING');
  const writable = canChange(identity);
  return (
    <div class="page">
      <div class="page-head">
        <h1>Connections</h1>
        <Freshness updatedAt={peers.updatedAt} error={peers.error} />
      </div>
      {writable ? (
        <div class="grid-2">
          <InviteForm session={props.session} after={peers.refresh} />
          <ConnectForm session={props.session} after={peers.refresh} />
        </div>
      ) : (
        <p class="notice">This key may read only: inviting and connecting need a key with the admin scope.</p>
      )}
      <Section title="Waiting connections">
        <ErrorBox error={peers.error} />
        <Table
          label="Waiting connections"
          rows={pending}
          rowKey={(p) => p.id}
          empty="No invitation or connection is waiting."
          columns={[
            { title: 'Peer', render: (p) => <Link href={`/peers/${p.id}`}>{peerName(p)}</Link> },
            { title: 'Status', render: (p) => <Pill status={p.status} /> },
            { title: 'Kind', render: (p) => (p.initiated_by === 'US' ? 'we connect' : 'invitation') },
            { title: 'Created', render: (p) => <Time iso={p.created_at} /> },
            ...(writable
              ? [
                  {
                    title: 'Actions',
                    render: (p: Peer) => (
                      <ActionButton
                        small
                        danger
                        label="Withdraw"
                        confirm="Withdraw this invitation? Its Token A stops working."
                        run={() => api.delete(`/peers/${p.id}`)}
                        success="Invitation withdrawn"
                        after={peers.refresh}
                      />
                    ),
                  },
                ]
              : []),
          ]}
        />
      </Section>
    </div>
  );
}

function InviteForm(props: { session: Session; after: () => void }): JSX.Element {
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<(Invitation & { label: string }) | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const invitation = await props.session.api.post<Invitation>('/peers/invitations', label.trim() ? { label: label.trim() } : {});
      setCreated({ ...invitation, label: label.trim() });
      setLabel('');
      notify('Invitation created: copy the token now, it is shown only once');
      props.after();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Invite a peer" id="invite">
      <form onSubmit={(e) => void submit(e)} class="form">
        <p class="muted">The peer registers with us using a single-use Token A and our versions URL. Send both over a secure channel.</p>
        <label>
          Label (who it is for)
          <input name="label" maxLength={100} value={label} onInput={(e) => setLabel((e.currentTarget as HTMLInputElement).value)} placeholder="e.g. Peer eMSP" />
        </label>
        <ErrorBox error={error} />
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create invitation'}
        </button>
      </form>
      {created ? (
        <div class="once" data-testid="invitation">
          <p>
            <strong>Token A for {created.label || 'the peer'}</strong>: shown this once. It expires <Time iso={created.expires_at} /> ({created.expires_at}).
          </p>
          <Copyable label="Token A" value={created.token} />
          <Copyable label="Versions URL" value={created.versions_url} />
          <button type="button" class="btn btn-small" onClick={() => setCreated(null)}>
            I have copied it: hide
          </button>
        </div>
      ) : null}
    </Section>
  );
}

function ConnectForm(props: { session: Session; after: () => void }): JSX.Element {
  const [versionsUrl, setVersionsUrl] = useState('');
  const [token, setToken] = useState('');
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const peer = await props.session.api.post<Peer>('/peers/connect', {
        versions_url: versionsUrl.trim(),
        token: token.trim(),
        ...(label.trim() ? { label: label.trim() } : {}),
      });
      notify(`Connected: ${peerName(peer)} is ${peer.status}`);
      setVersionsUrl('');
      setToken('');
      setLabel('');
      props.after();
    } catch (err) {
      setError(err);
      notify(`Connecting failed: ${describeError(err)}`, 'bad');
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Connect to a peer" id="connect">
      <form onSubmit={(e) => void submit(e)} class="form">
        <p class="muted">Register with a peer platform, given its versions URL and the Token A it issued us.</p>
        <label>
          Versions URL
          <input name="versions_url" type="url" required value={versionsUrl} onInput={(e) => setVersionsUrl((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          Their Token A
          <input name="token" type="password" autoComplete="off" required value={token} onInput={(e) => setToken((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          Label
          <input name="label" maxLength={100} value={label} onInput={(e) => setLabel((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <ErrorBox error={error} />
        <button type="submit" class="btn btn-primary" disabled={busy || !versionsUrl || !token}>
          {busy ? 'Connecting…' : 'Connect'}
        </button>
      </form>
    </Section>
  );
}
