/**
 * The complete current versions of what our parties PATCH to peers (locations, sessions,
 * tokens), for the delivery engine to PUT when a peer answers a PATCH with "unknown object"
 * (src/delivery/full-versions.ts), through the module descriptors. Each reads its object back from the object key its own
 * service wrote on the outbox row.
 */
import { type FullVersionSource, objectPartOf } from '../../delivery/full-versions.js';

const path = (...segments: string[]) => `/${segments.map(encodeURIComponent).join('/')}`;

/** `locations:<to>:<owner party key>/<location key>`: the whole location, PUT at location level. */
export const locationsFullVersion: FullVersionSource = {
  module: 'locations',
  async current(app, row) {
    const object = objectPartOf('locations', row.objectKey);
    const slash = object?.indexOf('/') ?? -1;
    if (!object || slash < 0) return null;
    const location = await app.services.ownLocations.store.get(object.slice(slash + 1), [object.slice(0, slash)]);
    if (!location) return null;
    return { path: path(location.country_code, location.party_id, location.id), body: location, lastUpdated: new Date(location.last_updated) };
  },
};

/** `sessions:<to>:<owner party key>/<SESSION ID>`: the whole session, its charging periods included. */
export const sessionsFullVersion: FullVersionSource = {
  module: 'sessions',
  async current(app, row) {
    const key = objectPartOf('sessions', row.objectKey);
    const session = key ? (await app.services.ownSessions.store.get(key))?.document : null;
    if (!session) return null;
    return { path: path(session.country_code, session.party_id, session.id), body: session, lastUpdated: new Date(session.last_updated) };
  },
};

/** `tokens:<to>:<owner party key>/<UID>/<type>`: the whole Token (without our platform rules). */
export const tokensFullVersion: FullVersionSource = {
  module: 'tokens',
  async current(app, row) {
    const object = objectPartOf('tokens', row.objectKey);
    if (!object) return null;
    const first = object.indexOf('/');
    const last = object.lastIndexOf('/');
    if (first < 0 || last <= first) return null;
    const record = await app.services.ownTokens.store.get({ partyKey: object.slice(0, first), uidKey: object.slice(first + 1, last), type: object.slice(last + 1) });
    if (!record) return null;
    const token = record.token;
    return { path: `${path(token.country_code, token.party_id, token.uid)}?type=${token.type}`, body: token, lastUpdated: new Date(token.last_updated) };
  },
};
