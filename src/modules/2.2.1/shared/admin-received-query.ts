/**
 * Query parameters shared by the eMSP backend's read API over received objects: owner party,
 * update time and paging. Every validation issue names its parameter (`query.<name>`).
 */
import { z } from 'zod';
import type { PartyRef } from '../../../ocpi/context.js';
import { CountryCode, PartyId, ciString } from '../../../model/primitives.js';
import { PartyPath } from '../../../admin/schemas.js';
import type { ReceivedListFilter } from './received-query.js';

export const MAX_LIMIT = 500;

export const Instant = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time, e.g. 2025-06-01T08:00:00Z');

/** The fields of every list query; combine with `ownerRule`. */
export const listFields = {
  party: z
    .string()
    .regex(/^[A-Za-z]{2}\*[A-Za-z0-9]{3}$/, 'must be COUNTRY*PARTY, e.g. NL*CPO')
    .optional()
    .describe('Owner (CPO) party as COUNTRY*PARTY; or give country_code and party_id'),
  country_code: CountryCode.optional().describe('Owner (CPO) country code, with party_id'),
  party_id: PartyId.optional().describe('Owner (CPO) party id, with country_code'),
  updated_since: Instant.optional().describe('Only objects whose last_updated is at or after this time'),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(50).describe(`Page size, at most ${MAX_LIMIT}`),
};

type ListFields = { party?: string; country_code?: string; party_id?: string };

/** `party` or `country_code` + `party_id`, never half of one or both forms. */
export function ownerRule(q: ListFields, ctx: z.RefinementCtx): void {
  if (q.party !== undefined && (q.country_code !== undefined || q.party_id !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['party'], message: 'give either party or country_code and party_id, not both' });
  } else if ((q.country_code === undefined) !== (q.party_id === undefined)) {
    ctx.addIssue({ code: 'custom', path: [q.country_code === undefined ? 'country_code' : 'party_id'], message: 'country_code and party_id go together' });
  }
}

export interface ListQuery extends ListFields {
  updated_since?: string;
  offset: number;
  limit: number;
}

export function listFilter(recipient: PartyRef, q: ListQuery): ReceivedListFilter {
  let owner: PartyRef | undefined;
  if (q.party) {
    const [countryCode, partyId] = q.party.split('*');
    owner = { countryCode, partyId };
  } else if (q.country_code && q.party_id) owner = { countryCode: q.country_code, partyId: q.party_id };
  return { recipient, owner, updatedSince: q.updated_since ? new Date(q.updated_since) : undefined, offset: q.offset, limit: q.limit };
}

/** The answer of every list: the page and the size of the whole filtered set. */
export function pageOf<T>(q: ListQuery, page: { total: number; items: T[] }) {
  return { total: page.total, offset: q.offset, limit: q.limit, items: page.items };
}

export const pageSchema = (item: z.ZodType) =>
  z.object({ total: z.number().int().describe('Objects matching the filters, all pages'), offset: z.number().int(), limit: z.number().int(), items: z.array(item) });

/** Where an eMSP party's received objects are read: `{BASE}/{module}` and `{BASE}/{module}/{cc}/{pid}/{id}`. */
export const RECEIVED_BASE = '/parties/:country_code/:party_id/received';
const owner = { cc: z.string().regex(/^[A-Za-z]{2}$/), pid: z.string().regex(/^[A-Za-z0-9]{3}$/) };
/** One received object: our eMSP party, the CPO party that owns it (cc/pid) and its id. */
export const OnePath = (idLength: number) => PartyPath.extend({ ...owner, id: ciString(idLength) });
export const LIST_ERRORS = { 400: 'A query parameter is invalid (named in the error)', 404: 'Unknown party, or not an eMSP party' };
