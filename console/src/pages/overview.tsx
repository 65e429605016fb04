/**
 * The overview: what needs attention first (dead letters, failing pushes and pulls, suspended or
 * silent peers, unreachable hub parties), then the parties, the peers with their backlog, the
 * pulls and, with the hub role on, who the hub can reach.
 */
import type { JSX } from 'preact';
import { ApiError } from '../api';
import { ago, partyLabel } from '../format';
import { usePoll } from '../poll';
import { Link } from '../router';
import type { Session } from '../session';
import type { DeliveryList, HubView, Party, Peer, PullState, ReachableParty } from '../types';
import { ErrorBox, Freshness, Pill, Section, Table, Time } from '../ui';

/** A registered peer silent this long gets a line in "Needs attention". */
const SILENCE_HOURS = 6;

interface PeerHealth {
  peer: Peer;
  summary: Record<string, number> | null;
  pulls: PullState[];
}

interface OverviewData {
  parties: Party[];
  peers: PeerHealth[];
  hub: HubView | null;
  hubParties: ReachableParty[];
}

export interface Attention {
  tone: 'bad' | 'warn' | 'info';
  text: string;
  href?: string;
}

async function readOverview(session: Session, signal: AbortSignal): Promise<OverviewData> {
  const api = session.api;
  const [parties, peers, hub] = await Promise.all([
    api.get<Party[]>('/parties', undefined, signal),
    api.get<Peer[]>('/peers', undefined, signal),
    api.get<HubView>('/hub', undefined, signal).catch((e) => {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }),
  ]);
  const health = await Promise.all(
    peers.map(async (peer): Promise<PeerHealth> => {
      const [deliveries, pulls] = await Promise.all([
        api.get<DeliveryList>(`/peers/${peer.id}/deliveries`, { limit: 1 }, signal),
        api.get<PullState[]>(`/peers/${peer.id}/pulls`, undefined, signal),
      ]);
      return { peer, summary: deliveries.summary, pulls };
    }),
  );
  const hubParties = hub?.enabled ? await api.get<ReachableParty[]>('/hub/parties', undefined, signal) : [];
  return { parties, peers: health, hub, hubParties };
}

export const peerName = (p: Peer) => p.label || p.roles.map(partyLabel).join(', ') || `peer ${p.id.slice(0, 8)}`;

export function attentionOf(data: OverviewData, now = Date.now()): Attention[] {
  const items: Attention[] = [];
  for (const { peer, summary, pulls } of data.peers) {
    const href = `/peers/${peer.id}`;
    const n = peerName(peer);
    if (summary?.DEAD)
      items.push({ tone: 'bad', text: `${summary.DEAD} dead deliver${summary.DEAD === 1 ? 'y' : 'ies'} to ${n}: refused by the peer, waiting for retry or drop`, href });
    if (summary?.RESYNC) items.push({ tone: 'bad', text: `${summary.RESYNC} deliver${summary.RESYNC === 1 ? 'y' : 'ies'} to ${n} ran out of retries (RESYNC)`, href });
    if (peer.status === 'SUSPENDED') items.push({ tone: 'warn', text: `${n} is suspended: nothing is sent to it and its requests are refused`, href });
    if (summary?.FAILED) items.push({ tone: 'warn', text: `${summary.FAILED} deliver${summary.FAILED === 1 ? 'y' : 'ies'} to ${n} failing and being retried`, href });
    for (const pull of pulls) if (pull.last_error) items.push({ tone: 'warn', text: `Pull of ${pull.module} from ${n} failed: ${pull.last_error}`, href });
    if (peer.status === 'REGISTERED' && peer.last_contact_at && now - Date.parse(peer.last_contact_at) > SILENCE_HOURS * 3600_000) {
      items.push({ tone: 'warn', text: `No contact with ${n} for ${ago(peer.last_contact_at, now).replace(' ago', '')}`, href });
    }
    if (peer.status === 'PENDING') items.push({ tone: 'info', text: `${n}: ${peer.initiated_by === 'US' ? 'connection not finished' : 'invitation not used yet'}`, href });
  }
  for (const p of data.hubParties) {
    if (p.status === 'OFFLINE' || p.status === 'SUSPENDED')
      items.push({ tone: 'warn', text: `Hub: ${partyLabel(p)} (${p.role}) is ${p.status}`, href: p.peer_id ? `/peers/${p.peer_id}` : undefined });
  }
  if (data.parties.length === 0) items.push({ tone: 'info', text: 'No local party yet: register the parties this platform speaks for', href: '/parties' });
  else if (data.peers.length === 0) items.push({ tone: 'info', text: 'No peer yet: invite one or connect to one', href: '/connections' });
  const order = { bad: 0, warn: 1, info: 2 };
  return items.sort((a, b) => order[a.tone] - order[b.tone]);
}

export function OverviewPage(props: { session: Session }): JSX.Element {
  const polled = usePoll('overview', (signal) => readOverview(props.session, signal), 5000);
  const data = polled.data;
  const attention = data ? attentionOf(data) : undefined;
  const pulls = data?.peers.flatMap((h) => h.pulls.map((p) => ({ ...p, peer: h.peer }))) ?? undefined;
  return (
    <div class="page">
      <div class="page-head">
        <h1>Overview</h1>
        <Freshness updatedAt={polled.updatedAt} error={polled.error} />
      </div>
      <ErrorBox error={polled.error} />
      <Section title="Needs attention" id="attention">
        {attention === undefined ? (
          <p class="muted">Loading…</p>
        ) : attention.length === 0 ? (
          <p class="all-good">Nothing needs attention: every peer is reachable and every delivery and pull went through.</p>
        ) : (
          <ul class="attention">
            {attention.map((a) => (
              <li key={a.text} class={`tone-${a.tone}`}>
                {a.href ? <Link href={a.href}>{a.text}</Link> : a.text}
              </li>
            ))}
          </ul>
        )}
      </Section>
      <div class="grid-2">
        <Section title="Peers" actions={<Link href="/connections">Invite or connect…</Link>}>
          <Table
            label="Peers"
            rows={data?.peers}
            rowKey={(h) => h.peer.id}
            empty="No peers yet."
            columns={[
              { title: 'Peer', render: (h) => <Link href={`/peers/${h.peer.id}`}>{peerName(h.peer)}</Link> },
              { title: 'Status', render: (h) => <Pill status={h.peer.status} /> },
              { title: 'Roles', render: (h) => h.peer.roles.map((r) => `${partyLabel(r)} ${r.role}`).join(', ') || '—' },
              { title: 'Last contact', render: (h) => <Time iso={h.peer.last_contact_at} /> },
              { title: 'Backlog', class: 'num', render: (h) => (h.summary ? (h.summary.PENDING ?? 0) + (h.summary.FAILED ?? 0) : '—') },
              {
                title: 'Dead',
                class: 'num',
                render: (h) => {
                  const dead = (h.summary?.DEAD ?? 0) + (h.summary?.RESYNC ?? 0);
                  return dead ? <span class="tone-text-bad">{dead}</span> : '0';
                },
              },
            ]}
          />
        </Section>
        <Section title="Local parties" actions={<Link href="/parties">Manage…</Link>}>
          <Table
            label="Local parties"
            rows={data?.parties}
            rowKey={(p) => partyLabel(p)}
            empty="No local parties yet."
            columns={[
              { title: 'Party', render: (p) => <Link href={`/parties/${p.country_code}/${p.party_id}`}>{partyLabel(p)}</Link> },
              { title: 'Name', render: (p) => p.business_details.name },
              { title: 'Roles', render: (p) => p.roles.join(', ') },
            ]}
          />
        </Section>
      </div>
      <Section title="Pulls">
        <Table
          label="Pulls"
          rows={pulls}
          rowKey={(p) => `${p.peer.id}:${p.module}`}
          empty="No pulls scheduled (pulls run for peers with CPO or eMSP roles)."
          columns={[
            { title: 'Peer', render: (p) => <Link href={`/peers/${p.peer.id}`}>{peerName(p.peer)}</Link> },
            { title: 'Module', render: (p) => p.module },
            { title: 'Last success', render: (p) => <Time iso={p.last_success_at} /> },
            { title: 'Objects', class: 'num', render: (p) => p.last_count ?? '—' },
            { title: 'Next', render: (p) => <Time iso={p.next_pull_at} /> },
            { title: 'Last error', render: (p) => (p.last_error ? <span class="tone-text-bad">{p.last_error}</span> : '—') },
          ]}
        />
      </Section>
      {data?.hub?.enabled ? (
        <Section title={`Hub ${data.hub.country_code}*${data.hub.party_id}: reachable parties (ClientInfo)`}>
          <Table
            label="Hub parties"
            rows={data.hubParties}
            rowKey={(p) => `${partyLabel(p)}:${p.role}`}
            empty="No party reachable through the hub yet."
            columns={[
              { title: 'Party', render: (p) => partyLabel(p) },
              { title: 'Role', render: (p) => p.role },
              { title: 'Status', render: (p) => <Pill status={p.status} /> },
              { title: 'Via', render: (p) => (p.peer_id ? <Link href={`/peers/${p.peer_id}`}>peer</Link> : 'local') },
              { title: 'Changed', render: (p) => <Time iso={p.last_updated} /> },
            ]}
          />
        </Section>
      ) : null}
    </div>
  );
}
