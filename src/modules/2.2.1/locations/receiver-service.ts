/**
 * The rules of the locations Receiver interface of our eMSP parties (02-locations §3, transport
 * §8): Client Owned Objects, so only the CPO that owns a location may write or read it; the URL
 * and the body must name the same object; an older version never replaces a newer one; a child
 * write carries its last_updated up to its EVSE and Location (§3.1, pitfall 7). How a write
 * changes the stored document is received-changes.ts; this file finds, locks, checks and stores.
 */
import { z } from 'zod';
import { type WriteOutcome, assertCallerOwns, ignoredAsOlder } from '../shared/client-owned.js';
import type { AppContext } from '../../../context.js';
import type { AuthenticatedPeer, PartyRef } from '../../../ocpi/context.js';
import { fromZod, invalidParameters, notFound } from '../../../ocpi/errors.js';
import { OcpiStatus } from '../../../ocpi/status.js';
import { CountryCode, PartyId, ciEquals, ciKey } from '../../../model/primitives.js';
import { partyKey } from '../../../platform/parties/party-store.js';
import { recordRecipient } from '../shared/received-recipients.js';
import { ReceivedLocationStore, type LocationKey, locationKey } from './receiver-store.js';
import { type Change, type Patch, findConnector, findEvse, patchConnector, patchEvse, patchLocation, putConnector, putEvse } from './received-changes.js';
import { type Connector, type Evse, Location } from '../../../model/location.js';
import { ConnectorPath, EvsePath, LocationPath } from './schemas.js';

/** `{country_code}/{party_id}` are the CPO's (the location owner's), not ours. */
export const ReceiverLocationPath = LocationPath.extend({ country_code: CountryCode, party_id: PartyId });
export const ReceiverEvsePath = EvsePath.extend({ country_code: CountryCode, party_id: PartyId });
export const ReceiverConnectorPath = ConnectorPath.extend({ country_code: CountryCode, party_id: PartyId });
export type ReceiverLocationPath = z.infer<typeof ReceiverLocationPath>;
export type ReceiverEvsePath = z.infer<typeof ReceiverEvsePath>;
export type ReceiverConnectorPath = z.infer<typeof ReceiverConnectorPath>;

export type { Patch } from './received-changes.js';

export class ReceivedLocationsService {
  readonly store: ReceivedLocationStore;

  constructor(private readonly app: AppContext) {
    this.store = new ReceivedLocationStore(app.db, app.config.DATABASE_SCHEMA);
  }

  async getLocation(peer: AuthenticatedPeer, path: ReceiverLocationPath): Promise<Location> {
    const location = await this.store.get(this.app.db, this.ownedKey(peer, path));
    if (!location) throw unknownLocation(path);
    return location;
  }

  async getEvse(peer: AuthenticatedPeer, path: ReceiverEvsePath): Promise<Evse> {
    return findEvse(await this.getLocation(peer, path), path);
  }

  async getConnector(peer: AuthenticatedPeer, path: ReceiverConnectorPath): Promise<Connector> {
    return findConnector(findEvse(await this.getLocation(peer, path), path), path);
  }

  /**
   * Creates (201) or fully replaces (200) a location, EVSEs included. Every write takes the
   * `recipient` (the OCPI-to party of a push, the party a pull asked as) and records it once the
   * write is acknowledged, an ignored older version included (received-recipients.ts).
   */
  async putLocation(peer: AuthenticatedPeer, path: ReceiverLocationPath, body: Location, recipient?: PartyRef): Promise<WriteOutcome> {
    const key = this.ownedKey(peer, path);
    checkLocationIdentity(path, body);
    const result = await this.store.upsert(this.app.db, key, peer.peerId, body);
    const outcome: WriteOutcome = result
      ? { kind: result.created ? 'created' : 'replaced' }
      : ignoredAsOlder(body.last_updated, (await this.store.get(this.app.db, key))?.last_updated);
    return this.recorded(path, recipient, outcome);
  }

  /** Changes the given fields of a known location; a list replaces the whole list (pitfall 1). */
  async patchLocation(peer: AuthenticatedPeer, path: ReceiverLocationPath, body: Patch<Location>, recipient?: PartyRef): Promise<WriteOutcome> {
    checkLocationIdentity(path, body);
    const outcome = await this.modify(peer, path, (current) => patchLocation(current, body));
    return this.recorded(path, recipient, outcome);
  }

  /** Adds (201) or replaces (200) one EVSE of a known location. */
  async putEvse(peer: AuthenticatedPeer, path: ReceiverEvsePath, body: Evse, recipient?: PartyRef): Promise<WriteOutcome> {
    checkField('uid', body.uid, path.evse_uid, 'evse_uid');
    const outcome = await this.modify(peer, path, (current) => putEvse(current, path, body));
    return this.recorded(path, recipient, outcome);
  }

  /** Changes the given fields of a known EVSE; PATCH cannot create one. */
  async patchEvse(peer: AuthenticatedPeer, path: ReceiverEvsePath, body: Patch<Evse>, recipient?: PartyRef): Promise<WriteOutcome> {
    if (body.uid !== undefined) checkField('uid', body.uid, path.evse_uid, 'evse_uid');
    if (await this.patchInPlace(peer, path, body, EVSE_IN_PLACE, recipient)) return { kind: 'updated' };
    const outcome = await this.modify(peer, path, (current) => patchEvse(current, path, body));
    return this.recorded(path, recipient, outcome);
  }

  /** Adds (201) or replaces (200) one Connector of a known EVSE. */
  async putConnector(peer: AuthenticatedPeer, path: ReceiverConnectorPath, body: Connector, recipient?: PartyRef): Promise<WriteOutcome> {
    checkField('id', body.id, path.connector_id, 'connector_id');
    const outcome = await this.modify(peer, path, (current) => putConnector(current, path, body));
    return this.recorded(path, recipient, outcome);
  }

  /** Changes the given fields of a known Connector; PATCH cannot create one. */
  async patchConnector(peer: AuthenticatedPeer, path: ReceiverConnectorPath, body: Patch<Connector>, recipient?: PartyRef): Promise<WriteOutcome> {
    if (body.id !== undefined) checkField('id', body.id, path.connector_id, 'connector_id');
    if (await this.patchInPlace(peer, path, body, CONNECTOR_IN_PLACE, recipient, path.connector_id)) return { kind: 'updated' };
    const outcome = await this.modify(peer, path, (current) => patchConnector(current, path, body));
    return this.recorded(path, recipient, outcome);
  }

  private async recorded(path: ReceiverLocationPath, recipient: PartyRef | undefined, outcome: WriteOutcome): Promise<WriteOutcome> {
    await recordRecipient(this.app, 'locations', path, path.location_id, recipient);
    return outcome;
  }

  /**
   * The common case of a child PATCH (a status change, a new tariff id) as one statement
   * (store.patchInPlace). Only for bodies of fields that are valid on their own, so that merging
   * them into a valid stored EVSE or connector cannot make the Location invalid (what modify()
   * re-validates); anything else, and every write the statement leaves alone (unknown objects,
   * older versions), goes the general way, which gives the answers.
   */
  private async patchInPlace(
    peer: AuthenticatedPeer,
    path: ReceiverEvsePath,
    body: Record<string, unknown>,
    fields: ReadonlySet<string>,
    recipient: PartyRef | undefined,
    connectorId?: string,
  ): Promise<boolean> {
    for (const field of Object.keys(body)) if (!fields.has(field)) return false;
    const key = this.ownedKey(peer, path);
    return this.store.patchInPlace(key, peer.peerId, {
      evseKey: ciKey(path.evse_uid),
      connectorKey: connectorId === undefined ? undefined : ciKey(connectorId),
      patch: body,
      stamp: body.last_updated as string,
      recipientKey: recipient && partyKey(recipient.countryCode, recipient.partyId),
    });
  }

  /**
   * Read-modify-write of a known location under a row lock. An unknown location is 404 with
   * 2003 (pitfall 2): the CPO then PUTs the full location. The result is validated as a whole
   * so that no combination of a stored document and a partial write leaves an invalid Location.
   */
  private async modify(peer: AuthenticatedPeer, path: ReceiverLocationPath, change: (current: Location) => Change): Promise<WriteOutcome> {
    const key = this.ownedKey(peer, path);
    return this.app.db.$transaction(async (tx) => {
      const current = await this.store.lock(tx, key);
      if (!current) throw unknownLocation(path);
      const result = change(current);
      if (!('location' in result)) return result;
      const merged = Location.safeParse(result.location);
      if (!merged.success) throw fromZod(merged.error);
      await this.store.replace(tx, key, peer.peerId, merged.data);
      return { kind: result.kind };
    });
  }

  /**
   * The key of the addressed location, once the URL's party is known to belong to the caller.
   * Otherwise HTTP 404 (transport §8): a peer must not read or overwrite another CPO's
   * locations, and must not learn whether they exist.
   */
  private ownedKey(peer: AuthenticatedPeer, path: ReceiverLocationPath): LocationKey {
    assertCallerOwns(peer, path.country_code, path.party_id, 'locations');
    return locationKey(path.country_code, path.party_id, path.location_id);
  }
}

function checkLocationIdentity(path: ReceiverLocationPath, body: Partial<Location>): void {
  if (body.country_code !== undefined) checkField('country_code', body.country_code, path.country_code, 'country_code');
  if (body.party_id !== undefined) checkField('party_id', body.party_id, path.party_id, 'party_id');
  if (body.id !== undefined) checkField('id', body.id, path.location_id, 'location_id');
}

/** An identity field of the body must name the object of the URL (2001, transport §8). */
function checkField(field: string, given: string, expected: string, param: string): void {
  if (!ciEquals(given, expected)) throw invalidParameters(`body.${field}: ${given} does not match the ${param} in the path (${expected})`);
}

function unknownLocation(path: ReceiverLocationPath) {
  return notFound(`Unknown location ${path.country_code}/${path.party_id}/${path.location_id}: PUT the full location first`, OcpiStatus.UNKNOWN_LOCATION);
}

// Fields of an EVSE or connector checked each on its own by the schema (no rule across fields,
// no nested list of children): the PATCH bodies patchInPlace takes. `connectors` is left out.
const EVSE_IN_PLACE: ReadonlySet<string> = new Set([
  'uid',
  'evse_id',
  'status',
  'status_schedule',
  'capabilities',
  'floor_level',
  'coordinates',
  'physical_reference',
  'directions',
  'parking_restrictions',
  'images',
  'last_updated',
]);
const CONNECTOR_IN_PLACE: ReadonlySet<string> = new Set([
  'id',
  'standard',
  'format',
  'power_type',
  'max_voltage',
  'max_amperage',
  'max_electric_power',
  'tariff_ids',
  'terms_and_conditions',
  'last_updated',
]);

/** The service of one platform instance. */
declare module '../../../context.js' {
  interface Services {
    receivedLocations: ReceivedLocationsService;
  }
}
