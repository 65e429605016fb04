import { z } from 'zod';
import { Endpoint } from '../model/version.js';
import { BusinessDetails, CountryCode, PartyId, Role } from '../model/primitives.js';

export const LocalRole = z.enum(['CPO', 'EMSP', 'SCSP']);

export const PartyPath = z.object({ country_code: CountryCode, party_id: PartyId });

export const PartyCreate = z
  .object({
    country_code: CountryCode,
    party_id: PartyId,
    role: LocalRole.optional().describe('One role; use `roles` for a party with several (e.g. CPO and EMSP)'),
    roles: z.array(LocalRole).min(1).optional(),
    business_details: BusinessDetails,
  })
  .refine((p) => (p.role === undefined) !== (p.roles === undefined), { message: 'give exactly one of role or roles', path: ['role'] });

export const PartyPatch = z
  .object({ roles: z.array(LocalRole).min(1).optional(), business_details: BusinessDetails.optional() })
  .refine((p) => p.roles !== undefined || p.business_details !== undefined, { message: 'nothing to change: give roles and/or business_details', path: ['roles'] });

export const PartyView = z.object({
  country_code: z.string(),
  party_id: z.string(),
  roles: z.array(LocalRole),
  business_details: BusinessDetails,
  created_at: z.string(),
  updated_at: z.string(),
});

/** Per connection: a pinned OCPI version, and which local party a one-party (2.1.1) peer sees. */
const ConnectionChoice = {
  version: z.string().max(10).optional().describe('Pin this OCPI version (default: the highest both sides offer)'),
  local_party: z
    .object({ country_code: z.string().length(2), party_id: z.string().length(3) })
    .optional()
    .describe('The local party presented to an OCPI 2.1.1 peer (default: the only CPO or eMSP party)'),
  peer_role: z
    .enum(['CPO', 'EMSP', 'HUB'])
    .optional()
    .describe(
      "The role of an OCPI 2.1.1 peer's party, which 2.1.1 credentials do not carry (default: the counterpart of the party we present). HUB: a hub that relays the parties behind it, learned from the objects it sends",
    ),
};

export const InvitationCreate = z.object({ label: z.string().max(100).optional(), ...ConnectionChoice });
export const InvitationView = z.object({
  peer_id: z.string().uuid(),
  token: z.string().describe('Token A: give it to the peer with versions_url, over a secure channel. Shown once.'),
  versions_url: z.string(),
  expires_at: z.string(),
});

export const ConnectRequest = z.object({
  versions_url: z.string().url(),
  token: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without whitespace'),
  label: z.string().max(100).optional(),
  ...ConnectionChoice,
});

export const PeerPath = z.object({ id: z.string().uuid() });

export const PeerView = z.object({
  id: z.string().uuid(),
  label: z.string().nullable(),
  status: z.enum(['PENDING', 'REGISTERED', 'SUSPENDED', 'UNREGISTERED']),
  initiated_by: z.enum(['US', 'PEER']).nullable(),
  versions_url: z.string().nullable(),
  version: z.string().nullable(),
  auth_encoding: z.enum(['base64', 'raw']),
  retry_window_minutes: z.number().int().nullable(),
  roles: z.array(z.object({ role: Role, country_code: z.string(), party_id: z.string(), business_details: z.unknown() })),
  endpoints: z.array(Endpoint),
  last_contact_at: z.string().nullable(),
  registered_at: z.string().nullable(),
  created_at: z.string(),
  pinned_version: z.string().nullable(),
  local_party: z.string().nullable().describe('The local party (country code + party id) presented to a one-party (OCPI 2.1.1) peer'),
  peer_role: z.string().nullable().describe('The role the admin declared for a one-party (OCPI 2.1.1) peer (null: read from the connection)'),
  loopback: z.boolean().describe('The platform’s connection to itself (delegations to SCSPs hosted here), not another platform'),
});

export const PeerPatch = z
  .object({
    auth_encoding: z.enum(['base64', 'raw']).optional(),
    retry_window_minutes: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 30)
      .nullable()
      .optional()
      .describe('null: the platform default (DELIVERY_RETRY_WINDOW_MINUTES)'),
  })
  .refine((p) => p.auth_encoding !== undefined || p.retry_window_minutes !== undefined, { message: 'nothing to change', path: ['auth_encoding'] });

export const UnregisterView = z.object({ id: z.string().uuid(), status: z.string(), remote: z.string() });
