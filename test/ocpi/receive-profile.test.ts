/** The receive profile as a pure function: what it repairs, what it never touches, and that it always ends. */
import { z } from 'zod';
import { ReceivedCdr } from '../../src/modules/2.2.1/cdrs/receiver-service.js';
import { SetChargingProfile } from '../../src/model/charging-profile.js';
import { Location } from '../../src/model/location.js';
import { foldPath, receive } from '../../src/ocpi/receive-profile.js';
import { aLocation, anEvse } from '../helpers/locations.js';
import { aCdr } from '../helpers/sessions.js';
import { aTariff } from '../helpers/tariffs.js';

const ctx = { module: 'locations' };

test('a valid object is returned as parsed, with no repairs and without copying the input', () => {
  const body = aLocation('OK');
  const read = receive(Location, body, ctx);
  expect(read).toMatchObject({ ok: true, repairs: [] });
  expect(body.evses).toHaveLength(2);
});

test('the input is never changed: repairs work on a copy', () => {
  const body = aLocation('COPY', { facilities: ['CAFE', 'NOPE'] }) as ReturnType<typeof aLocation> & { facilities: string[] };
  expect(receive(Location, body, ctx).ok).toBe(true);
  expect(body.facilities).toEqual(['CAFE', 'NOPE']);
});

test('several bad elements of one list are all dropped, whatever their order', () => {
  const read = receive(Location, aLocation('MANY', { facilities: ['X1', 'CAFE', 'X2', 'WIFI', 'X3'] }), ctx);
  expect(read.ok && read.data.facilities).toEqual(['CAFE', 'WIFI']);
  expect(read.repairs.filter((r) => r.rule === 'unknown_enum_value')).toHaveLength(3);
});

test('an EVSE whose only connector cannot be read is dropped, the location kept', () => {
  const read = receive(Location, aLocation('EVSES', { evses: [anEvse('GOOD'), anEvse('BAD', { connectors: [{ id: '1' }] })] }), ctx);
  expect(read.ok && read.data.evses?.map((e) => e.uid)).toEqual(['GOOD']);
});

test('a charging profile limit with more decimals than the spec allows is cut toward zero (a limit never grows)', () => {
  const body = { charging_profile: { charging_rate_unit: 'A', charging_profile_period: [{ start_period: 0, limit: 15.86 }] }, response_url: 'https://emsp.example.com/cb/1' };
  const read = receive(SetChargingProfile, body, { module: 'chargingprofiles', drops: false });
  expect(read.ok && read.data.charging_profile.charging_profile_period?.[0].limit).toBe(15.8);
  expect(read.repairs).toEqual([expect.objectContaining({ rule: 'rounded_number', path: 'charging_profile.charging_profile_period[].limit' })]);
});

test("a CDR's embedded tariff that cannot be read is dropped whole (the CDR's own totals are the bill), never a component of it", () => {
  const broken = aTariff('TB', {
    elements: [
      {
        price_components: [
          { type: 'ENERGY', price: 0.3, step_size: 1 },
          { type: 'KWH', price: 1, step_size: 1 },
        ],
      },
    ],
  });
  const read = receive(ReceivedCdr, aCdr('C1', { tariffs: [aTariff('TG'), broken] }), { module: 'cdrs' });
  expect(read.ok && read.data.tariffs?.map((t) => t.id)).toEqual(['TG']);
});

test('a rule about an absent field (credit without credit_reference_id) ends in a refusal, not a loop', () => {
  const read = receive(ReceivedCdr, aCdr('C2', { credit: true }), { module: 'cdrs' });
  expect(read.ok).toBe(false);
  expect(!read.ok && read.refusals.map((r) => r.path)).toEqual(['credit_reference_id']);
});

test('identity is never repaired: a missing id or party is a refusal', () => {
  const { id: _, ...noId } = aLocation('X');
  expect(receive(Location, noId, ctx).ok).toBe(false);
  expect(receive(Location, aLocation('X', { party_id: 'TOOLONG' }), ctx).ok).toBe(false);
});

test('a body that is not an object is refused at once', () => {
  for (const raw of [null, 'text', 42, undefined]) expect(receive(Location, raw, ctx).ok).toBe(false);
});

test('paths fold list indices so reports group by field', () => {
  expect(foldPath(['evses', 3, 'connectors', 0, 'standard'])).toBe('evses[].connectors[].standard');
  expect(foldPath([])).toBe('(object)');
});

test('ends on any mix of damage (bounded rounds)', () => {
  const Deep = z.object({ a: z.array(z.object({ b: z.array(z.enum(['X'])).min(1) })).nullish(), last_updated: z.string() });
  const read = receive(Deep, { a: [{ b: ['Y'] }, { b: ['X', 'Z'] }], last_updated: 'now' }, ctx);
  expect(read.ok && read.data.a).toEqual([{ b: ['X'] }]);
});

test('a request body (drops: false) has its values normalised but never loses a field', () => {
  const body = {
    charging_profile: { charging_rate_unit: 'A', start_date_time: '2025-06-01T10:00:00+02:00', charging_profile_period: [{ start_period: 0, limit: 8 }], min_charging_rate: 'low' },
    response_url: 'https://emsp.example.com/cb/1',
  };
  const read = receive(SetChargingProfile, body, { module: 'chargingprofiles', drops: false });
  expect(read.ok).toBe(false);
  expect(read.repairs.map((r) => r.rule)).toEqual(['datetime_offset']);
});
