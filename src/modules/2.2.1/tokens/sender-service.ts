/**
 * The tokens our eMSP parties issue (07-tokens §5): the eMSP backend creates, changes, blocks
 * and unblocks them; every change that a CPO must learn about is pushed to every CPO peer with
 * a tokens RECEIVER, in the same transaction as the change (PUT for a complete token, PATCH with
 * the changed fields and last_updated otherwise). Tokens are never deleted: `valid: false`.
 */
import type { AppContext } from '../../../context.js';
import type { Prisma } from '../../../db/prisma.js';
import { pushTargets } from '../../../delivery/push-targets.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { ciEquals, formatDateTime } from '../../../model/primitives.js';
import { DomainError } from '../../../platform/domain-error.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { Token } from '../../../model/token.js';
import { type OwnTokenInput, type OwnTokenPatch, type OwnTokenView, TOKEN_FIELDS } from './sender-schemas.js';
import { type OwnTokenRecord, OwnTokenStore, type TokenListFilter } from './sender-store.js';
import { type TokenKey, tokenKey } from './store.js';
import { clearsAField, withoutNulls } from '../shared/removals.js';

/** Fields that name the token: a PATCH may repeat them, never change them. */
const IDENTITY = ['country_code', 'party_id', 'uid', 'type'] as const;

export class OwnTokensService {
  readonly store: OwnTokenStore;

  constructor(private readonly app: AppContext) {
    this.store = new OwnTokenStore(app.db, app.config.DATABASE_SCHEMA);
  }

  /** Creates or replaces a token; pushed as a PUT. `queryType`, when given, must be the body's. */
  async put(party: PartyRef, uid: string, queryType: string | undefined, input: OwnTokenInput): Promise<{ record: OwnTokenRecord; created: boolean }> {
    const mismatch: Array<[string, string, string]> = [
      ['country_code', input.country_code, party.countryCode],
      ['party_id', input.party_id, party.partyId],
      ['uid', input.uid, uid],
    ];
    for (const [field, given, expected] of mismatch) {
      if (!ciEquals(given, expected)) throw invalid(`body.${field}`, `${given} does not match the ${field === 'uid' ? 'uid' : field} in the path (${expected})`);
    }
    if (queryType !== undefined && queryType !== input.type) throw invalid('body.type', `${input.type} does not match the type query parameter (${queryType})`);
    const key = tokenKey(party.countryCode, party.partyId, uid, input.type);
    return this.app.db.$transaction(async (tx) => {
      const current = await this.store.lock(tx, key);
      const lastUpdated = input.last_updated ?? stampAfter(current);
      if (current && Date.parse(lastUpdated) < Date.parse(current.token.last_updated)) throw older(lastUpdated, current.token.last_updated);
      const token = pickToken({ ...input, country_code: party.countryCode, party_id: party.partyId, last_updated: lastUpdated });
      const record: OwnTokenRecord = { token, expiresAt: input.expires_at ? new Date(input.expires_at) : null, allowedLocations: input.allowed_locations ?? null };
      const { created } = await this.store.save(tx, key, record);
      await this.push(tx, party, key, 'PUT', token, token);
      return { record, created };
    });
  }

  /**
   * Changes some fields. Only fields whose value differs count as a change; OCPI fields that
   * changed are pushed as a PATCH with last_updated. A change of the platform rules alone is
   * not news for a CPO: nothing is pushed and last_updated stays.
   */
  async patch(party: PartyRef, uid: string, type: string, input: OwnTokenPatch): Promise<OwnTokenRecord> {
    const expected: Record<(typeof IDENTITY)[number], string> = { country_code: party.countryCode, party_id: party.partyId, uid, type };
    for (const field of IDENTITY) {
      const given = input[field];
      if (given !== undefined && !(field === 'type' ? given === type : ciEquals(given, expected[field]))) {
        throw invalid(`body.${field}`, `cannot be changed (the token is ${field === 'type' ? `of type ${type}` : expected[field]})`);
      }
    }
    const key = tokenKey(party.countryCode, party.partyId, uid, type);
    return this.app.db.$transaction(async (tx) => {
      const current = await this.store.lock(tx, key);
      if (!current) throw new DomainError('not_found', `Token ${uid} of type ${type} not found`);
      const changed: Record<string, unknown> = {};
      for (const field of TOKEN_FIELDS) {
        if (field === 'last_updated' || (IDENTITY as readonly string[]).includes(field)) continue;
        const value = input[field];
        if (value !== undefined && JSON.stringify(value) !== JSON.stringify(current.token[field] ?? null)) changed[field] = value;
      }
      const next: OwnTokenRecord = {
        token: current.token,
        expiresAt: input.expires_at === undefined ? current.expiresAt : input.expires_at === null ? null : new Date(input.expires_at),
        allowedLocations: input.allowed_locations === undefined ? current.allowedLocations : input.allowed_locations,
      };
      const ocpiChange = Object.keys(changed).length > 0;
      if (ocpiChange) {
        const lastUpdated = input.last_updated ?? stampAfter(current);
        if (Date.parse(lastUpdated) < Date.parse(current.token.last_updated)) throw older(lastUpdated, current.token.last_updated);
        // Each field was valid alone; the whole is checked again so no mix can be stored invalid.
        const merged = Token.safeParse(withoutNulls({ ...current.token, ...changed, last_updated: lastUpdated }));
        if (!merged.success) throw new DomainError('invalid', merged.error.issues.map((i) => `body.${i.path.join('.')}: ${i.message}`).join('; '));
        next.token = merged.data;
      } else if (next.expiresAt?.getTime() === current.expiresAt?.getTime() && JSON.stringify(next.allowedLocations) === JSON.stringify(current.allowedLocations)) {
        return current;
      }
      await this.store.save(tx, key, next);
      // A cleared field cannot travel in a PATCH: the whole token goes as a PUT (shared/removals.ts).
      if (ocpiChange && clearsAField(changed)) await this.push(tx, party, key, 'PUT', next.token, next.token);
      else if (ocpiChange) await this.push(tx, party, key, 'PATCH', next.token, { ...changed, last_updated: next.token.last_updated });
      return next;
    });
  }

  /** Block (false) or unblock (true): a PATCH {valid, last_updated} for every CPO, if it changes anything. */
  setValid(party: PartyRef, uid: string, type: string, valid: boolean): Promise<OwnTokenRecord> {
    return this.patch(party, uid, type, { valid });
  }

  get(party: PartyRef, uid: string, type: string): Promise<OwnTokenRecord | null> {
    return this.store.get(tokenKey(party.countryCode, party.partyId, uid, type));
  }

  list(party: PartyRef, filter: TokenListFilter) {
    return this.store.list(partyKey(party.countryCode, party.partyId), filter);
  }

  /** One message per CPO party of every peer with a tokens RECEIVER (tokens suit broadcast, transport §9.3). */
  private async push(tx: Prisma.TransactionClient, party: PartyRef, key: TokenKey, method: 'PUT' | 'PATCH', token: Token, body: unknown): Promise<void> {
    const targets = await pushTargets(tx, 'tokens', ['CPO']);
    const path = `/${encodeURIComponent(token.country_code)}/${encodeURIComponent(token.party_id)}/${encodeURIComponent(token.uid)}?type=${token.type}`;
    await this.app.outbox.enqueue(
      tx,
      targets.map((t) => ({
        peerId: t.peerId,
        objectKey: `tokens:${t.to.countryCode}/${t.to.partyId}:${key.partyKey}/${key.uidKey}/${key.type}`,
        kind: 'PUSH' as const,
        module: 'tokens',
        method,
        target: { interfaceRole: 'RECEIVER' as const, path },
        body,
        fullVersion: method === 'PUT',
        lastUpdated: new Date(token.last_updated),
        from: party,
        to: t.to,
      })),
    );
  }
}

/** The backend API's view: the Token and the platform rules side by side. */
export function tokenView(record: OwnTokenRecord): OwnTokenView {
  return { ...record.token, expires_at: record.expiresAt ? formatDateTime(new Date(record.expiresAt)) : null, allowed_locations: record.allowedLocations };
}

/** Only the Token's own fields, in the Token's order, without absent ones. */
function pickToken(source: Record<string, unknown>): Token {
  const out: Record<string, unknown> = {};
  for (const field of TOKEN_FIELDS) if (source[field] !== undefined) out[field] = source[field];
  return Token.parse(out);
}

/**
 * The platform's stamp for a change the backend did not stamp: now, but always after the
 * stored version, so a CPO never sees two versions with one last_updated or an older one last.
 */
function stampAfter(current: OwnTokenRecord | null): string {
  const now = Date.now();
  const stored = current ? Date.parse(current.token.last_updated) : 0;
  return formatDateTime(new Date(Math.max(now, stored + 1)));
}

function invalid(path: string, message: string): DomainError {
  return new DomainError('invalid', `${path}: ${message}`, [{ path, message }]);
}

function older(given: string, stored: string): DomainError {
  return new DomainError('conflict', `last_updated ${given} is older than the stored version (${stored})`);
}

/** The service of one platform instance. */
declare module '../../../context.js' {
  interface Services {
    ownTokens: OwnTokensService;
  }
}
