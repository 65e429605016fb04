/**
 * Ending a session and producing its CDR when the CPO backend does not price sessions itself:
 * the session is completed, priced by the tariff engine with the party's tariffs and the
 * location as stored, and the CDR is stored and pushed like any other.
 */
import type { AppContext } from '../../../context.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { DomainError } from '../../../platform/domain-error.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { TariffEngineError, buildCdr, explain } from '../../../tariffs/index.js';
import type { Session } from '../../../model/session.js';
import type { SessionClosing } from '../../../backends/cpo-port.js';

export type CloseOptions = SessionClosing;

/**
 * The CDR is built from the session as it will be once completed, before anything is written;
 * the COMPLETED change and the CDR are then stored (and queued for the eMSP) in one transaction.
 * Whatever fails (no location, no tariff, the engine refuses the data, the CDR id exists) leaves
 * the session as it was and pushes nothing.
 */
export async function closeSessionWithCdr(app: AppContext, party: PartyRef, sessionId: string, opts: CloseOptions) {
  const sessions = app.services.ownSessions;
  const stored = await sessions.get(party, sessionId);
  if (!stored) throw new DomainError('not_found', `Unknown session ${sessionId}`);
  const completion = stored.status === 'COMPLETED' ? null : { status: 'COMPLETED', end_date_time: opts.endDateTime ?? stored.end_date_time ?? new Date().toISOString() };
  const session = completion ? ({ ...stored, ...completion } as Session) : stored;
  const owner = partyKey(party.countryCode, party.partyId);
  const location = await app.services.ownLocations.find([owner], session.location_id, { kind: 'location' });
  if (!location) throw new DomainError('conflict', `The session's location ${session.location_id} is not stored: a CDR needs it`);
  const tariffs = await app.services.ownTariffs.store.all(owner);
  if (tariffs.length === 0) throw new DomainError('conflict', 'This party has no tariffs: nothing to price the session with');
  let built;
  try {
    built = buildCdr({ session, location, tariffs, timeline: opts.timeline, cdrId: opts.cdrId, signedData: opts.signedData });
  } catch (e) {
    if (e instanceof TariffEngineError) {
      const fields = e.issues.map((i) => ({ path: i.field, message: i.message }));
      throw new DomainError('invalid', e.message, fields);
    }
    throw e;
  }
  const cdr = await app.db.$transaction(async (tx) => {
    if (completion) await sessions.patch(party, sessionId, completion, tx);
    return app.services.ownCdrs.create(party, built.cdr, tx);
  });
  return { cdr, explanation: explain(built.pricing).lines, warnings: built.warnings };
}
