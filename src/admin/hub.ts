/**
 * Admin API of the hub role: turn it on (the platform then presents a local party with role HUB
 * and routes between its peers' parties) or off, tune it, see who is reachable, and keep two
 * parties apart.
 */
import { z } from 'zod';
import { defineRoute } from '../ocpi/route.js';
import { BusinessDetails, CountryCode, PartyId } from '../model/primitives.js';
import type { AppContext } from '../context.js';
import type { LocalRole } from '../platform/parties/party-store.js';
import { conflict, notFound } from './errors.js';

const HubEnable = z.object({
  country_code: CountryCode,
  party_id: PartyId,
  business_details: BusinessDetails.optional().describe('Needed when the party does not exist yet'),
  forward_timeout_ms: z.number().int().min(100).max(120_000).optional().describe('Time a forwarded request may take before the hub answers 4002'),
  liveness_minutes: z.number().int().min(1).max(1440).optional().describe("Silence after which the hub GETs a peer's versions endpoint"),
});

const HubView = z.object({
  enabled: z.boolean(),
  country_code: z.string().nullable(),
  party_id: z.string().nullable(),
  forward_timeout_ms: z.number(),
  liveness_minutes: z.number(),
});

const PartyRefBody = z.object({ country_code: CountryCode, party_id: PartyId });
const BlockBody = z.object({ from: PartyRefBody, to: PartyRefBody, both_directions: z.boolean().optional().describe('Block to -> from as well (default true)') });
const BlockPath = z.object({ from_country_code: CountryCode, from_party_id: PartyId, to_country_code: CountryCode, to_party_id: PartyId });

const ReachableParty = z.object({
  country_code: z.string(),
  party_id: z.string(),
  role: z.string(),
  status: z.enum(['CONNECTED', 'OFFLINE', 'PLANNED', 'SUSPENDED']),
  peer_id: z.string().nullable(),
  last_updated: z.string(),
});

async function view(app: AppContext): Promise<z.infer<typeof HubView>> {
  const [party, settings] = await Promise.all([app.services.hubState.hubParty(), app.services.hubState.settings()]);
  return {
    enabled: !!party,
    country_code: party?.countryCode ?? null,
    party_id: party?.partyId ?? null,
    forward_timeout_ms: settings.forwardTimeoutMs,
    liveness_minutes: settings.livenessMinutes,
  };
}

const ref = (p: { country_code: string; party_id: string }) => ({ countryCode: p.country_code, partyId: p.party_id });

export const hubRoutes = [
  defineRoute({
    method: 'get',
    path: '/hub',
    summary: 'Hub role: on or off, its party, its settings',
    response: HubView,
    handler: async ({ app }) => ({ data: await view(app) }),
  }),
  defineRoute({
    method: 'put',
    path: '/hub',
    summary: 'Turn the hub role on (or change its settings): the given party gets role HUB',
    description: 'An existing local party gets the HUB role added; a new one is created with business_details. Only one party can be the hub.',
    body: HubEnable,
    response: HubView,
    errors: { 409: 'Another party is the hub already, or business_details missing for a new party' },
    handler: async ({ app, body }) => {
      const current = await app.services.hubState.hubParty();
      if (current && (current.countryCode !== body.country_code.toUpperCase() || current.partyId !== body.party_id.toUpperCase())) {
        throw conflict(`${current.countryCode}/${current.partyId} is the hub already: turn the hub role off first`);
      }
      const existing = await app.parties.find(body.country_code, body.party_id);
      if (!existing) {
        if (!body.business_details) throw conflict('business_details are required to create the hub party');
        await app.parties.create({ countryCode: body.country_code, partyId: body.party_id, roles: ['HUB' as LocalRole], businessDetails: body.business_details });
      } else if (!(existing.roles as string[]).includes('HUB')) {
        await app.parties.update(body.country_code, body.party_id, { roles: [...existing.roles, 'HUB' as LocalRole], businessDetails: body.business_details });
      }
      await app.services.hubState.saveSettings({ forwardTimeoutMs: body.forward_timeout_ms, livenessMinutes: body.liveness_minutes });
      app.services.hubDirectory.invalidate();
      await app.services.hubClientInfo.reconcile();
      return { data: await view(app) };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/hub',
    summary: 'Turn the hub role off (the HUB role is removed from its party; a party with no other role is removed)',
    response: HubView,
    errors: { 404: 'The hub role is off' },
    handler: async ({ app }) => {
      const hub = await app.services.hubState.hubParty();
      if (!hub) throw notFound('Hub role');
      const party = await app.parties.find(hub.countryCode, hub.partyId);
      if (!party) throw new Error(`The hub party ${hub.countryCode}/${hub.partyId} was removed while its hub role was being turned off`);
      const remaining = party.roles.filter((r) => (r as string) !== 'HUB');
      if (remaining.length === 0) await app.parties.delete(hub.countryCode, hub.partyId);
      else await app.parties.update(hub.countryCode, hub.partyId, { roles: remaining });
      app.services.hubDirectory.invalidate();
      return { data: await view(app) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/hub/parties',
    summary: 'Every party reachable through the hub, with role and connection status (the hubclientinfo list)',
    response: z.array(ReachableParty),
    handler: async ({ app }) => {
      await app.services.hubClientInfo.reconcile();
      const { items } = await app.services.hubClientInfo.list({ offset: 0, limit: 100_000 });
      return {
        data: items.map((r) => ({
          country_code: r.countryCode,
          party_id: r.partyId,
          role: r.role,
          status: r.status as 'CONNECTED',
          peer_id: r.peerId,
          last_updated: r.lastUpdated.toISOString(),
        })),
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/hub/blocked-pairs',
    summary: 'Pairs of parties the hub keeps apart (from -> to)',
    response: z.array(z.object({ from: z.string(), to: z.string(), created_at: z.string() })),
    handler: async ({ app }) => ({ data: (await app.services.hubAccess.list()).map((b) => ({ from: b.from, to: b.to, created_at: b.createdAt.toISOString() })) }),
  }),
  defineRoute({
    method: 'post',
    path: '/hub/blocked-pairs',
    successStatus: 201,
    summary: 'Block a pair: requests from one party to the other get 4001, broadcasts skip it',
    body: BlockBody,
    response: z.object({ blocked: z.array(z.string()) }),
    handler: async ({ app, body }) => {
      await app.services.hubAccess.block(ref(body.from), ref(body.to));
      const pairs = [`${body.from.country_code}${body.from.party_id}>${body.to.country_code}${body.to.party_id}`.toUpperCase()];
      if (body.both_directions !== false) {
        await app.services.hubAccess.block(ref(body.to), ref(body.from));
        pairs.push(`${body.to.country_code}${body.to.party_id}>${body.from.country_code}${body.from.party_id}`.toUpperCase());
      }
      return { data: { blocked: pairs } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/hub/blocked-pairs/:from_country_code/:from_party_id/:to_country_code/:to_party_id',
    summary: 'Unblock one direction of a pair',
    params: BlockPath,
    response: z.object({ unblocked: z.boolean() }),
    errors: { 404: 'Not blocked' },
    handler: async ({ app, params }) => {
      const done = await app.services.hubAccess.unblock(
        { countryCode: params.from_country_code, partyId: params.from_party_id },
        { countryCode: params.to_country_code, partyId: params.to_party_id },
      );
      if (!done) throw notFound('Blocked pair');
      return { data: { unblocked: true } };
    },
  }),
];
