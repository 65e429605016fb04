/** What the 2.1.1 modules share: answers to writes, stored documents read back, the peer's one party. */
import type { z } from 'zod';
import { fromZod } from '../../../ocpi/errors.js';
import type { RouteResult } from '../../../ocpi/route.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import type { PeerRecord } from '../../../platform/peers/peer-store.js';
import type { Owner } from '../locations/translate.js';

/** PUT/PATCH answer without `data`; 201 only for a new object; an older version is acknowledged with a message. */
export function written(outcome: { kind: string; message?: string }): RouteResult {
  return { statusCode: OcpiStatus.SUCCESS, httpStatus: outcome.kind === 'created' ? 201 : 200, message: outcome.kind === 'ignored' ? outcome.message : undefined };
}

/** A translated object checked against the stored model: what 2.1.1 lacks and 2.2.1 needs is a 2001 naming the field. */
export function asModel<S extends z.ZodType>(schema: S, translated: unknown): z.output<S> {
  const parsed = schema.safeParse(translated);
  if (!parsed.success) throw fromZod(parsed.error, '');
  return parsed.data;
}

/** A stored JSON document (text or bytes) as an object. */
export function documentOf<T>(document: string | Buffer): T {
  return JSON.parse(typeof document === 'string' ? document : document.toString('utf8')) as T;
}

/** The one party a 2.1.1 peer's credentials named: the owner of everything it sends. */
export function peerOwner(peer: Pick<PeerRecord, 'roles'>): Owner | null {
  const party = peer.roles.find((r) => r.role !== 'HUB');
  return party ? { country_code: party.countryCode, party_id: party.partyId } : null;
}

/** Path segments of `url` below the peer's endpoint for (module, role): 3 = object, 4 = EVSE, 5 = connector. */
export function segmentsBelow(peer: Pick<PeerRecord, 'endpoints'>, module: string, url: string): number {
  const endpoint = peer.endpoints.find((e) => e.identifier === module && e.role === 'RECEIVER');
  const base = endpoint?.url.replace(/\/+$/, '') ?? '';
  const rest = url.startsWith(base) ? url.slice(base.length) : new URL(url).pathname;
  return rest.split('?')[0].split('/').filter(Boolean).length;
}
