/**
 * No billing record is ever lost (DESIGN principle 2): a CDR a CPO peer sends (push or pull) that
 * the receive profile cannot read even after repair is kept exactly as received, announced to the
 * eMSP party's backend (`cdr.quarantined`), listed in the admin API, and stored like any CDR once an
 * operator releases it (as received, after a software fix, or with a corrected body).
 *
 * What stays a refusal: a CDR whose readable owner is not a party of the calling peer. That is not
 * unreadable data but a peer writing for someone else (transport §8).
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../../context.js';
import type { AuthenticatedPeer, PartyRef } from '../../../ocpi/context.js';
import { invalidParameters } from '../../../ocpi/errors.js';
import { type Refusal, receive } from '../../../ocpi/receive-profile.js';
import { ciEquals, storableJson } from '../../../model/primitives.js';
import { withHubParties } from '../../../hub/remote-parties.js';
import { enqueueEmspEvent } from '../../../backends/emsp-events.js';
import { DomainError } from '../../../platform/domain-error.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { ReceivedCdr } from './receiver-service.js';

export type QuarantineStatus = 'QUARANTINED' | 'RELEASED' | 'DISCARDED';

export interface QuarantinedCdrView {
  id: string;
  peer_id: string;
  cdr_id: string | null;
  owner: { country_code: string; party_id: string } | null;
  status: QuarantineStatus;
  problems: Array<{ path: string; rule: string; message: string }>;
  received_at: string;
  released_at: string | null;
  /** Our id of the stored CDR once released. */
  received_cdr_id: string | null;
  /** The body exactly as the peer sent it. */
  raw: unknown;
}

interface Row {
  id: string;
  peerId: string;
  partyKey: string;
  cdrId: string | null;
  ownerKey: string | null;
  raw: string;
  problems: unknown;
  status: string;
  receivedCdrId: string | null;
  receivedAt: Date;
  releasedAt: Date | null;
}

export class CdrQuarantine {
  constructor(private readonly app: AppContext) {}

  /**
   * Keeps an unreadable CDR for our eMSP party `recipient` (the routing `to`, or the party named by
   * a readable `cdr_token`). A repeat of one the peer already has in quarantine is the same record.
   */
  async keep(peer: AuthenticatedPeer, raw: unknown, refusals: Refusal[], recipient: PartyRef | undefined): Promise<{ id: string; created: boolean }> {
    // Only a JSON object can be a CDR at all; anything else is not a bill that could be lost.
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalidParameters(`(body): ${refusals[0]?.message ?? 'must be a CDR object'}`);
    const text = jsonText(raw);
    if (text === undefined) throw invalidParameters('(body): nested too deeply to be a CDR');
    const body = raw as Record<string, unknown>;
    const owner = readableParty(body.country_code, body.party_id);
    if (owner && !peer.roles.some((r) => ciEquals(r.countryCode, owner.countryCode) && ciEquals(r.partyId, owner.partyId))) {
      throw invalidParameters(`body.country_code/party_id: ${owner.countryCode}/${owner.partyId} is not a party registered by this peer: a peer may only post its own CDRs`);
    }
    const party = (await this.tokenParty(body.cdr_token)) ?? recipient;
    if (!party) throw invalidParameters('The CDR names no eMSP party of this platform (cdr_token, OCPI-to-*)');
    // The id is for finding it again; one PostgreSQL cannot hold as text (NUL) is only in `raw`.
    const cdrId = typeof body.id === 'string' && storableJson(body.id) ? body.id.slice(0, 64) : null;
    const key = partyKey(party.countryCode, party.partyId);
    return this.app.db.$transaction(async (tx) => {
      if (cdrId) {
        const existing = await tx.quarantinedCdr.findFirst({ where: { peerId: peer.peerId, partyKey: key, cdrId, status: 'QUARANTINED' } });
        if (existing) return { id: existing.id, created: false };
      }
      const id = randomUUID();
      const problems = refusals.map((r) => ({ path: r.path, rule: r.rule, message: r.message }));
      const row = await tx.quarantinedCdr.create({
        // JSON text keeps what JSONB cannot (NUL, lone surrogates: JSON.stringify escapes them).
        data: { id, peerId: peer.peerId, partyKey: key, cdrId, ownerKey: owner ? partyKey(owner.countryCode, owner.partyId) : null, raw: text, problems },
      });
      await enqueueEmspEvent(this.app, tx, party, 'cdr.quarantined', view(row, false));
      return { id, created: true };
    });
  }

  async list(party: PartyRef, status?: QuarantineStatus): Promise<QuarantinedCdrView[]> {
    const rows = await this.app.db.quarantinedCdr.findMany({
      where: { partyKey: partyKey(party.countryCode, party.partyId), ...(status ? { status } : {}) },
      orderBy: { receivedAt: 'desc' },
      take: 500,
    });
    return rows.map((r) => view(r, true));
  }

  async get(party: PartyRef, id: string): Promise<QuarantinedCdrView> {
    return view(await this.row(party, id), true);
  }

  /** The raw body for the peer that sent it: the answer to a GET of the Location we gave it. */
  async rawFor(peer: AuthenticatedPeer, id: string): Promise<unknown | undefined> {
    if (!UUID.test(id)) return undefined;
    const row = await this.app.db.quarantinedCdr.findUnique({ where: { id } });
    return row && row.peerId === peer.peerId && row.status === 'QUARANTINED' ? JSON.parse(row.raw) : undefined;
  }

  /**
   * Stores the CDR as any received CDR (event `cdr.received` included): the body as received, or
   * `corrected` when given. Still unreadable: `invalid` naming the fields, and it stays in quarantine.
   */
  async release(party: PartyRef, id: string, corrected?: unknown): Promise<QuarantinedCdrView> {
    const row = await this.row(party, id);
    if (row.status !== 'QUARANTINED') throw new DomainError('conflict', `Quarantined CDR ${id} is ${row.status}`);
    const candidate = corrected ?? JSON.parse(row.raw);
    const read = receive(ReceivedCdr, candidate, { module: 'cdrs', recipient: party, maxFutureSkewSeconds: this.app.config.MAX_FUTURE_SKEW_SECONDS });
    if (!read.ok)
      throw new DomainError(
        'invalid',
        'The CDR is still unreadable',
        read.refusals.map((r) => ({ path: r.path, message: r.message })),
      );
    const peer = await this.peerOf(row.peerId);
    const stored = await this.app.services.receivedCdrs.post(peer, read.data);
    const receivedCdrId = stored.location.slice(stored.location.lastIndexOf('/') + 1);
    const updated = await this.app.db.quarantinedCdr.update({ where: { id }, data: { status: 'RELEASED', releasedAt: new Date(), receivedCdrId } });
    return view(updated, true);
  }

  /** For a CDR the CPO has since sent again in a readable form, or one the parties agreed to drop. */
  async discard(party: PartyRef, id: string): Promise<QuarantinedCdrView> {
    const row = await this.row(party, id);
    if (row.status !== 'QUARANTINED') throw new DomainError('conflict', `Quarantined CDR ${id} is ${row.status}`);
    return view(await this.app.db.quarantinedCdr.update({ where: { id }, data: { status: 'DISCARDED', releasedAt: new Date() } }), true);
  }

  private async row(party: PartyRef, id: string): Promise<Row> {
    const row = UUID.test(id) ? await this.app.db.quarantinedCdr.findUnique({ where: { id } }) : null;
    if (!row || row.partyKey !== partyKey(party.countryCode, party.partyId)) throw new DomainError('not_found', `Quarantined CDR ${id} not found`);
    return row;
  }

  private async peerOf(peerId: string): Promise<AuthenticatedPeer> {
    const peer = await this.app.peerStore.get(peerId);
    if (!peer) throw new DomainError('conflict', 'The peer that sent this CDR is gone: its ownership can no longer be checked');
    const roles = peer.roles.map((r) => ({ role: r.role, countryCode: r.countryCode, partyId: r.partyId }));
    return withHubParties(this.app, { peerId, status: peer.status, credentialKind: 'C', credentialHash: '', roles });
  }

  private async tokenParty(token: unknown): Promise<PartyRef | undefined> {
    const t = (token ?? {}) as { country_code?: unknown; party_id?: unknown };
    const named = readableParty(t.country_code, t.party_id);
    if (!named) return undefined;
    const ours = (await this.app.parties.listCached()).find((p) => p.roles.includes('EMSP') && ciEquals(p.countryCode, named.countryCode) && ciEquals(p.partyId, named.partyId));
    return ours ? { countryCode: ours.countryCode, partyId: ours.partyId } : undefined;
  }
}

function jsonText(value: object): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function readableParty(countryCode: unknown, partyId: unknown): PartyRef | undefined {
  if (typeof countryCode !== 'string' || typeof partyId !== 'string' || !/^[A-Za-z]{2}$/.test(countryCode) || !/^[A-Za-z0-9]{3}$/.test(partyId)) return undefined;
  return { countryCode, partyId };
}

function view(row: Row, withRaw: boolean): QuarantinedCdrView {
  return {
    id: row.id,
    peer_id: row.peerId,
    cdr_id: row.cdrId,
    owner: row.ownerKey ? { country_code: row.ownerKey.slice(0, 2), party_id: row.ownerKey.slice(2) } : null,
    status: row.status as QuarantineStatus,
    problems: row.problems as QuarantinedCdrView['problems'],
    received_at: row.receivedAt.toISOString(),
    released_at: row.releasedAt?.toISOString() ?? null,
    received_cdr_id: row.receivedCdrId,
    raw: withRaw ? JSON.parse(row.raw) : undefined,
  };
}

declare module '../../../context.js' {
  interface Services {
    cdrQuarantine: CdrQuarantine;
  }
}
