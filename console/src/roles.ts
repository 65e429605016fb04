/**
 * Which roles a local party has. An admin or read key reads the party; a party key may read only
 * below its party's path, so there the roles are told by which of its lists answer.
 */
import { type Api, ApiError, partyPath } from './api';
import type { Party } from './types';

export interface PartyInfo {
  roles: string[];
  name: string | null;
  backend?: Party['backend'];
}

export async function partyInfo(api: Api, cc: string, pid: string, signal?: AbortSignal): Promise<PartyInfo> {
  const base = partyPath(cc, pid);
  try {
    const p = await api.get<Party>(base, undefined, signal);
    return { roles: p.roles, name: p.business_details.name, backend: p.backend };
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 403)) throw e;
  }
  const answers = (path: string) =>
    api.get(path, { limit: 1 }, signal).then(
      () => true,
      () => false,
    );
  const [cpo, emsp] = await Promise.all([answers(`${base}/locations`), answers(`${base}/tokens`)]);
  return { roles: [...(cpo ? ['CPO'] : []), ...(emsp ? ['EMSP'] : [])], name: null };
}
