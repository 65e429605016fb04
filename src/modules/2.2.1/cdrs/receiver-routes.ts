/**
 * Cdrs RECEIVER interface of our eMSP parties (06-cdrs §2.2): CPO peers POST final CDRs and GET
 * them back at the exact URL we answered in the `Location` header. No PUT, PATCH or DELETE: a
 * CDR is never changed, only credited by another CDR.
 */
import type { ModuleInterface } from '../../../ocpi/registry-types.js';
import { OWNER_SENDS_TO_TOKEN_EMSP } from '../shared/client-owned.js';
import { defineRoute } from '../../../ocpi/route.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { CdrIdPath, ReceivedCdr } from './receiver-service.js';
import { OCPI_VERSION } from '../version.js';
import { callerOf } from '../../../ocpi/context.js';

export const cdrsReceiverInterface: ModuleInterface = {
  identifier: 'cdrs',
  role: 'RECEIVER',
  owner: 'EMSP',
  basePath: `/emsp/${OCPI_VERSION}/cdrs`,
  acceptsTokenA: false,
  routed: true,
  routing: OWNER_SENDS_TO_TOKEN_EMSP,
  routes: [
    defineRoute({
      method: 'post',
      path: '/',
      summary: "Store a final CDR (201) and answer its URL in the Location header; a duplicate is acknowledged (200) with the first one's URL",
      body: ReceivedCdr,
      errors: {
        201: 'CDR stored; header Location holds its URL. A CDR that cannot be read even after repair is kept in quarantine (1000, status_message says so); one of a party the caller did not register is 2001 (HTTP 200)',
      },
      handler: async ({ req, app, body }) => {
        const outcome = await app.services.receivedCdrs.post(callerOf(req), body);
        return {
          statusCode: OcpiStatus.SUCCESS,
          httpStatus: outcome.created ? 201 : 200,
          message: outcome.created ? undefined : 'Duplicate CDR: already stored, not overwritten',
          headers: { Location: outcome.location },
        };
      },
      // A CDR is a bill: one we cannot read is kept as received instead of refused (docs/interop.md).
      unreadableBody: async ({ req, app, raw, refusals }) => {
        const kept = await app.services.cdrQuarantine.keep(callerOf(req), raw, refusals, req.ocpi.routing?.to);
        return {
          statusCode: OcpiStatus.SUCCESS,
          httpStatus: kept.created ? 201 : 200,
          message: `CDR received and kept in quarantine: it could not be read (${refusals
            .slice(0, 5)
            .map((r) => r.message)
            .join('; ')}). It is billed once corrected; there is no need to send it again.`,
          headers: { Location: app.services.receivedCdrs.locationOf(kept.id) },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/:id',
      summary: 'A CDR the caller posted, at the URL answered in Location',
      params: CdrIdPath,
      response: ReceivedCdr,
      errors: { 404: 'Unknown CDR, or one of a party the caller did not register' },
      handler: async ({ req, app, params }) => {
        // A quarantined CDR is served back as it was received, at the Location we answered.
        const quarantined = await app.services.cdrQuarantine.rawFor(callerOf(req), params.id);
        return { data: quarantined ?? (await app.services.receivedCdrs.get(callerOf(req), params.id)) };
      },
    }),
  ],
};
