/**
 * Pieces shared by the read-only queries of the eMSP backend over what CPO peers sent us
 * (received locations, tariffs, sessions, CDRs): positional parameters for raw SQL, the filters
 * every list has, and the page shape. The queries know no HTTP.
 */
import type { PartyRef } from '../../../ocpi/context.js';
import { partyKey } from '../../../platform/parties/party-store.js';

/** Collects the values of a raw statement and hands out their `$n` placeholders. */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** What every list filters and pages by. `recipient` is our eMSP party; `owner` the CPO party. */
export interface ReceivedListFilter {
  recipient: PartyRef;
  owner?: PartyRef;
  updatedSince?: Date;
  offset: number;
  limit: number;
}

export interface ReceivedPage<T> {
  total: number;
  items: T[];
}

export const keyOf = (party: PartyRef) => partyKey(party.countryCode, party.partyId);

export function quoted(schema: string, table: string): string {
  return `"${schema.replace(/"/g, '""')}"."${table}"`;
}

/**
 * Condition: the session or CDR (alias `alias`) was sent for a token of our eMSP party: its
 * `cdr_token` names the party (upper-cased, as party keys are).
 */
export function tokenOwnedBy(alias: string, p: SqlParams, recipient: PartyRef): string {
  return `upper(${alias}.document->'cdr_token'->>'country_code') || upper(${alias}.document->'cdr_token'->>'party_id') = ${p.add(keyOf(recipient))}`;
}

/** The owner and updated-since conditions every list shares. */
export function commonConditions(alias: string, p: SqlParams, filter: ReceivedListFilter): string[] {
  const where: string[] = [];
  if (filter.owner) where.push(`${alias}.party_key = ${p.add(keyOf(filter.owner))}`);
  if (filter.updatedSince) where.push(`${alias}.last_updated >= ${p.add(filter.updatedSince)}::timestamptz`);
  return where;
}
