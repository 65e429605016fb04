/**
 * Who is logged in: the key (kept in sessionStorage, so it goes away with the tab and is never
 * shared with other tabs or written to disk as localStorage would be) and what its scope allows.
 */
import { Api, ApiError } from './api';

const STORAGE_KEY = 'ocpi-console-key';

export type Scope = { kind: 'admin' } | { kind: 'read' } | { kind: 'party'; countryCode: string; partyId: string };

export interface Identity {
  name: string;
  scope: Scope;
  /** The scope as the platform wrote it, shown in the header. */
  scopeText: string;
}

export interface Session {
  api: Api;
  identity: Identity;
}

export const storedKey = (): string | null => sessionStorage.getItem(STORAGE_KEY);
export const storeKey = (key: string) => sessionStorage.setItem(STORAGE_KEY, key);
export const forgetKey = () => sessionStorage.removeItem(STORAGE_KEY);

export function parseScope(text: string): Scope | null {
  if (text === 'admin') return { kind: 'admin' };
  if (text === 'read') return { kind: 'read' };
  const party = /^party:([A-Za-z]{2})\/([A-Za-z0-9]{3})$/.exec(text);
  return party ? { kind: 'party', countryCode: party[1].toUpperCase(), partyId: party[2].toUpperCase() } : null;
}

/**
 * Asks the platform who this key is. A platform without `GET /admin/whoami` knows only its
 * bootstrap key (ADMIN_API_KEY), which may do everything.
 */
export async function whoAmI(api: Api): Promise<Identity> {
  try {
    const me = await api.get<{ name: string; scope: string }>('/whoami');
    const scope = parseScope(me.scope);
    if (!scope) throw new ApiError(500, 'unknown_scope', `The platform answered an unknown scope "${me.scope}"`);
    return { name: me.name, scope, scopeText: me.scope };
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return { name: 'bootstrap key', scope: { kind: 'admin' }, scopeText: 'admin' };
    throw e;
  }
}

/** May this identity change anything (buttons that POST, PUT, PATCH or DELETE)? */
export const canChange = (identity: Identity) => identity.scope.kind !== 'read';

/** May this identity see platform-wide pages (peers, invitations, keys, audit)? */
export const seesPlatform = (identity: Identity) => identity.scope.kind !== 'party';

/** May this identity see the pages of this party? */
export function seesParty(identity: Identity, countryCode: string, partyId: string): boolean {
  const s = identity.scope;
  return s.kind !== 'party' || (s.countryCode === countryCode.toUpperCase() && s.partyId === partyId.toUpperCase());
}
