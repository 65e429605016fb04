/**
 * Which events a received session or CDR gives the eMSP backend (src/backends/emsp-events.ts).
 * The party told is the eMSP party of the object's `cdr_token`: the session is its driver's,
 * whether a CPO pushed it (OCPI-to names the same party) or we pulled it.
 */
import type { AppContext } from '../../../context.js';
import { type EmspEventType, enqueueEmspEvent } from '../../../backends/emsp-events.js';
import type { Db, Prisma } from '../../../db/prisma.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { ciEquals } from '../../../model/primitives.js';
import type { CdrToken } from '../../../model/cdr.js';
import type { Session } from '../../../model/session.js';
import type { SignedDataVerification } from '../../../metering/index.js';

type Tx = Prisma.TransactionClient | Db;

const ENDED = new Set(['COMPLETED', 'INVALID']);

/**
 * started: a session we did not hold; ended: it reached COMPLETED or INVALID (a session first
 * seen already ended gives both); updated: any other newer version. A version with the stamp we
 * already hold (a repeated PUT, the overlap of two incremental pulls) tells nothing new.
 */
export function sessionEventTypes(previous: Session | null, next: Session): EmspEventType[] {
  if (!previous) return ENDED.has(next.status) ? ['session.started', 'session.ended'] : ['session.started'];
  if (Date.parse(previous.last_updated) === Date.parse(next.last_updated)) return [];
  if (ENDED.has(next.status) && !ENDED.has(previous.status)) return ['session.ended'];
  return ['session.updated'];
}

/** Records the events of a session write, in the write's transaction. */
export async function emitSessionEvents(app: AppContext, tx: Tx, previous: Session | null, next: Session): Promise<void> {
  const types = sessionEventTypes(previous, next);
  if (types.length === 0) return;
  const party = await ourEmspParty(app, next.cdr_token);
  if (!party) return;
  for (const type of types) await enqueueEmspEvent(app, tx, party, type, next);
}

/**
 * Records `cdr.received` for a CDR stored for the first time, in the write's transaction, with
 * the check of its signed meter data (null: the CDR carries none).
 */
export async function emitCdrReceived(
  app: AppContext,
  tx: Tx,
  cdr: { cdr_token: CdrToken; total_cost: unknown },
  signedDataVerification: SignedDataVerification | null,
): Promise<void> {
  const party = await ourEmspParty(app, cdr.cdr_token);
  if (party) await enqueueEmspEvent(app, tx, party, 'cdr.received', { cdr, total_cost: cdr.total_cost, signed_data_verification: signedDataVerification });
}

/** The local eMSP party a token belongs to, or null when it is not one of ours. */
async function ourEmspParty(app: AppContext, token: CdrToken): Promise<PartyRef | null> {
  const party = (await app.parties.listCached()).find((p) => p.roles.includes('EMSP') && ciEquals(p.countryCode, token.country_code) && ciEquals(p.partyId, token.party_id));
  return party ? { countryCode: party.countryCode, partyId: party.partyId } : null;
}
