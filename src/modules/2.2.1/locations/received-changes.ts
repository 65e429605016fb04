/**
 * How a PUT or PATCH a CPO sends changes the stored Location of our eMSP parties, as pure
 * functions of (stored location, addressed object, body): an older version never replaces a
 * newer one, a PATCH changes only the fields it names and a list it names replaces the whole
 * list (pitfall 1), and a child's last_updated is carried up to its EVSE and Location without
 * ever moving them back (§3.1, pitfall 7). receiver-service.ts runs them under a row lock and
 * validates the result as a whole.
 */
import { type WriteOutcome, ignoredAsOlder } from '../shared/client-owned.js';
import { notFound } from '../../../ocpi/errors.js';
import { ciEquals } from '../../../model/primitives.js';
import type { Connector, Evse, Location } from '../../../model/location.js';

/** A validated PATCH body (schemas.ts `patchOf` loses its static shape, so routes narrow to this). */
export type Patch<T> = Partial<T> & { last_updated: string };

/** The new document and what the write did, or an outcome that leaves the document as it is. */
export type Change = { location: Location; kind: 'created' | 'replaced' | 'updated' } | WriteOutcome;

/** Where the addressed object is, for the "unknown EVSE/connector" answers. */
export interface Address {
  country_code: string;
  party_id: string;
  location_id: string;
  evse_uid: string;
  connector_id?: string;
}

export function patchLocation(current: Location, body: Patch<Location>): Change {
  if (isOlder(body.last_updated, current.last_updated)) return ignoredAsOlder(body.last_updated, current.last_updated);
  return { location: { ...current, ...body }, kind: 'updated' };
}

export function putEvse(current: Location, at: Address, body: Evse): Change {
  const evses = current.evses ?? [];
  const index = evses.findIndex((e) => ciEquals(e.uid, at.evse_uid));
  if (index >= 0 && isOlder(body.last_updated, evses[index].last_updated)) return ignoredAsOlder(body.last_updated, evses[index].last_updated);
  const next = index >= 0 ? evses.map((e, i) => (i === index ? body : e)) : [...evses, body];
  return { location: withStamp({ ...current, evses: next }, body.last_updated), kind: index >= 0 ? 'replaced' : 'created' };
}

export function patchEvse(current: Location, at: Address, body: Patch<Evse>): Change {
  const evse = findEvse(current, at);
  if (isOlder(body.last_updated, evse.last_updated)) return ignoredAsOlder(body.last_updated, evse.last_updated);
  const evses = (current.evses ?? []).map((e) => (e === evse ? { ...evse, ...body } : e));
  return { location: withStamp({ ...current, evses }, body.last_updated), kind: 'updated' };
}

export function putConnector(current: Location, at: Address & { connector_id: string }, body: Connector): Change {
  const evse = findEvse(current, at);
  const index = evse.connectors.findIndex((c) => ciEquals(c.id, at.connector_id));
  if (index >= 0 && isOlder(body.last_updated, evse.connectors[index].last_updated)) return ignoredAsOlder(body.last_updated, evse.connectors[index].last_updated);
  const connectors = index >= 0 ? evse.connectors.map((c, i) => (i === index ? body : c)) : [...evse.connectors, body];
  const evses = (current.evses ?? []).map((e) => (e === evse ? withStamp({ ...evse, connectors }, body.last_updated) : e));
  return { location: withStamp({ ...current, evses }, body.last_updated), kind: index >= 0 ? 'replaced' : 'created' };
}

export function patchConnector(current: Location, at: Address & { connector_id: string }, body: Patch<Connector>): Change {
  const evse = findEvse(current, at);
  const connector = findConnector(evse, at);
  if (isOlder(body.last_updated, connector.last_updated)) return ignoredAsOlder(body.last_updated, connector.last_updated);
  const connectors = evse.connectors.map((c) => (c === connector ? { ...connector, ...body } : c));
  const evses = (current.evses ?? []).map((e) => (e === evse ? withStamp({ ...evse, connectors }, body.last_updated) : e));
  return { location: withStamp({ ...current, evses }, body.last_updated), kind: 'updated' };
}

export function findEvse(location: Location, at: Address): Evse {
  const evse = (location.evses ?? []).find((e) => ciEquals(e.uid, at.evse_uid));
  if (!evse) throw notFound(`Unknown EVSE ${at.evse_uid} in location ${at.country_code}/${at.party_id}/${at.location_id}`);
  return evse;
}

export function findConnector(evse: Evse, at: Address & { connector_id: string }): Connector {
  const connector = evse.connectors.find((c) => ciEquals(c.id, at.connector_id));
  if (!connector) throw notFound(`Unknown connector ${at.connector_id} of EVSE ${at.evse_uid} in location ${at.country_code}/${at.party_id}/${at.location_id}`);
  return connector;
}

function isOlder(given: string, stored: string): boolean {
  return Date.parse(given) < Date.parse(stored);
}

/**
 * The parent takes the pushed child's last_updated (§3.1, pitfall 7), never the server clock;
 * it never moves back, so a later full PUT of the parent is still compared against the newest.
 */
function withStamp<T extends { last_updated: string }>(parent: T, childStamp: string): T {
  return isOlder(parent.last_updated, childStamp) ? { ...parent, last_updated: childStamp } : parent;
}
