/**
 * How a change is applied to a stored location document, as pure functions: the eMSP side
 * (received-changes.ts: what a CPO peer pushes to our receiver) and the CPO side
 * (service.ts applyChange: what our own backend changes before we push it).
 */
import { patchConnector, patchEvse, patchLocation, putConnector, putEvse } from '../../src/modules/2.2.1/locations/received-changes.js';
import { applyChange } from '../../src/modules/2.2.1/locations/service.js';
import type { Connector, Evse, Location } from '../../src/model/location.js';
import { OcpiError } from '../../src/ocpi/errors.js';
import { DomainError } from '../../src/platform/domain-error.js';
import { aConnector, aLocation, anEvse } from '../helpers/locations.js';

const T = (minute: number) => `2025-06-01T08:${String(minute).padStart(2, '0')}:00Z`;
const connector = (id: string, minute: number, extra: Record<string, unknown> = {}) => aConnector(id, { last_updated: T(minute), ...extra }) as unknown as Connector;
const evse = (uid: string, minute: number, connectors: Connector[], extra: Record<string, unknown> = {}) =>
  anEvse(uid, { connectors, last_updated: T(minute), ...extra }) as unknown as Evse;
/** Location 10:00, EVSE1 05:00 with connectors 1 (03:00) and 2 (04:00), EVSE2 06:00. */
const stored = (): Location =>
  aLocation('LOC1', {
    last_updated: T(10),
    evses: [evse('EVSE1', 5, [connector('1', 3), connector('2', 4)]), evse('EVSE2', 6, [connector('1', 6)])],
    facilities: ['HOTEL', 'CAFE'],
  }) as unknown as Location;
const at = { country_code: 'NL', party_id: 'CPO', location_id: 'LOC1', evse_uid: 'EVSE1' };
const atConnector = { ...at, connector_id: '2' };
const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
};
const doc = (change: ReturnType<typeof patchLocation>): Location => {
  if (!('location' in change)) throw new Error(`no document: ${JSON.stringify(change)}`);
  return change.location;
};

describe('received from a CPO peer (received-changes.ts)', () => {
  test('a Location PATCH changes only the fields it names; a list it names replaces the whole list', () => {
    const change = patchLocation(stored(), { facilities: ['PARKING_LOT'], name: 'New name', last_updated: T(20) } as never);
    expect(change).toMatchObject({ kind: 'updated' });
    const next = doc(change);
    expect(next.facilities).toEqual(['PARKING_LOT']);
    expect(next.name).toBe('New name');
    expect(next.last_updated).toBe(T(20));
    expect(next.evses).toEqual(stored().evses);
    expect(next.city).toBe(stored().city);
  });

  test('a Location PATCH naming evses replaces the EVSE list, it does not merge into it', () => {
    const only = evse('EVSE9', 20, [connector('1', 20)]);
    expect(doc(patchLocation(stored(), { evses: [only], last_updated: T(20) } as never)).evses).toEqual([only]);
  });

  test('a PATCH older than the stored object is acknowledged and ignored, at every level', () => {
    expect(patchLocation(stored(), { name: 'x', last_updated: T(9) } as never)).toEqual({
      kind: 'ignored',
      message: `Ignored: last_updated ${T(9)} is older than the stored version (${T(10)})`,
    });
    expect(patchEvse(stored(), at, { status: 'CHARGING', last_updated: T(4) } as never)).toMatchObject({ kind: 'ignored' });
    expect(patchConnector(stored(), atConnector, { max_voltage: 400, last_updated: T(3) } as never)).toMatchObject({ kind: 'ignored' });
  });

  test('the same last_updated as stored is applied (only an older one is ignored)', () => {
    expect(doc(patchLocation(stored(), { name: 'same time', last_updated: T(10) } as never)).name).toBe('same time');
  });

  test("an EVSE PATCH stamps the EVSE with the body's last_updated and carries it up to the Location when newer", () => {
    const next = doc(patchEvse(stored(), at, { status: 'CHARGING', last_updated: T(30) } as never));
    expect(next.evses![0]).toMatchObject({ uid: 'EVSE1', status: 'CHARGING', last_updated: T(30) });
    expect(next.last_updated).toBe(T(30));
    expect(next.evses![1]).toEqual(stored().evses![1]);
  });

  test("a child newer than itself but older than the Location never moves the Location's last_updated back", () => {
    const next = doc(patchEvse(stored(), at, { status: 'BLOCKED', last_updated: T(7) } as never));
    expect(next.evses![0].last_updated).toBe(T(7));
    expect(next.last_updated).toBe(T(10));
  });

  test('a Connector PATCH stamps the connector and carries the stamp up to its EVSE and the Location, never backwards', () => {
    const up = doc(patchConnector(stored(), atConnector, { max_voltage: 400, last_updated: T(40) } as never));
    expect(up.evses![0].connectors[1]).toMatchObject({ id: '2', max_voltage: 400, last_updated: T(40) });
    expect(up.evses![0].connectors[0]).toEqual(stored().evses![0].connectors[0]);
    expect(up.evses![0].last_updated).toBe(T(40));
    expect(up.last_updated).toBe(T(40));

    const between = doc(patchConnector(stored(), atConnector, { max_voltage: 400, last_updated: T(8) } as never));
    expect(between.evses![0].last_updated).toBe(T(8));
    expect(between.last_updated).toBe(T(10));
  });

  test('a PATCH naming connectors of an EVSE replaces its connector list', () => {
    const next = doc(patchEvse(stored(), at, { connectors: [connector('7', 20)], last_updated: T(20) } as never));
    expect(next.evses![0].connectors.map((c) => c.id)).toEqual(['7']);
  });

  test('PATCH cannot create: an unknown EVSE or connector is 404 with OCPI 2000 naming it', () => {
    const unknownEvse = () => patchEvse(stored(), { ...at, evse_uid: 'NOPE' }, { status: 'CHARGING', last_updated: T(30) } as never);
    expect(unknownEvse).toThrow(OcpiError);
    expect(thrown(unknownEvse)).toMatchObject({ statusCode: 2000, httpStatus: 404 });
    expect(unknownEvse).toThrow('Unknown EVSE NOPE in location NL/CPO/LOC1');
    expect(() => patchConnector(stored(), { ...atConnector, connector_id: '9' }, { last_updated: T(30) } as never)).toThrow(
      'Unknown connector 9 of EVSE EVSE1 in location NL/CPO/LOC1',
    );
  });

  test('EVSE uids and connector ids are found case-insensitively (CiString)', () => {
    expect(doc(patchEvse(stored(), { ...at, evse_uid: 'evse1' }, { status: 'CHARGING', last_updated: T(30) } as never)).evses![0].status).toBe('CHARGING');
  });

  test('an EVSE PUT replaces a known EVSE whole (201 vs 200: created vs replaced) and appends an unknown one', () => {
    const replacement = evse('EVSE1', 20, [connector('5', 20)], { status: 'OUTOFORDER' });
    const replaced = putEvse(stored(), at, replacement);
    expect(replaced).toMatchObject({ kind: 'replaced' });
    expect(doc(replaced).evses![0]).toEqual(replacement);
    expect(doc(replaced).last_updated).toBe(T(20));

    const added = putEvse(stored(), { ...at, evse_uid: 'EVSE3' }, evse('EVSE3', 2, [connector('1', 2)]));
    expect(added).toMatchObject({ kind: 'created' });
    expect(doc(added).evses!.map((e) => e.uid)).toEqual(['EVSE1', 'EVSE2', 'EVSE3']);
    // The new EVSE is older than the Location: the Location keeps its stamp.
    expect(doc(added).last_updated).toBe(T(10));
  });

  test('an EVSE or Connector PUT older than the stored one is ignored; a Connector PUT appends to its EVSE and stamps upwards', () => {
    expect(putEvse(stored(), at, evse('EVSE1', 1, []))).toMatchObject({ kind: 'ignored' });
    expect(putConnector(stored(), atConnector, connector('2', 1))).toMatchObject({ kind: 'ignored' });
    const added = putConnector(stored(), { ...at, connector_id: '3' }, connector('3', 50));
    expect(added).toMatchObject({ kind: 'created' });
    expect(doc(added).evses![0].connectors.map((c) => c.id)).toEqual(['1', '2', '3']);
    expect(doc(added).evses![0].last_updated).toBe(T(50));
    expect(doc(added).last_updated).toBe(T(50));
  });

  test('the stored document is never mutated', () => {
    const before = stored();
    const copy = JSON.parse(JSON.stringify(before));
    patchConnector(before, atConnector, { max_voltage: 400, last_updated: T(40) } as never);
    patchLocation(before, { evses: [], last_updated: T(40) } as never);
    putEvse(before, at, evse('EVSE1', 40, []));
    expect(before).toEqual(copy);
  });
});

describe('our own locations (service.ts applyChange)', () => {
  const party = { countryCode: 'NL', partyId: 'CPO' };
  const evseLevel = { kind: 'evse' as const, evseUid: 'EVSE1' };
  const connectorLevel = { kind: 'connector' as const, evseUid: 'EVSE1', connectorId: '2' };

  test('a Location PATCH merges fields and a named list replaces the list', () => {
    const next = applyChange(party, 'LOC1', { kind: 'location' }, 'PATCH', { facilities: ['MALL'], last_updated: T(20) }, stored());
    expect(next.facilities).toEqual(['MALL']);
    expect(next.evses).toEqual(stored().evses);
    expect(next.last_updated).toBe(T(20));
  });

  test('a Connector PATCH stamps its EVSE and the Location with the change time', () => {
    const next = applyChange(party, 'LOC1', connectorLevel, 'PATCH', { max_voltage: 400, last_updated: T(30) }, stored());
    expect(next.evses![0].connectors[1]).toMatchObject({ max_voltage: 400, last_updated: T(30) });
    expect(next.evses![0].last_updated).toBe(T(30));
    expect(next.last_updated).toBe(T(30));
  });

  test("an EVSE PATCH stamps the Location forward only: an older stamp is the EVSE's, the Location keeps its newer one", () => {
    expect(applyChange(party, 'LOC1', evseLevel, 'PATCH', { status: 'CHARGING', last_updated: T(30) }, stored()).last_updated).toBe(T(30));
    // service.change() compares the EVSE's stamp with the stored EVSE's and answers a conflict when older.
    const older = applyChange(party, 'LOC1', evseLevel, 'PATCH', { status: 'CHARGING', last_updated: T(1) }, stored());
    expect(older.last_updated).toBe(stored().last_updated);
    expect(older.evses![0].last_updated).toBe(T(1));
  });

  test.each([
    ['a PATCH of an unknown location', { kind: 'location' as const }, 'PATCH', {}, null, 'not_found'],
    ['an EVSE change of an unknown location', evseLevel, 'PATCH', {}, null, 'not_found'],
    ['a PATCH of an unknown EVSE', { kind: 'evse' as const, evseUid: 'NOPE' }, 'PATCH', {}, stored(), 'not_found'],
    ['a PATCH of an unknown connector', { ...connectorLevel, connectorId: '9' }, 'PATCH', {}, stored(), 'not_found'],
    ['a PATCH that changes the location id', { kind: 'location' as const }, 'PATCH', { id: 'OTHER' }, stored(), 'invalid'],
    ['a PATCH that changes the owner', { kind: 'location' as const }, 'PATCH', { party_id: 'XXX' }, stored(), 'invalid'],
    ['an EVSE body naming another uid', evseLevel, 'PATCH', { uid: 'EVSE2' }, stored(), 'invalid'],
    ['a connector body naming another id', connectorLevel, 'PATCH', { id: '1' }, stored(), 'invalid'],
    ['a Location PUT naming another id', { kind: 'location' as const }, 'PUT', { ...stored(), id: 'OTHER' }, null, 'invalid'],
    ['a Location PUT for another party', { kind: 'location' as const }, 'PUT', { ...stored(), party_id: 'XXX' }, null, 'invalid'],
  ] as const)('%s is refused', (_name, level, method, body, current, kind) => {
    let error: unknown;
    try {
      applyChange(party, 'LOC1', level, method, { last_updated: T(30), ...body } as Record<string, unknown>, current as Location | null);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).kind).toBe(kind);
  });

  test('the id in the path and in the body match case-insensitively', () => {
    expect(applyChange(party, 'loc1', { kind: 'location' }, 'PUT', { ...stored(), last_updated: T(30) }, null).id).toBe('LOC1');
  });
});
