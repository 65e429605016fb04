/**
 * What translating a 2.1.1 Session or CDR needs from the store: the token an `auth_id` names
 * (eMSP side) and the stored location a Session or CDR embeds (both sides). Reached through
 * `app.services` (or a delivery TranslationContext), so delivery and pulls stay module-free.
 */
import type { AppContext } from '../../../context.js';
import type { TranslationContext } from '../../../delivery/translations.js';
import type { CdrToken } from '../../../model/cdr.js';
import type { Location } from '../../../model/location.js';
import type { AuthenticatedPeer, PartyRef } from '../../../ocpi/context.js';
import { OcpiError } from '../../../ocpi/errors.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import type { PeerRecord } from '../../../platform/peers/peer-store.js';
import type { Token } from '../../../model/token.js';

/** Our eMSP party's tokens by the 2.1.1 `auth_id` (the 2.2.1 `contract_id`; a `uid` is accepted too). */
export class AuthIdTokens {
  private readonly sql: string;

  constructor(private readonly app: AppContext) {
    const table = `"${app.config.DATABASE_SCHEMA.replace(/"/g, '""')}"."own_token"`;
    // A valid token first, then the newest: the same contract may have had several cards.
    this.sql = `SELECT document FROM ${table} WHERE party_key = $1 AND (upper(document->>'contract_id') = upper($2) OR uid_key = upper($2))
      ORDER BY (upper(document->>'contract_id') = upper($2)) DESC, valid DESC, last_updated DESC LIMIT 1`;
  }

  async find(emsp: PartyRef, authId: string): Promise<CdrToken | null> {
    const rows = await this.app.db.$queryRawUnsafe<Array<{ document: Token }>>(this.sql, partyKey(emsp.countryCode, emsp.partyId), authId);
    const t = rows[0]?.document;
    return t ? { country_code: t.country_code, party_id: t.party_id, uid: t.uid, type: t.type, contract_id: t.contract_id } : null;
  }
}

/**
 * The cdr_token of a 2.1.1 `auth_id` sent to our eMSP party `emsp`: the party's token with that
 * contract id (or uid). An auth_id the party never issued (a token deleted from the backend, a
 * CPO's typo) still gives the session or CDR an owner: our party, with the auth_id as uid and
 * contract id and type OTHER, so the bill is kept and the backend sees what the CPO sent.
 */
export async function cdrTokenFor(ctx: Pick<TranslationContext, 'services'>, emsp: PartyRef, authId: string): Promise<CdrToken> {
  const found = await ctx.services.authIdTokens211.find(emsp, authId);
  return found ?? { country_code: emsp.countryCode, party_id: emsp.partyId, uid: authId, type: 'OTHER', contract_id: authId };
}

/**
 * The cdr_token of a 2.1.1 `auth_id` a peer sent in a session or CDR: for our eMSP party that the
 * connection addresses, its token (cdrTokenFor); on a hub, which presents its own party, the
 * token that passed the hub with that contract id (hub/token-contracts.ts). Null: nobody to bill.
 */
export async function cdrTokenOf(ctx: Pick<TranslationContext, 'services' | 'parties'>, peer: Pick<PeerRecord, 'localPartyKey'>, authId: string): Promise<CdrToken | null> {
  const ours = await localPartyOf(ctx, peer);
  if (ours) return cdrTokenFor(ctx, ours, authId);
  return ctx.services.hubTokenContracts.find(authId);
}

/** The local party a 2.1.1 connection addresses (the one it presents); the only eMSP party when the connection names none. */
export async function localPartyOf(ctx: Pick<TranslationContext, 'parties'>, peer: Pick<PeerRecord, 'localPartyKey'>): Promise<PartyRef | null> {
  const parties = (await ctx.parties.listCached()).filter((p) => p.roles.includes('EMSP') || p.roles.includes('CPO'));
  const party = peer.localPartyKey ? parties.find((p) => partyKey(p.countryCode, p.partyId) === peer.localPartyKey) : parties.length === 1 ? parties[0] : undefined;
  return party ? { countryCode: party.countryCode, partyId: party.partyId } : null;
}

/** One of our CPO party's locations, as stored. */
export async function ownLocation(ctx: Pick<TranslationContext, 'services'>, cpo: { country_code: string; party_id: string }, locationId: string): Promise<Location | null> {
  return (await ctx.services.ownLocations.find([partyKey(cpo.country_code, cpo.party_id)], locationId, { kind: 'location' })) as Location | null;
}

/** A location the calling CPO peer sent us, when we hold it. */
export async function receivedLocation(app: AppContext, caller: AuthenticatedPeer, cpo: { country_code: string; party_id: string }, locationId: string): Promise<Location | null> {
  try {
    return await app.services.receivedLocations.getLocation(caller, { country_code: cpo.country_code, party_id: cpo.party_id, location_id: locationId });
  } catch (e) {
    if (e instanceof OcpiError) return null;
    throw e;
  }
}

declare module '../../../context.js' {
  interface Services {
    authIdTokens211: AuthIdTokens;
  }
}
