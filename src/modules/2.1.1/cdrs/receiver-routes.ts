/**
 * CDRs RECEIVER interface of our eMSP parties for 2.1.1 CPO peers (the eMSP interface): POST a
 * final CDR (translated and stored through the 2.2.1 receiver service, answered with a 2.1.1
 * `Location`), GET it back there. A CDR is a bill and is never lost: one that cannot be read, in
 * the 2.1.1 form or once translated, is kept in the 2.2.1 quarantine exactly as the peer sent it.
 */
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import type { AuthenticatedPeer, PartyRef } from '../../../ocpi/context.js';
import { callerOf, routingOf } from '../../../ocpi/context.js';
import { type Refusal, receive } from '../../../ocpi/receive-profile.js';
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import type { RouteResult } from '../../../ocpi/route.js';
import { defineRoute } from '../../../ocpi/route.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { cdrTokenFor, receivedLocation } from '../sessions/lookups.js';
import { OCPI_VERSION } from '../version.js';
import { Cdr211, TranslatedCdr } from './schemas.js';
import { cdrFrom211, cdrLocationTo211, cdrTo211 } from './translate.js';

/** Where a 2.1.1 peer reads a CDR back: our id under the 2.1.1 eMSP interface. */
function locationOf(app: AppContext, stored: string): string {
  return `${app.config.PUBLIC_BASE_URL}/ocpi/emsp/${OCPI_VERSION}/cdrs/${stored.slice(stored.lastIndexOf('/') + 1)}`;
}

async function quarantine(app: AppContext, caller: AuthenticatedPeer, raw: unknown, refusals: Refusal[], recipient: PartyRef | undefined): Promise<RouteResult> {
  const kept = await app.services.cdrQuarantine.keep(caller, raw, refusals, recipient);
  const fields = refusals
    .slice(0, 5)
    .map((r) => r.message)
    .join('; ');
  return {
    statusCode: OcpiStatus.SUCCESS,
    httpStatus: kept.created ? 201 : 200,
    message: `CDR received and kept in quarantine: it could not be read (${fields}). It is billed once corrected; there is no need to send it again.`,
    headers: { Location: locationOf(app, kept.id) },
  };
}

export const cdrs211ReceiverInterface: ModuleInterface = {
  identifier: 'cdrs',
  role: 'RECEIVER',
  owner: 'EMSP',
  basePath: `/emsp/${OCPI_VERSION}/cdrs`,
  acceptsTokenA: false,
  routed: true,
  routes: [
    defineRoute({
      method: 'post',
      path: '/',
      summary: "Store a final CDR sent in the 2.1.1 form (201) and answer its URL in the Location header; a duplicate is acknowledged (200) with the first one's URL",
      body: Cdr211,
      errors: {
        201: 'CDR stored (or kept in quarantine when unreadable: status_message says so); header Location holds its URL.',
      },
      handler: async ({ req, app, body }) => {
        const caller = callerOf(req);
        // 2.1.1 has no routing headers: the transport named the peer's one party as sender and our presented party as receiver.
        const { from, to } = routingOf(req);
        const translated = cdrFrom211(body, { country_code: from.countryCode, party_id: from.partyId }, await cdrTokenFor(app, to, body.auth_id));
        const read = receive(TranslatedCdr, translated, { module: 'cdrs', recipient: to, maxFutureSkewSeconds: app.config.MAX_FUTURE_SKEW_SECONDS });
        // Readable in 2.1.1 but not as a 2.2.1 CDR (e.g. no evse_id): kept as the peer sent it.
        if (!read.ok) return quarantine(app, caller, req.body, read.refusals, to);
        const outcome = await app.services.receivedCdrs.post(caller, read.data);
        return {
          statusCode: OcpiStatus.SUCCESS,
          httpStatus: outcome.created ? 201 : 200,
          message: outcome.created ? undefined : 'Duplicate CDR: already stored, not overwritten',
          headers: { Location: locationOf(app, outcome.location) },
        };
      },
      unreadableBody: ({ req, app, raw, refusals }) => quarantine(app, callerOf(req), raw, refusals, req.ocpi.routing?.to),
    }),
    defineRoute({
      method: 'get',
      path: '/:id',
      summary: 'A CDR the caller posted, at the URL answered in Location (2.1.1 form; a quarantined one as it was sent)',
      params: z.object({ id: z.string() }),
      response: Cdr211,
      errors: { 404: 'Unknown CDR, or one of a party the caller did not register' },
      handler: async ({ req, app, params }) => {
        const caller = callerOf(req);
        const quarantined = await app.services.cdrQuarantine.rawFor(caller, params.id);
        if (quarantined !== undefined) return { data: quarantined };
        const cdr = await app.services.receivedCdrs.get(caller, params.id);
        const location = await receivedLocation(app, caller, cdr, cdr.cdr_location.id);
        return { data: cdrTo211(cdr, cdrLocationTo211(cdr.cdr_location, location, cdr.last_updated)) };
      },
    }),
  ],
};
