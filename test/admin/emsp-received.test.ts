/**
 * eMSP backend read API over what CPO peers sent (admin `/parties/{cc}/{pid}/received/...`):
 * seeded by a registered CPO peer pushing into our receiver endpoints over HTTP, then read
 * back with every filter, per eMSP party.
 */
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { aConnector, aLocation, anEvse } from '../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../helpers/registered-peer.js';
import { aCdr, aSession } from '../helpers/sessions.js';
import { aTariff } from '../helpers/tariffs.js';

let platform: TestPlatform;
let cpo: RegisteredPeer;

const EMS = { country_code: 'DE', party_id: 'EMS' };
const OTH = { country_code: 'DE', party_id: 'OTH' };
type Party = typeof EMS;

/** An OCPI request of the CPO peer, as `owner` (one of its parties) to our eMSP party `to`. */
function ocpi(method: 'put' | 'post' | 'patch', path: string, owner: string, to: Party, body: object) {
  const [cc, pid] = owner.split('/');
  return request(platform.url)
    [method](`/ocpi/emsp/2.2.1/${path}`)
    .set('Authorization', tokenHeader(cpo.tokenC))
    .set('OCPI-from-country-code', cc)
    .set('OCPI-from-party-id', pid)
    .set('OCPI-to-country-code', to.country_code)
    .set('OCPI-to-party-id', to.party_id)
    .send(body);
}

async function pushLocation(owner: string, to: Party, id: string, lat: string, lon: string, evses: object[], lastUpdated: string) {
  const [cc, pid] = owner.split('/');
  const res = await ocpi(
    'put',
    `locations/${owner}/${id}`,
    owner,
    to,
    aLocation(id, { country_code: cc, party_id: pid, coordinates: { latitude: lat, longitude: lon }, evses, last_updated: lastUpdated }),
  );
  expect(res.body.status_code).toBe(1000);
}

const received = (party: Party, path: string) => platform.admin().get(`/parties/${party.country_code}/${party.party_id}/received/${path}`);
const ids = (res: { body: { items: Array<{ id: string }> } }) => res.body.items.map((o) => o.id);

/** Great-circle distance in metres, the same formula and radius the query uses. */
function haversine(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const a = Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(a));
}

beforeAll(async () => {
  platform = await startTestPlatform('emsp_received');
  for (const p of [EMS, OTH])
    await platform
      .admin()
      .post('/parties', { ...p, role: 'EMSP', business_details: aBusinessDetails() })
      .expect(201);
  await platform.admin().post('/parties', { country_code: 'FR', party_id: 'CPX', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  cpo = await aRegisteredPeer(platform, [
    aCredentialsRole({ role: 'CPO', country_code: 'NL', party_id: 'CPO' }),
    aCredentialsRole({ role: 'CPO', country_code: 'NL', party_id: 'CP2' }),
  ]);

  // Locations, by last_updated: UTR, AMS, EDGE, FIJI, BAD (all to EMS), OTHER (to OTH only).
  await pushLocation(
    'NL/CPO',
    EMS,
    'UTR',
    '52.090000',
    '5.110000',
    [anEvse('E1'), anEvse('E2', { status: 'CHARGING', connectors: [aConnector('1', { standard: 'CHADEMO', power_type: 'DC' })] })],
    '2025-07-01T10:00:00Z',
  );
  await pushLocation(
    'NL/CPO',
    EMS,
    'AMS',
    '52.370000',
    '4.890000',
    [anEvse('E1', { status: 'OUTOFORDER', connectors: [aConnector('1', { standard: 'IEC_62196_T2_COMBO', power_type: 'DC' })] })],
    '2025-07-02T10:00:00Z',
  );
  await pushLocation('NL/CP2', EMS, 'EDGE', '52.500000', '5.200000', [anEvse('E1')], '2025-07-03T10:00:00Z');
  await pushLocation('NL/CP2', EMS, 'FIJI', '-17.000000', '179.900000', [anEvse('E1', { status: 'PLANNED' })], '2025-07-04T10:00:00Z');
  await pushLocation('NL/CPO', EMS, 'BAD', '51.000000', '4.000000', [anEvse('E1', { status: 'BLOCKED' })], '2025-07-05T10:00:00Z');
  await pushLocation('NL/CPO', OTH, 'OTHER', '52.090000', '5.110000', [anEvse('E1', { status: 'CHARGING' })], '2025-07-06T10:00:00Z');
  // A document whose coordinates cannot be read (stored before validation was this strict, say).
  await platform.ctx.db.$executeRawUnsafe(
    `UPDATE "${platform.schema}"."received_location" SET document = jsonb_set(document, '{coordinates}', '{"latitude":"north","longitude":"5,1"}') WHERE location_key = 'BAD'`,
  );

  for (const [owner, to, id, stamp] of [
    ['NL/CPO', EMS, 'T1', '2025-07-01T10:00:00Z'],
    ['NL/CP2', EMS, 'T2', '2025-07-02T10:00:00Z'],
    ['NL/CPO', OTH, 'T3', '2025-07-03T10:00:00Z'],
  ] as const) {
    const [cc, pid] = owner.split('/');
    expect((await ocpi('put', `tariffs/${owner}/${id}`, owner, to, aTariff(id, { country_code: cc, party_id: pid, last_updated: stamp }))).body.status_code).toBe(1000);
  }

  const emsToken = { country_code: 'DE', party_id: 'EMS', uid: 'RFID001', type: 'RFID', contract_id: 'DE-EMS-C00001-1' };
  const othToken = { country_code: 'DE', party_id: 'OTH', uid: 'RFID009', type: 'RFID', contract_id: 'DE-OTH-C00009-1' };
  for (const [owner, to, id, status, token, stamp] of [
    ['NL/CPO', EMS, 'S1', 'ACTIVE', emsToken, '2025-07-01T10:00:00Z'],
    ['NL/CP2', EMS, 'S2', 'COMPLETED', emsToken, '2025-07-02T10:00:00Z'],
    ['NL/CPO', OTH, 'S3', 'ACTIVE', othToken, '2025-07-03T10:00:00Z'],
  ] as const) {
    const [cc, pid] = owner.split('/');
    expect(
      (await ocpi('put', `sessions/${owner}/${id}`, owner, to, aSession(id, { country_code: cc, party_id: pid, status, cdr_token: token, last_updated: stamp }))).body.status_code,
    ).toBe(1000);
  }

  // Amounts whose float sums are inexact (0.1 + 0.2, 11.1 + 22.2 + 0.3).
  for (const [owner, to, id, end, currency, cost, energy, token] of [
    ['NL/CPO', EMS, 'C1', '2025-06-01T09:00:00Z', 'EUR', { excl_vat: 0.1, incl_vat: 0.12 }, 11.1, emsToken],
    ['NL/CP2', EMS, 'C2', '2025-06-02T09:00:00Z', 'EUR', { excl_vat: 0.2, incl_vat: 0.24 }, 22.2, emsToken],
    ['NL/CPO', EMS, 'C3', '2025-06-03T09:00:00Z', 'CHF', { excl_vat: 1.005 }, 0.3, emsToken],
    ['NL/CPO', OTH, 'C4', '2025-06-02T10:00:00Z', 'EUR', { excl_vat: 7, incl_vat: 8.47 }, 5, othToken],
  ] as const) {
    const [cc, pid] = owner.split('/');
    const cdr = aCdr(id, { country_code: cc, party_id: pid, end_date_time: end, currency, total_cost: cost, total_energy: energy, cdr_token: token });
    expect((await ocpi('post', 'cdrs', owner, to, cdr)).status).toBe(201);
  }
});

afterAll(async () => {
  await cpo?.fake.close();
  await platform?.stop();
});

describe('received locations', () => {
  test('the list holds every location sent to the party, by last_updated, with the total', async () => {
    const res = await received(EMS, 'locations').expect(200);
    expect(res.body).toMatchObject({ total: 5, offset: 0, limit: 50 });
    expect(ids(res)).toEqual(['UTR', 'AMS', 'EDGE', 'FIJI', 'BAD']);
    expect(res.body.items[0]).toMatchObject({ country_code: 'NL', party_id: 'CPO', id: 'UTR', coordinates: { latitude: '52.090000', longitude: '5.110000' } });
  });

  test('offset and limit page through the set; the total stays that of the whole set', async () => {
    const first = await received(EMS, 'locations?limit=2').expect(200);
    expect(first.body).toMatchObject({ total: 5, offset: 0, limit: 2 });
    expect(ids(first)).toEqual(['UTR', 'AMS']);
    expect(ids(await received(EMS, 'locations?offset=2&limit=2').expect(200))).toEqual(['EDGE', 'FIJI']);
    const last = await received(EMS, 'locations?offset=4&limit=2').expect(200);
    expect(ids(last)).toEqual(['BAD']);
    const beyond = await received(EMS, 'locations?offset=10').expect(200);
    expect(beyond.body).toMatchObject({ total: 5, items: [] });
  });

  test('party filters by owner, as COUNTRY*PARTY or as country_code and party_id, case-insensitively', async () => {
    expect(ids(await received(EMS, 'locations?party=NL*CP2').expect(200))).toEqual(['EDGE', 'FIJI']);
    expect(ids(await received(EMS, 'locations?party=nl*cp2').expect(200))).toEqual(['EDGE', 'FIJI']);
    const byFields = await received(EMS, 'locations?country_code=NL&party_id=CPO').expect(200);
    expect(ids(byFields)).toEqual(['UTR', 'AMS', 'BAD']);
    expect(byFields.body.total).toBe(3);
  });

  test('status keeps locations with at least one EVSE in that status', async () => {
    expect(ids(await received(EMS, 'locations?status=AVAILABLE').expect(200))).toEqual(['UTR', 'EDGE']);
    expect(ids(await received(EMS, 'locations?status=CHARGING').expect(200))).toEqual(['UTR']);
    expect(ids(await received(EMS, 'locations?status=OUTOFORDER').expect(200))).toEqual(['AMS']);
    expect((await received(EMS, 'locations?status=REMOVED').expect(200)).body).toMatchObject({ total: 0, items: [] });
  });

  test('connector_type keeps locations with a connector of that standard; with status, on the same EVSE', async () => {
    expect(ids(await received(EMS, 'locations?connector_type=CHADEMO').expect(200))).toEqual(['UTR']);
    expect(ids(await received(EMS, 'locations?connector_type=IEC_62196_T2_COMBO').expect(200))).toEqual(['AMS']);
    expect(ids(await received(EMS, 'locations?status=CHARGING&connector_type=CHADEMO').expect(200))).toEqual(['UTR']);
    // UTR has an AVAILABLE EVSE and a CHADEMO connector, but not on the same EVSE.
    expect((await received(EMS, 'locations?status=AVAILABLE&connector_type=CHADEMO').expect(200)).body.total).toBe(0);
  });

  test('a status change pushed by PATCH is what the status filter sees', async () => {
    const res = await ocpi('patch', 'locations/NL/CPO/AMS/E1', 'NL/CPO', EMS, { status: 'AVAILABLE', last_updated: '2025-07-02T11:00:00Z' });
    expect(res.body.status_code).toBe(1000);
    expect(ids(await received(EMS, 'locations?status=AVAILABLE').expect(200))).toEqual(['UTR', 'AMS', 'EDGE']);
    await ocpi('patch', 'locations/NL/CPO/AMS/E1', 'NL/CPO', EMS, { status: 'OUTOFORDER', last_updated: '2025-07-02T12:00:00Z' });
    expect(ids(await received(EMS, 'locations?status=AVAILABLE').expect(200))).toEqual(['UTR', 'EDGE']);
  });

  test('bbox includes its edges and corners, and excludes what lies a little outside', async () => {
    expect(ids(await received(EMS, 'locations?bbox=5.0,52.0,5.2,52.5').expect(200))).toEqual(['UTR', 'EDGE']);
    expect(ids(await received(EMS, 'locations?bbox=5.0,52.0,5.199999,52.5').expect(200))).toEqual(['UTR']);
    expect(ids(await received(EMS, 'locations?bbox=5.0,52.0,5.2,52.499999').expect(200))).toEqual(['UTR']);
    expect(ids(await received(EMS, 'locations?bbox=4.89,52.37,4.89,52.37').expect(200))).toEqual(['AMS']);
  });

  test('a bbox whose west edge is east of its east edge crosses the antimeridian', async () => {
    expect(ids(await received(EMS, 'locations?bbox=179,-18,-179,-16').expect(200))).toEqual(['FIJI']);
    expect((await received(EMS, 'locations?bbox=179.95,-18,-179,-16').expect(200)).body.total).toBe(0);
  });

  test('unparsable coordinates never break a query: such a location matches no geographic filter', async () => {
    expect(ids(await received(EMS, 'locations?bbox=-180,-90,180,90').expect(200))).toEqual(['UTR', 'AMS', 'EDGE', 'FIJI']);
    expect(ids(await received(EMS, 'locations?near=51,4&radius_m=20000000').expect(200))).not.toContain('BAD');
    expect(ids(await received(EMS, 'locations?status=BLOCKED').expect(200))).toEqual(['BAD']);
  });

  test('near with radius_m keeps locations within the exact distance, nearest first', async () => {
    const toAms = haversine(52.09, 5.11, 52.37, 4.89);
    expect(ids(await received(EMS, 'locations?near=52.09,5.11&radius_m=1000').expect(200))).toEqual(['UTR']);
    const inside = await received(EMS, `locations?near=52.09,5.11&radius_m=${Math.ceil(toAms) + 1}`).expect(200);
    expect(ids(inside)).toEqual(['UTR', 'AMS']);
    expect(inside.body.total).toBe(2);
    expect(ids(await received(EMS, `locations?near=52.09,5.11&radius_m=${Math.floor(toAms) - 1}`).expect(200))).toEqual(['UTR']);
    // Nearest first, not by last_updated: from Amsterdam, EDGE (~25 km) comes before UTR (~35 km).
    expect(haversine(52.37, 4.89, 52.5, 5.2)).toBeLessThan(toAms);
    expect(ids(await received(EMS, `locations?near=52.37,4.89&radius_m=${Math.ceil(toAms) + 1}`).expect(200))).toEqual(['AMS', 'EDGE', 'UTR']);
  });

  test('near finds locations across the antimeridian', async () => {
    const d = haversine(-17, -179.95, -17, 179.9);
    expect(ids(await received(EMS, `locations?near=-17,-179.95&radius_m=${Math.ceil(d) + 1}`).expect(200))).toEqual(['FIJI']);
    expect((await received(EMS, `locations?near=-17,-179.95&radius_m=${Math.floor(d) - 1}`).expect(200)).body.total).toBe(0);
  });

  test('updated_since keeps locations changed at or after that time', async () => {
    expect(ids(await received(EMS, 'locations?updated_since=2025-07-03T10:00:00Z').expect(200))).toEqual(['EDGE', 'FIJI', 'BAD']);
    expect(ids(await received(EMS, 'locations?updated_since=2025-07-03T12:00:00%2B02:00').expect(200))).toEqual(['EDGE', 'FIJI', 'BAD']);
    expect((await received(EMS, 'locations?updated_since=2025-08-01T00:00:00Z').expect(200)).body.total).toBe(0);
  });

  test('filters combine', async () => {
    const res = await received(EMS, 'locations?party=NL*CPO&status=AVAILABLE&bbox=4,51,6,53&updated_since=2025-07-01T00:00:00Z').expect(200);
    expect(ids(res)).toEqual(['UTR']);
  });

  test('one location by its owner and id; another party or an unknown id is 404', async () => {
    expect((await received(EMS, 'locations/NL/CPO/UTR').expect(200)).body).toMatchObject({ id: 'UTR', evses: [{ uid: 'E1' }, { uid: 'E2' }] });
    expect((await received(EMS, 'locations/nl/cpo/utr').expect(200)).body.id).toBe('UTR');
    expect((await received(EMS, 'locations/NL/CP2/UTR').expect(404)).body.error.code).toBe('not_found');
    expect((await received(EMS, 'locations/NL/CPO/OTHER').expect(404)).body.error.code).toBe('not_found');
    expect((await received(OTH, 'locations/NL/CPO/UTR').expect(404)).body.error.code).toBe('not_found');
  });
});

describe('what another eMSP party sees', () => {
  test('another eMSP party sees only what was sent to it', async () => {
    expect(ids(await received(OTH, 'locations').expect(200))).toEqual(['OTHER']);
    expect(ids(await received(OTH, 'locations?near=52.09,5.11&radius_m=1000').expect(200))).toEqual(['OTHER']);
    expect(ids(await received(EMS, 'locations?near=52.09,5.11&radius_m=1000').expect(200))).toEqual(['UTR']);
    expect(ids(await received(OTH, 'tariffs').expect(200))).toEqual(['T3']);
    expect(ids(await received(OTH, 'sessions').expect(200))).toEqual(['S3']);
    const cdrs = await received(OTH, 'cdrs').expect(200);
    expect(ids(cdrs)).toEqual(['C4']);
    expect(cdrs.body.totals).toEqual({ count: 1, total_energy: '5', total_cost: [{ currency: 'EUR', count: 1, excl_vat: '7', incl_vat: '8.47' }] });
    expect((await received(OTH, 'tariffs/NL/CPO/T1').expect(404)).body.error.code).toBe('not_found');
    expect((await received(OTH, 'sessions/NL/CPO/S1').expect(404)).body.error.code).toBe('not_found');
    expect((await received(OTH, 'cdrs/NL/CPO/C1').expect(404)).body.error.code).toBe('not_found');
  });

  test('a location sent to both parties is visible to both', async () => {
    await pushLocation('NL/CP2', OTH, 'EDGE', '52.500000', '5.200000', [anEvse('E1')], '2025-07-03T10:00:00Z');
    expect(ids(await received(OTH, 'locations').expect(200))).toEqual(['EDGE', 'OTHER']);
    expect((await received(EMS, 'locations').expect(200)).body.total).toBe(5);
  });
});

describe('received tariffs and sessions', () => {
  test('tariffs: list, party, updated_since, paging and one tariff', async () => {
    const all = await received(EMS, 'tariffs').expect(200);
    expect(all.body).toMatchObject({ total: 2, offset: 0, limit: 50 });
    expect(ids(all)).toEqual(['T1', 'T2']);
    expect(ids(await received(EMS, 'tariffs?party=NL*CP2').expect(200))).toEqual(['T2']);
    expect(ids(await received(EMS, 'tariffs?updated_since=2025-07-02T10:00:00Z').expect(200))).toEqual(['T2']);
    const second = await received(EMS, 'tariffs?offset=1&limit=1').expect(200);
    expect(second.body).toMatchObject({ total: 2, offset: 1, limit: 1 });
    expect(ids(second)).toEqual(['T2']);
    expect((await received(EMS, 'tariffs/NL/CPO/T1').expect(200)).body).toMatchObject({ id: 'T1', currency: 'EUR' });
  });

  test('a tariff the CPO deleted is gone from the list', async () => {
    await ocpi('put', 'tariffs/NL/CPO/TDEL', 'NL/CPO', EMS, aTariff('TDEL', { last_updated: '2025-07-09T10:00:00Z' })).expect(201);
    expect(ids(await received(EMS, 'tariffs').expect(200))).toEqual(['T1', 'T2', 'TDEL']);
    const res = await request(platform.url)
      .delete('/ocpi/emsp/2.2.1/tariffs/NL/CPO/TDEL')
      .set('Authorization', tokenHeader(cpo.tokenC))
      .set('OCPI-from-country-code', 'NL')
      .set('OCPI-from-party-id', 'CPO')
      .set('OCPI-to-country-code', 'DE')
      .set('OCPI-to-party-id', 'EMS');
    expect(res.body.status_code).toBe(1000);
    expect(ids(await received(EMS, 'tariffs').expect(200))).toEqual(['T1', 'T2']);
    await received(EMS, 'tariffs/NL/CPO/TDEL').expect(404);
  });

  test("sessions: only those on the party's tokens, with status, party, updated_since and paging", async () => {
    const all = await received(EMS, 'sessions').expect(200);
    expect(all.body.total).toBe(2);
    expect(ids(all)).toEqual(['S1', 'S2']);
    expect(ids(await received(EMS, 'sessions?status=ACTIVE').expect(200))).toEqual(['S1']);
    expect(ids(await received(EMS, 'sessions?status=COMPLETED').expect(200))).toEqual(['S2']);
    expect(ids(await received(EMS, 'sessions?country_code=NL&party_id=CP2').expect(200))).toEqual(['S2']);
    expect(ids(await received(EMS, 'sessions?updated_since=2025-07-01T10:00:00.001Z').expect(200))).toEqual(['S2']);
    const page = await received(EMS, 'sessions?limit=1').expect(200);
    expect(page.body).toMatchObject({ total: 2, limit: 1 });
    expect(ids(page)).toEqual(['S1']);
    expect((await received(EMS, 'sessions/NL/CPO/S1').expect(200)).body).toMatchObject({ id: 'S1', status: 'ACTIVE' });
    await received(EMS, 'sessions/NL/CPO/S3').expect(404);
  });
});

describe('received CDRs', () => {
  test('the list carries totals over the filtered set: count, energy and cost per currency, exact decimals', async () => {
    const res = await received(EMS, 'cdrs').expect(200);
    expect(res.body.total).toBe(3);
    expect(ids(res).sort()).toEqual(['C1', 'C2', 'C3']);
    expect(res.body.totals).toEqual({
      count: 3,
      total_energy: '33.6',
      total_cost: [
        { currency: 'CHF', count: 1, excl_vat: '1.005', incl_vat: null },
        { currency: 'EUR', count: 2, excl_vat: '0.3', incl_vat: '0.36' },
      ],
    });
  });

  test('totals are over the whole filtered set, not the page', async () => {
    const res = await received(EMS, 'cdrs?limit=1').expect(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.totals.count).toBe(3);
    expect(res.body.totals.total_energy).toBe('33.6');
  });

  test('end_from (inclusive) and end_to (exclusive) select by end_date_time', async () => {
    const res = await received(EMS, 'cdrs?end_from=2025-06-02T09:00:00Z&end_to=2025-06-03T09:00:00Z').expect(200);
    expect(ids(res)).toEqual(['C2']);
    expect(res.body.totals).toEqual({ count: 1, total_energy: '22.2', total_cost: [{ currency: 'EUR', count: 1, excl_vat: '0.2', incl_vat: '0.24' }] });
    expect(ids(await received(EMS, 'cdrs?end_from=2025-06-02T09:00:00Z').expect(200)).sort()).toEqual(['C2', 'C3']);
    expect(ids(await received(EMS, 'cdrs?end_to=2025-06-02T09:00:00Z').expect(200))).toEqual(['C1']);
  });

  test('party filter and an empty set (totals zero, no currencies)', async () => {
    const res = await received(EMS, 'cdrs?party=NL*CP2').expect(200);
    expect(ids(res)).toEqual(['C2']);
    const none = await received(EMS, 'cdrs?end_from=2030-01-01T00:00:00Z').expect(200);
    expect(none.body).toMatchObject({ total: 0, items: [], totals: { count: 0, total_energy: '0', total_cost: [] } });
  });

  test("one CDR by its owner and the CPO's id", async () => {
    expect((await received(EMS, 'cdrs/NL/CPO/C1').expect(200)).body).toMatchObject({ id: 'C1', total_cost: { excl_vat: 0.1, incl_vat: 0.12 } });
    expect((await received(EMS, 'cdrs/nl/cp2/c2').expect(200)).body.id).toBe('C2');
    await received(EMS, 'cdrs/NL/CPO/C2').expect(404);
  });
});

describe('refusals', () => {
  test.each([
    ['locations?bbox=1,2,3', 'query.bbox'],
    ['locations?bbox=5,53,6,52', 'query.bbox'],
    ['locations?bbox=200,0,201,1', 'query.bbox'],
    ['locations?bbox=a,b,c,d', 'query.bbox'],
    ['locations?near=52.09,5.11', 'query.radius_m'],
    ['locations?radius_m=100', 'query.near'],
    ['locations?near=95,5&radius_m=10', 'query.near'],
    ['locations?near=52,5&radius_m=-1', 'query.radius_m'],
    ['locations?status=SLEEPING', 'query.status'],
    ['locations?connector_type=USB', 'query.connector_type'],
    ['locations?updated_since=yesterday', 'query.updated_since'],
    ['locations?limit=0', 'query.limit'],
    ['locations?limit=501', 'query.limit'],
    ['locations?offset=-1', 'query.offset'],
    ['locations?party=NLCPO', 'query.party'],
    ['locations?party=NL*CPO&country_code=NL&party_id=CPO', 'query.party'],
    ['locations?country_code=NL', 'query.party_id'],
    ['tariffs?limit=x', 'query.limit'],
    ['sessions?status=RUNNING', 'query.status'],
    ['cdrs?end_from=2025-13-01T00:00:00Z', 'query.end_from'],
    ['cdrs?end_from=2025-06-03T00:00:00Z&end_to=2025-06-01T00:00:00Z', 'query.end_to'],
  ])('GET %s is 400 naming %s', async (path, field) => {
    const res = await received(EMS, path).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.fields.map((f: { path: string }) => f.path)).toContain(field);
    expect(res.body.error.message).toContain(field);
  });

  test('a party that is not a local eMSP party is 404, for every list', async () => {
    for (const path of ['locations', 'tariffs', 'sessions', 'cdrs', 'locations/NL/CPO/UTR']) {
      expect((await platform.admin().get(`/parties/FR/CPX/received/${path}`).expect(404)).body.error.code).toBe('not_found');
      expect((await platform.admin().get(`/parties/XX/NOP/received/${path}`).expect(404)).body.error.code).toBe('not_found');
    }
  });

  test('without the admin key: 401', async () => {
    await request(platform.url).get('/admin/parties/DE/EMS/received/locations').expect(401);
  });
});
