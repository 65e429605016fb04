/**
 * Query parameters shared by the CPO backend's lists of its own objects (locations, tariffs,
 * sessions, CDRs, commands). Paging, page shape and errors are those of the eMSP backend's
 * received lists (admin-received-query.ts); every validation issue names its parameter
 * (`query.<name>`).
 */
import { z } from 'zod';
import type { PartyRef } from '../../../ocpi/context.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { Instant, listFields } from './admin-received-query.js';
import type { OwnedListFilter } from './owned-query.js';

/** The fields of every list of the party's own documents; combine with `updatedRule`. */
export const ownListFields = {
  updated_since: listFields.updated_since,
  updated_before: Instant.optional().describe('Only objects whose last_updated is before this time'),
  offset: listFields.offset,
  limit: listFields.limit,
};

export const OWN_LIST_ERRORS = { 400: 'A query parameter is invalid (named in the error)', 404: 'Unknown party, or not a CPO party' };

/** A rule that the end of a time range (`to`, named in the issue) does not come before its start. */
export function rangeRule(from: string, to: string) {
  return (q: Record<string, unknown>, ctx: z.RefinementCtx): void => {
    const start = q[from];
    const end = q[to];
    if (typeof start === 'string' && typeof end === 'string' && Date.parse(start) > Date.parse(end)) {
      ctx.addIssue({ code: 'custom', path: [to], message: `must not be before ${from}` });
    }
  };
}

export const updatedRule = rangeRule('updated_since', 'updated_before');

/** An eMSP party as COUNTRY*PARTY (the token owner of a session or CDR, the sender of a command). */
export const EmspParam = z
  .string()
  .regex(/^[A-Za-z]{2}\*[A-Za-z0-9]{3}$/, 'must be COUNTRY*PARTY, e.g. DE*EMS')
  .optional()
  .describe('Only those of this eMSP party (token owner), as COUNTRY*PARTY');

/** `DE*EMS` as a party key. */
export function emspKey(emsp: string | undefined): string | undefined {
  if (!emsp) return undefined;
  const [countryCode, partyId] = emsp.split('*');
  return partyKey(countryCode, partyId);
}

export const dateOf = (text: string | undefined) => (text ? new Date(text) : undefined);

export interface OwnListQuery {
  updated_since?: string;
  updated_before?: string;
  offset: number;
  limit: number;
}

export function ownedFilter(party: PartyRef, q: OwnListQuery): OwnedListFilter {
  return {
    partyKey: partyKey(party.countryCode, party.partyId),
    updatedSince: dateOf(q.updated_since),
    updatedBefore: dateOf(q.updated_before),
    offset: q.offset,
    limit: q.limit,
  };
}

/** `true` / `false` as a boolean query parameter. */
export const BooleanParam = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();
