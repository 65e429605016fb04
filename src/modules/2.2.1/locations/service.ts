/**
 * The rules for our own locations (02-locations): changes at location, EVSE or connector
 * level, `last_updated` carried up to the parents, never an older version over a newer one,
 * and every change pushed to every receiving peer in the same transaction (the EVSE status hot
 * path: in the same statement). Wake-ups (the dispatchers, other processes' read models) are
 * sent after commit, coalesced; when one is lost, the dispatcher's sweep and the read models'
 * poll still deliver the change.
 */
import type { AppContext } from '../../../context.js';
import { CPO_DATA_RECEIVERS, pushTargets } from '../../../delivery/push-targets.js';
import type { PartyRef } from '../../../ocpi/context.js';
import { ciEquals, ciKey, formatDateTime } from '../../../model/primitives.js';
import { DomainError } from '../../../platform/domain-error.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { type Connector, type Evse, Location } from '../../../model/location.js';
import type { PageRequest } from '../../../ocpi/pagination.js';
import { LocationsReadModel, changeAnnouncement, locationsChannel } from './read-model.js';
import { OwnLocationStore } from './store.js';
import { clearsAField, withoutNulls } from '../shared/removals.js';

export type Level = { kind: 'location' } | { kind: 'evse'; evseUid: string } | { kind: 'connector'; evseUid: string; connectorId: string };

type AnyObject = Record<string, unknown>;

export class OwnLocationsService {
  readonly store: OwnLocationStore;
  constructor(
    private readonly app: AppContext,
    /** API processes serve the SENDER list from memory (the descriptor starts it); workers have none. */
    readonly readModel: LocationsReadModel | null,
  ) {
    this.store = new OwnLocationStore(app.db, app.config.DATABASE_SCHEMA, app.outbox);
  }

  /** A SENDER page: from memory when the read model is loaded, else from the database. */
  async page(partyKey: string, page: PageRequest): Promise<{ documents: Array<string | Buffer>; total: number }> {
    return this.readModel?.page(partyKey, page) ?? this.store.page(partyKey, page);
  }

  /** Creates or replaces the object at `level`. The body is a complete object of that level. */
  put(party: PartyRef, locationId: string, level: Level, body: AnyObject): Promise<AnyObject> {
    return this.change(party, locationId, level, 'PUT', body);
  }

  /** Changes some fields of the object at `level`; last_updated defaults to now. */
  patch(party: PartyRef, locationId: string, level: Level, body: AnyObject): Promise<AnyObject> {
    return this.change(party, locationId, level, 'PATCH', { ...body, last_updated: body.last_updated ?? formatDateTime(new Date()) });
  }

  async find(partyKeys: string[], locationId: string, level: Level): Promise<AnyObject | null> {
    const location = await this.store.get(ciKey(locationId), partyKeys);
    if (!location) return null;
    return objectAt(location, level);
  }

  private async change(party: PartyRef, locationId: string, level: Level, method: 'PUT' | 'PATCH', body: AnyObject): Promise<AnyObject> {
    const key = ciKey(locationId);
    const owner = partyKey(party.countryCode, party.partyId);
    // The read model applies this write itself once committed, unless another change of the location raced it.
    const write = this.readModel?.beginWrite(key);
    let committed: { partyKey: string; at: Date; text: string; xid: string } | null = null;
    let wake: string[] = [];
    try {
      const inPlace = method === 'PATCH' && level.kind !== 'location' ? await this.patchInPlace(party, locationId, key, owner, level, body) : null;
      if (inPlace) {
        committed = { partyKey: owner, at: new Date(inPlace.lastUpdated), text: inPlace.text, xid: inPlace.xid };
        wake = inPlace.wake;
        return JSON.parse(inPlace.object) as AnyObject;
      }
      const saved = await this.write(party, locationId, key, owner, level, method, body);
      committed = { partyKey: owner, at: new Date(saved.location.last_updated), text: JSON.stringify(saved.location), xid: saved.xid };
      wake = saved.wake;
      return changedObject(saved.location, level);
    } finally {
      if (write) this.readModel?.endWrite(write, committed);
      if (committed) this.announce(key, committed.xid, wake);
    }
  }

  /** After commit: the dispatchers' lanes, and the change to other API processes' read models. */
  private announce(key: string, xid: string, wake: string[]): void {
    this.app.outbox.wakeAfterCommit(wake);
    const { prefix, entry, separator } = changeAnnouncement(this.readModel, key, xid);
    this.app.outbox.wakeups.add(locationsChannel(this.app.config.DATABASE_SCHEMA), [entry], prefix, separator);
  }

  /**
   * The hot path (an EVSE status from the CPO's backend): one statement merges the PATCH in the
   * row and writes its pushes (store.ts patchInPlace), with no interactive transaction around
   * it. The PATCH fields were validated by the route one by one, and an EVSE or connector has
   * no rule across its fields, so the merged object is valid. Null when the change needs the
   * general path (ids in the body, a field cleared, an unknown object, an older stamp), which
   * then answers it.
   */
  private async patchInPlace(party: PartyRef, locationId: string, key: string, owner: string, level: Exclude<Level, { kind: 'location' }>, body: AnyObject) {
    if (clearsAField(body)) return null;
    if (level.kind === 'evse' && body.uid !== undefined && !ciEquals(String(body.uid), level.evseUid)) return null;
    if (level.kind === 'connector' && body.id !== undefined && !ciEquals(String(body.id), level.connectorId)) return null;
    const stamp = String(body.last_updated);
    if (formatDateTime(new Date(stamp)) !== stamp) return null;
    const located = { id: locationId, country_code: party.countryCode, party_id: party.partyId };
    return this.store.patchInPlace({
      locationKey: key,
      partyKey: owner,
      evseKey: ciKey(level.evseUid),
      connectorKey: level.kind === 'connector' ? ciKey(level.connectorId) : undefined,
      patch: body,
      stamp,
      locationId,
      countryCode: party.countryCode,
      partyId: party.partyId,
      push: { module: 'locations', path: receiverPath(located, level), roles: [...CPO_DATA_RECEIVERS, 'HUB'] },
    });
  }

  /**
   * The general path: read and lock the document, apply the change in JS, validate it whole, save
   * it, in one transaction with its pushes; nothing is notified inside it (see announce).
   */
  private write(
    party: PartyRef,
    locationId: string,
    key: string,
    owner: string,
    level: Level,
    method: 'PUT' | 'PATCH',
    body: AnyObject,
  ): Promise<{ location: Location; xid: string; wake: string[] }> {
    return this.app.db.$transaction(async (tx) => {
      const current = await this.store.lock(tx, key);
      if (current && partyKey(current.country_code, current.party_id) !== owner) {
        throw new DomainError('conflict', `Location ${locationId} belongs to ${current.country_code}/${current.party_id}: location ids are unique across the platform`);
      }
      // A field cleared by a PATCH is stored absent and pushed as a PUT (shared/removals.ts).
      const clears = method === 'PATCH' && clearsAField(body);
      const changed = applyChange(party, locationId, level, method, body, current);
      const next = clears ? withoutNulls(changed) : changed;
      // Per object: the version of what this change replaces (a location, an EVSE, a connector) decides.
      const stored = current ? objectAt(current, level) : null;
      const storedStamp = typeof stored?.last_updated === 'string' ? stored.last_updated : undefined;
      if (storedStamp && Date.parse(String(body.last_updated)) < Date.parse(storedStamp)) {
        throw new DomainError('conflict', `last_updated ${body.last_updated} is older than the stored version (${storedStamp})`);
      }
      const checked = Location.safeParse(next);
      if (!checked.success) {
        const fields = checked.error.issues.map((i) => ({ path: ['body', ...i.path.map(String)].join('.'), message: i.message }));
        throw new DomainError('invalid', fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields);
      }
      await this.claimEvseUids(tx, key, checked.data, current);
      const xid = await this.store.save(tx, key, owner, checked.data);
      const pushMethod = clears ? 'PUT' : method;
      const pushed = pushMethod === 'PUT' ? changedObject(checked.data, level) : body;
      const wake = await this.enqueuePushes(tx, owner, key, checked.data, level, pushMethod, pushed, pushMethod === 'PUT' && level.kind === 'location');
      return { location: checked.data, xid, wake };
    });
  }

  /** One outbox message per receiving peer and party, in the change's transaction; returns the wake-ups due after commit. */
  private async enqueuePushes(
    tx: Parameters<OwnLocationStore['lock']>[0],
    owner: string,
    key: string,
    location: Pick<Location, 'id' | 'country_code' | 'party_id'>,
    level: Level,
    method: 'PUT' | 'PATCH',
    pushed: AnyObject,
    fullVersion = false,
  ): Promise<string[]> {
    const targets = await pushTargets(tx, 'locations', CPO_DATA_RECEIVERS);
    const from = { countryCode: location.country_code, partyId: location.party_id };
    return this.app.outbox.enqueue(
      tx,
      targets.map((t) => ({
        peerId: t.peerId,
        // One key per location: EVSE and connector messages stay behind the location's own.
        objectKey: `locations:${t.to.countryCode}/${t.to.partyId}:${owner}/${key}`,
        kind: 'PUSH' as const,
        module: 'locations',
        method,
        target: { interfaceRole: 'RECEIVER' as const, path: receiverPath(location, level) },
        body: pushed,
        fullVersion,
        lastUpdated: new Date(String(pushed.last_updated)),
        from,
        to: t.to,
      })),
      { deferWake: true },
    );
  }

  /** EVSE uids are unique within a location and across every location of the platform (02-locations, EVSE.uid). */
  private async claimEvseUids(tx: Parameters<OwnLocationStore['lock']>[0], locationKey: string, location: Location, current: Location | null): Promise<void> {
    const keys = (location.evses ?? []).map((e) => ciKey(e.uid));
    const twice = keys.find((k, i) => keys.indexOf(k) !== i);
    if (twice)
      throw new DomainError('invalid', `body.evses: EVSE uid ${twice} appears twice in location ${location.id}`, [{ path: 'body.evses', message: `uid ${twice} appears twice` }]);
    // A status change (the hot path) keeps the EVSE set: nothing new to claim.
    const held = new Set((current?.evses ?? []).map((e) => ciKey(e.uid)));
    const added = keys.filter((k) => !held.has(k));
    if (added.length === 0) return;
    const taken = await this.store.claimEvseUids(tx, locationKey, added);
    if (taken.length) throw new DomainError('conflict', `EVSE uid ${taken.join(', ')} is already used by another location: EVSE uids are unique across the platform`);
  }
}

function receiverPath(location: Pick<Location, 'id' | 'country_code' | 'party_id'>, level: Level): string {
  const parts = [location.country_code, location.party_id, location.id];
  if (level.kind !== 'location') parts.push(level.evseUid);
  if (level.kind === 'connector') parts.push(level.connectorId);
  return `/${parts.map(encodeURIComponent).join('/')}`;
}

/** The object a change was just written at: it exists, the change created or replaced it. */
function changedObject(location: Location, level: Level): AnyObject {
  const object = objectAt(location, level);
  if (!object) throw new Error(`the ${level.kind} just written is missing from location ${location.id}`);
  return object;
}

export function objectAt(location: Location, level: Level): AnyObject | null {
  if (level.kind === 'location') return location as AnyObject;
  const evse = (location.evses ?? []).find((e) => ciEquals(e.uid, level.evseUid));
  if (!evse || level.kind === 'evse') return (evse as AnyObject) ?? null;
  return ((evse.connectors ?? []).find((c) => ciEquals(c.id, level.connectorId)) as AnyObject) ?? null;
}

/** The whole new location document after a change at one level (validated by the caller). */
export function applyChange(party: PartyRef, locationId: string, level: Level, method: 'PUT' | 'PATCH', body: AnyObject, current: Location | null): Location {
  const stamp = String(body.last_updated);
  if (level.kind === 'location') {
    if (method === 'PUT') {
      if (!ciEquals(String(body.id), locationId)) throw new DomainError('invalid', `body.id: ${String(body.id)} does not match the location id in the path (${locationId})`);
      if (!ciEquals(String(body.country_code), party.countryCode) || !ciEquals(String(body.party_id), party.partyId)) {
        throw new DomainError('invalid', `body.country_code/party_id: must be the party in the path (${party.countryCode}/${party.partyId})`);
      }
      return body as unknown as Location;
    }
    if (!current) throw new DomainError('not_found', `Unknown location ${locationId}`);
    for (const field of ['id', 'country_code', 'party_id'] as const) {
      if (body[field] !== undefined && !ciEquals(String(body[field]), String(current[field]))) throw new DomainError('invalid', `body.${field}: cannot be changed`);
    }
    return { ...current, ...body } as Location;
  }
  if (!current) throw new DomainError('not_found', `Unknown location ${locationId}: PUT the location first`);
  const evses = [...(current.evses ?? [])];
  const at = evses.findIndex((e) => ciEquals(e.uid, level.evseUid));
  if (level.kind === 'evse') {
    if (body.uid !== undefined && !ciEquals(String(body.uid), level.evseUid))
      throw new DomainError('invalid', `body.uid: ${String(body.uid)} does not match the EVSE uid in the path (${level.evseUid})`);
    if (method === 'PUT') {
      if (at >= 0) evses[at] = body as unknown as Evse;
      else evses.push(body as unknown as Evse);
    } else {
      if (at < 0) throw new DomainError('not_found', `Unknown EVSE ${level.evseUid} at location ${locationId}`);
      evses[at] = { ...evses[at], ...body } as Evse;
    }
    return { ...current, evses, last_updated: newest(current.last_updated, stamp) };
  }
  if (at < 0) throw new DomainError('not_found', `Unknown EVSE ${level.evseUid} at location ${locationId}`);
  const connectors = [...evses[at].connectors];
  const ci = connectors.findIndex((c) => ciEquals(c.id, level.connectorId));
  if (body.id !== undefined && !ciEquals(String(body.id), level.connectorId))
    throw new DomainError('invalid', `body.id: ${String(body.id)} does not match the connector id in the path (${level.connectorId})`);
  if (method === 'PUT') {
    if (ci >= 0) connectors[ci] = body as unknown as Connector;
    else connectors.push(body as unknown as Connector);
  } else {
    if (ci < 0) throw new DomainError('not_found', `Unknown connector ${level.connectorId} on EVSE ${level.evseUid}`);
    connectors[ci] = { ...connectors[ci], ...body } as Connector;
  }
  // A connector change is a change of its EVSE and of the location (02-locations §2); a parent
  // changed later (another EVSE, another connector) keeps its newer stamp.
  evses[at] = { ...evses[at], connectors, last_updated: newest(evses[at].last_updated, stamp) };
  return { ...current, evses, last_updated: newest(current.last_updated, stamp) };
}

function newest(a: string, b: string): string {
  return Date.parse(a) > Date.parse(b) ? a : b;
}

/** The service of one platform instance. */
declare module '../../../context.js' {
  interface Services {
    ownLocations: OwnLocationsService;
  }
}
