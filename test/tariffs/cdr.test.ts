/** buildCdr(): complete, schema-valid CDRs whose totals a receiver can recompute from the CDR alone. */
import { Cdr, OutboundCdr } from '../../src/model/cdr.js';
import { CdrBuildError, buildCdr, chooseTariff, price, validateTariff, type MeterTimelineInput } from '../../src/tariffs/index.js';
import { type SessionInput } from '../../src/model/session.js';
import { ZONE, aTariff, local, pc } from './helpers.js';

const minutesAfter = (iso: string, min: number) => new Date(Date.parse(iso) + min * 60_000).toISOString();

const location = {
  country_code: 'BE',
  party_id: 'BEC',
  id: 'LOC1',
  publish: true,
  name: 'Gent Zuid',
  address: 'F.Rooseveltlaan 3A',
  city: 'Gent',
  postal_code: '9000',
  country: 'BEL',
  coordinates: { latitude: '51.047599', longitude: '3.729944' },
  time_zone: ZONE,
  evses: [
    {
      uid: '3256',
      evse_id: 'BE*BEC*E041503001',
      status: 'AVAILABLE',
      connectors: [
        {
          id: '1',
          standard: 'IEC_62196_T2',
          format: 'SOCKET',
          power_type: 'AC_3_PHASE',
          max_voltage: 220,
          max_amperage: 16,
          tariff_ids: ['12', '13'],
          last_updated: '2024-01-01T00:00:00Z',
        },
      ],
      last_updated: '2024-01-01T00:00:00Z',
    },
  ],
  last_updated: '2024-01-01T00:00:00Z',
};

const regular = aTariff(
  [
    { price_components: [pc('FLAT', 0.5, 21)] },
    { price_components: [pc('ENERGY', 0.35, 21)], restrictions: { start_time: '07:00', end_time: '23:00' } },
    { price_components: [pc('ENERGY', 0.25, 21), pc('PARKING_TIME', 3, 21, 300)] },
  ],
  { id: '12', type: 'REGULAR', country_code: 'BE', party_id: 'BEC' },
);
const adHoc = aTariff([{ price_components: [pc('ENERGY', 0.59, 21)] }], { id: '13', type: 'AD_HOC_PAYMENT', country_code: 'BE', party_id: 'BEC' });
const notOnConnector = aTariff([{ price_components: [pc('ENERGY', 0.01)] }], { id: '99', type: 'REGULAR' });

const start = local('2024-01-15T22:30');
const end = minutesAfter(start, 150);

function aSession(over: Partial<SessionInput> = {}): SessionInput {
  return {
    country_code: 'BE',
    party_id: 'BEC',
    id: 'SESSION-1',
    start_date_time: start,
    end_date_time: end,
    kwh: 33,
    cdr_token: { country_code: 'NL', party_id: 'EMS', uid: '012345678', type: 'RFID', contract_id: 'NL-EMS-C12345678-X' },
    auth_method: 'WHITELIST',
    location_id: 'LOC1',
    evse_uid: '3256',
    connector_id: '1',
    currency: 'EUR',
    status: 'COMPLETED',
    last_updated: end,
    ...over,
  };
}

// Charges 11 kW from 22:30 to 00:30 across the 23:00 boundary, then parks 30 min.
const timeline: MeterTimelineInput = {
  start,
  end,
  events: [
    { at: start, state: 'CHARGING', meter_kwh: 1000, power_kw: 11 },
    { at: minutesAfter(start, 120), state: 'PARKING', meter_kwh: 1022 },
  ],
};

describe('buildCdr', () => {
  test('builds a CDR from a meter timeline that validates against the Cdr and OutboundCdr schemas', () => {
    const { cdr, warnings } = buildCdr({ session: aSession(), location, tariffs: [regular, adHoc, notOnConnector], timeline, lastUpdated: '2024-01-16T01:00:00Z' });
    expect(Cdr.safeParse(cdr).success).toBe(true);
    expect(OutboundCdr.safeParse(cdr).success).toBe(true);
    expect(warnings).toEqual([]);
    expect(cdr).toMatchObject({
      id: 'SESSION-1',
      session_id: 'SESSION-1',
      currency: 'EUR',
      start_date_time: start,
      end_date_time: end,
      last_updated: '2024-01-16T01:00:00.000Z',
      cdr_location: { id: 'LOC1', evse_uid: '3256', evse_id: 'BE*BEC*E041503001', connector_id: '1', connector_standard: 'IEC_62196_T2', connector_power_type: 'AC_3_PHASE' },
    });
    expect(cdr.tariffs?.map((t) => t.id)).toEqual(['12']);
    // 22:30-23:00 at 0.35 (5.5 kWh), 23:00-00:30 at 0.25 (16.5 kWh), parking 30 min at 3.00/h.
    expect(cdr.charging_periods.map((p) => p.start_date_time)).toEqual([start, local('2024-01-15T23:00'), minutesAfter(start, 120)].map((s) => new Date(s).toISOString()));
    expect(cdr.total_energy).toBe(22);
    expect(cdr.total_time).toBe(2.5);
    expect(cdr.total_parking_time).toBe(0.5);
    expect(cdr.total_fixed_cost).toEqual({ excl_vat: 0.5, incl_vat: 0.605 });
    expect(cdr.total_energy_cost).toEqual({ excl_vat: 6.05, incl_vat: 7.3205 });
    expect(cdr.total_parking_cost).toEqual({ excl_vat: 1.5, incl_vat: 1.815 });
    expect(cdr.total_cost).toEqual({ excl_vat: 8.05, incl_vat: 9.7405 });
    expect(cdr).not.toHaveProperty('total_reservation_cost');
    expect(cdr).not.toHaveProperty('remark');
  });

  test('the CDR carries everything a receiver needs to recompute total_cost from the CDR alone', () => {
    const { cdr } = buildCdr({ session: aSession(), location, tariffs: [regular, adHoc], timeline });
    const again = price(cdr.tariffs!, cdr.charging_periods, { timeZone: ZONE, sessionEnd: cdr.end_date_time });
    expect(again.total_cost).toEqual(cdr.total_cost);
  });

  test('chooses the tariff by session kind: an ad-hoc payment session gets the AD_HOC_PAYMENT tariff', () => {
    const { cdr } = buildCdr({ session: aSession(), location, tariffs: [regular, adHoc], timeline, tariffType: 'AD_HOC_PAYMENT' });
    expect(cdr.tariffs?.map((t) => t.id)).toEqual(['13']);
    expect(cdr.total_cost.excl_vat).toBe(12.98);
  });

  test("uses the session's own periods when no timeline is given, dropping Session-only dimensions", () => {
    const session = aSession({
      charging_periods: [
        {
          start_date_time: start,
          dimensions: [
            { type: 'ENERGY', volume: 5.5 },
            { type: 'TIME', volume: 0.5 },
            { type: 'POWER', volume: 11 },
          ],
        },
        {
          start_date_time: local('2024-01-15T23:00'),
          dimensions: [
            { type: 'ENERGY', volume: 16.5 },
            { type: 'TIME', volume: 1.5 },
            { type: 'STATE_OF_CHARGE', volume: 80 },
          ],
        },
        { start_date_time: minutesAfter(start, 120), dimensions: [{ type: 'PARKING_TIME', volume: 0.5 }] },
      ],
    });
    const { cdr } = buildCdr({ session, location, tariffs: [regular], lastUpdated: end });
    expect(cdr.charging_periods.flatMap((p) => p.dimensions.map((d) => d.type))).toEqual(['ENERGY', 'TIME', 'ENERGY', 'TIME', 'PARKING_TIME']);
    expect(cdr.charging_periods.every((p) => p.tariff_id === '12')).toBe(true);
    expect(cdr.total_cost).toEqual({ excl_vat: 8.05, incl_vat: 9.7405 });
  });

  test('builds a reservation-only CDR (expired, EVSE never assigned) with #NA ids and the reservation start', () => {
    const t = aTariff(
      [
        { price_components: [pc('FLAT', 4, 20)], restrictions: { reservation: 'RESERVATION_EXPIRES' } },
        { price_components: [pc('TIME', 2, 20, 600)], restrictions: { reservation: 'RESERVATION' } },
        { price_components: [pc('FLAT', 0.5, 20), pc('ENERGY', 0.25, 10)] },
      ],
      { id: '12', country_code: 'BE', party_id: 'BEC' },
    );
    const s = local('2024-01-15T10:00');
    const { cdr } = buildCdr({
      session: aSession({ start_date_time: s, end_date_time: minutesAfter(s, 60), kwh: 0, evse_uid: '#NA', connector_id: '#NA', status: 'COMPLETED' }),
      location,
      tariffs: [t],
      timeline: { start: s, end: minutesAfter(s, 60), events: [{ at: s, state: 'RESERVATION' }] },
    });
    expect(OutboundCdr.safeParse(cdr).success).toBe(true);
    expect(cdr.cdr_location).toMatchObject({ evse_uid: '#NA', evse_id: '#NA', connector_id: '#NA' });
    expect(cdr.start_date_time).toBe(s);
    expect(cdr.total_reservation_cost).toEqual({ excl_vat: 6, incl_vat: 7.2 });
    expect(cdr.total_cost).toEqual({ excl_vat: 6, incl_vat: 7.2 });
    expect(cdr.total_time).toBe(0);
  });

  test('truncates a Location address longer than the 45 characters a CdrLocation allows, with a warning', () => {
    const long = { ...location, address: 'A'.repeat(60) };
    const { cdr, warnings } = buildCdr({ session: aSession(), location: long, tariffs: [regular], timeline });
    expect(cdr.cdr_location.address).toBe('A'.repeat(45));
    expect(warnings).toContain('cdr_location.address truncated to 45 characters (the Location value is longer)');
  });

  test.each([
    ['an EVSE the location does not have', { evse_uid: 'NOPE' }, 'session.evse_uid'],
    ['a connector the EVSE does not have', { connector_id: '9' }, 'session.connector_id'],
    ["a currency other than the tariff's", { currency: 'USD' }, 'session.currency'],
    ['a session without end and no timeline', { end_date_time: null }, 'session.end_date_time'],
    ['a malformed session', { kwh: 'lots' as unknown as number }, 'session.kwh'],
  ])('refuses %s with a CdrBuildError naming the field', (_name, over, field) => {
    const withTimeline = field !== 'session.end_date_time';
    try {
      buildCdr({ session: aSession(over), location, tariffs: [regular], ...(withTimeline ? { timeline } : {}) });
      throw new Error('expected a CdrBuildError');
    } catch (e) {
      expect(e).toBeInstanceOf(CdrBuildError);
      expect((e as CdrBuildError).field).toBe(field);
    }
  });

  test('refuses when no tariff of the connector applies at session start', () => {
    const expired = { ...regular, end_date_time: '2023-12-31T00:00:00Z' };
    expect(() => buildCdr({ session: aSession(), location, tariffs: [expired, notOnConnector], timeline })).toThrow(/no tariff of the connector applies to a REGULAR session/);
  });
});

describe('chooseTariff (digest §4.1)', () => {
  const typeless = aTariff([{ price_components: [pc('ENERGY', 0.3)] }], { id: 'ANY' });
  const t = (x: object) => validateTariff(x);

  test('keeps only tariffs listed on the connector and valid at session start', () => {
    const old = t({ ...regular, id: 'OLD', end_date_time: '2024-01-01T00:00:00Z' });
    const next = t({ ...regular, id: 'NEXT', start_date_time: '2024-01-01T00:00:00Z' });
    expect(chooseTariff([old, next], { at: '2023-12-31T12:00:00Z' })?.id).toBe('OLD');
    expect(chooseTariff([old, next], { at: '2024-01-01T00:00:00Z' })?.id).toBe('NEXT');
    expect(chooseTariff([t(regular), t(notOnConnector)], { at: start, tariffIds: ['99'] })?.id).toBe('99');
  });

  test('prefers an exact type match over a tariff without type, which fits any session', () => {
    expect(chooseTariff([t(typeless), t(regular)], { at: start })?.id).toBe('12');
    expect(chooseTariff([t(typeless), t(regular)], { at: start, tariffType: 'PROFILE_GREEN' })?.id).toBe('ANY');
    expect(chooseTariff([t(regular)], { at: start, tariffType: 'PROFILE_GREEN' })).toBeNull();
  });
});
