/**
 * Token and the real-time authorization objects between OCPI 2.1.1 and the 2.2.1 model we store.
 * Pure functions. Every Token function accepts a partial object too (a PATCH), mapping only the
 * fields it carries. What a direction cannot carry is listed in docs/interop.md (OCPI 2.1.1 peers).
 */
import type { AuthorizationInfo, LocationReferences } from '../../../model/authorization.js';
import type { Token } from '../../../model/token.js';
import type { Owner } from '../locations/translate.js';
import type { AuthorizationInfo211, LocationReferences211, Token211, TokenType211 } from './schemas.js';

type Loose<T> = { [K in keyof T]?: T[K] | null };

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** 2.2.1's APP_USER and AD_HOC_USER have no 2.1.1 name: they are announced as OTHER. */
export function tokenTypeTo211(type: string): TokenType211 {
  return type === 'RFID' ? 'RFID' : 'OTHER';
}

/** A 2.1.1 Token (or part of one) as our model; `owner` (the peer's one party) for a whole token. */
export function tokenFrom211(t: Loose<Token211>, owner: Owner | null): Loose<Token> {
  const { auth_id, ...same } = t;
  return defined({
    ...(owner ? { country_code: owner.country_code, party_id: owner.party_id } : {}),
    ...same,
    contract_id: auth_id,
  });
}

/** Our Token (or part of one) as a 2.1.1 peer reads it. */
export function tokenTo211(t: Loose<Token>): Loose<Token211> {
  const { country_code: _cc, party_id: _pid, contract_id, group_id: _group, default_profile_type: _profile, energy_contract: _energy, type, ...same } = t;
  return defined({ ...same, type: type == null ? undefined : tokenTypeTo211(type), auth_id: contract_id });
}

/** LocationReferences a 2.1.1 CPO sent: 2.2.1 names no connectors (the EVSEs stand). */
export function locationReferencesFrom211(l: LocationReferences211): LocationReferences {
  return defined({ location_id: l.location_id, evse_uids: l.evse_uids });
}

/** Our answer to a 2.1.1 CPO: without the Token and the authorization_reference 2.1.1 does not know. */
export function authorizationTo211(a: AuthorizationInfo): AuthorizationInfo211 {
  return defined({
    allowed: a.allowed,
    location: a.location ? defined({ location_id: a.location.location_id, evse_uids: a.location.evse_uids }) : undefined,
    info: a.info ?? undefined,
  });
}

/** A 2.1.1 eMSP's answer as our model, without the Token it does not carry. */
export function authorizationFrom211(a: AuthorizationInfo211): Omit<AuthorizationInfo, 'token'> {
  return defined({ allowed: a.allowed, location: a.location ? locationReferencesFrom211(a.location) : undefined, info: a.info ?? undefined });
}
