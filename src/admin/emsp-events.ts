/** eMSP backend API: the events recorded for the party's webhook, to see what arrived and what did not. */
import { z } from 'zod';
import { EMSP_EVENT_TYPES, listEmspEvents } from '../backends/emsp-events.js';
import { defineRoute } from '../ocpi/route.js';
import { partyKey } from '../platform/parties/party-store.js';
import { SESSION_RECEIVING_ROLES, emspParty } from './emsp-party.js';
import { PartyPath } from './schemas.js';

const EventStatus = z.enum(['PENDING', 'DELIVERED', 'DEAD']);

const EventsQuery = z.object({
  status: EventStatus.optional(),
  type: z.enum(EMSP_EVENT_TYPES as [string, ...string[]]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const EventView = z.object({
  id: z.string(),
  type: z.string(),
  status: EventStatus,
  attempts: z.number().int(),
  next_attempt_at: z.string().nullable().describe('When the next attempt is due (PENDING only)'),
  last_error: z.string().nullable(),
  occurred_at: z.string(),
  data: z.unknown(),
});

export const emspEventRoutes = [
  defineRoute({
    method: 'get',
    path: '/parties/:country_code/:party_id/events',
    summary: "Events for the eMSP party's webhook (sessions, CDRs, command and charging profile results), newest first",
    description: 'Recorded only while the party has a webhook backend. PENDING events are retried with backoff until the delivery retry window has passed, then DEAD.',
    params: PartyPath,
    query: EventsQuery,
    response: z.array(EventView),
    errors: { 404: 'Unknown party, or neither an eMSP nor an SCSP party' },
    handler: async ({ app, params, query }) => {
      const party = await emspParty(app, params, SESSION_RECEIVING_ROLES);
      const rows = await listEmspEvents(app, partyKey(party.countryCode, party.partyId), { status: query.status, type: query.type, limit: query.limit });
      return {
        data: rows.map((r) => ({
          id: r.id,
          type: r.type,
          status: r.status,
          attempts: r.attempts,
          next_attempt_at: r.nextAttemptAt ? r.nextAttemptAt.toISOString() : null,
          last_error: r.lastError,
          occurred_at: r.createdAt.toISOString(),
          data: (r.payload as { data?: unknown }).data ?? null,
        })),
      };
    },
  }),
];
