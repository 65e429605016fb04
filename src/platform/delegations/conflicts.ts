/**
 * Charging profile requests refused because another party controls the session: kept as a list
 * the admin reads (`GET /admin/delegations/conflicts`), counted in the Prometheus counter
 * `ocpi_chargingprofile_conflicts_total` and logged as one line, with parties and the session id
 * only (never a profile, a response_url or a token).
 */
import client from 'prom-client';
import type { AppContext } from '../../context.js';
import type { PartyRef } from '../../ocpi/context.js';
import { partyKey } from '../parties/party-store.js';

export interface Conflict {
  /** Our party that refused: the CPO, or the eMSP relaying for its SCSP. */
  party: PartyRef;
  requester: PartyRef;
  controller: PartyRef;
  sessionId: string;
  kind: 'GET' | 'SET' | 'CLEAR';
  delegationId?: string;
}

export interface ConflictView {
  id: string;
  at: string;
  party: string;
  requester: string;
  controller: string;
  session_id: string;
  kind: string;
  delegation_id: string | null;
}

const COUNTER = 'ocpi_chargingprofile_conflicts_total';

function counter(app: AppContext): client.Counter<'party'> {
  const existing = app.metrics.registry.getSingleMetric(COUNTER);
  if (existing) return existing as client.Counter<'party'>;
  return new client.Counter({
    name: COUNTER,
    help: 'Charging profile requests refused (REJECTED) because another party controls the session, by our refusing party',
    labelNames: ['party'],
    registers: [app.metrics.registry],
  });
}

const named = (p: PartyRef) => `${p.countryCode}/${p.partyId}`.toUpperCase();

/** Records a refused second controller; never fails the request that found it. */
export async function recordConflict(app: AppContext, c: Conflict): Promise<void> {
  counter(app).inc({ party: named(c.party) });
  app.log.warn(
    { party: named(c.party), requester: named(c.requester), controller: named(c.controller), session_id: c.sessionId, kind: c.kind, delegation_id: c.delegationId ?? null },
    'charging profile request of a party that does not control the session: REJECTED',
  );
  await app.db.chargingProfileConflict
    .create({
      data: {
        partyKey: partyKey(c.party.countryCode, c.party.partyId),
        requesterKey: partyKey(c.requester.countryCode, c.requester.partyId),
        controllerKey: partyKey(c.controller.countryCode, c.controller.partyId),
        sessionId: c.sessionId,
        kind: c.kind,
        delegationId: c.delegationId ?? null,
      },
    })
    .catch((e: Error) => app.log.warn({ err: e.message }, 'a charging profile conflict could not be recorded'));
}

const keyName = (key: string) => `${key.slice(0, 2)}/${key.slice(2)}`;

/** The conflicts, newest first, optionally of one of our parties. */
export async function listConflicts(app: AppContext, filter: { party?: PartyRef; offset: number; limit: number }): Promise<{ total: number; items: ConflictView[] }> {
  const where = filter.party ? { partyKey: partyKey(filter.party.countryCode, filter.party.partyId) } : {};
  const [total, rows] = await Promise.all([
    app.db.chargingProfileConflict.count({ where }),
    app.db.chargingProfileConflict.findMany({ where, orderBy: { id: 'desc' }, skip: filter.offset, take: filter.limit }),
  ]);
  return {
    total,
    items: rows.map((r) => ({
      id: r.id.toString(),
      at: r.at.toISOString(),
      party: keyName(r.partyKey),
      requester: keyName(r.requesterKey),
      controller: keyName(r.controllerKey),
      session_id: r.sessionId,
      kind: r.kind,
      delegation_id: r.delegationId,
    })),
  };
}

/** How long a conflict stays listed: long enough to sort out a dispute, not a growing table. */
export const CONFLICT_HISTORY_DAYS = 30;

/** Removes conflicts older than CONFLICT_HISTORY_DAYS (the housekeeping job runs it); returns how many. */
export async function pruneConflicts(app: AppContext, now = new Date()): Promise<number> {
  const { count } = await app.db.chargingProfileConflict.deleteMany({ where: { at: { lt: new Date(now.getTime() - CONFLICT_HISTORY_DAYS * 86_400_000) } } });
  return count;
}
