/**
 * Sessions and CDRs over OCPI 2.1.1 between two platform instances over real HTTP: platform A's
 * CPO and platform B's eMSP, the connection pinned to 2.1.1. B pulls what A held before they met
 * (a session and a CDR, read through A's 2.1.1 SENDER lists); then A pushes a session (PUT, PATCH)
 * and a CDR (POST) in the 2.1.1 wire form (auth_id, embedded location, total_cost numbers), which
 * B translates back (the auth_id found among its eMSP's tokens) and stores in the 2.2.1 model.
 */
import { CPO, EMSP, businessDetails, driverToken, locations } from '../../src/demo/fixture.js';
import { Cdr211 } from '../../src/modules/2.1.1/cdrs/schemas.js';
import { Session211 } from '../../src/modules/2.1.1/sessions/schemas.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { arrivedAt, receivedAt } from '../helpers/recorded.js';
import { type TestPlatform, startTestPlatform } from '../helpers/platform.js';

let cpo: TestPlatform;
let emsp: TestPlatform;

const cpoPath = `/parties/${CPO.country_code}/${CPO.party_id}`;
const emspPath = `/parties/${EMSP.country_code}/${EMSP.party_id}`;
const token = driverToken();
const location = locations()[0];
const evse = location.evses[0];
const cdrToken = { country_code: token.country_code, party_id: token.party_id, uid: token.uid, type: token.type, contract_id: token.contract_id };

const ocpiAt = receivedAt;
const arrived = arrivedAt;

/** A location the CPO keeps unpublished: 2.1.1 has no publish flag, so a 2.1.1 peer never sees it. */
const hidden = { ...locations()[1], id: 'HIDDEN-211', publish: false, evses: locations()[1].evses.map((e) => ({ ...e, uid: `${e.uid}-H`, evse_id: null })) };

function aSession(id: string, lastUpdated: string) {
  return {
    country_code: CPO.country_code,
    party_id: CPO.party_id,
    id,
    start_date_time: '2025-06-01T08:00:00Z',
    kwh: 0,
    cdr_token: cdrToken,
    auth_method: 'COMMAND',
    location_id: location.id,
    evse_uid: evse.uid,
    connector_id: '1',
    currency: 'EUR',
    status: 'ACTIVE',
    last_updated: lastUpdated,
  };
}

function aCdr(id: string) {
  return {
    country_code: CPO.country_code,
    party_id: CPO.party_id,
    id,
    start_date_time: '2025-06-01T08:00:00Z',
    end_date_time: '2025-06-01T09:00:00Z',
    session_id: 'S-PULLED',
    cdr_token: cdrToken,
    auth_method: 'WHITELIST',
    cdr_location: {
      id: location.id,
      name: location.name,
      address: location.address,
      city: location.city,
      postal_code: location.postal_code,
      country: location.country,
      coordinates: location.coordinates,
      evse_uid: evse.uid,
      evse_id: evse.evse_id,
      connector_id: '1',
      connector_standard: 'IEC_62196_T2',
      connector_format: 'SOCKET',
      connector_power_type: 'AC_3_PHASE',
    },
    currency: 'EUR',
    charging_periods: [{ start_date_time: '2025-06-01T08:00:00Z', dimensions: [{ type: 'ENERGY', volume: 12.5 }], tariff_id: 'AC-STANDARD' }],
    total_cost: { excl_vat: 5.23, incl_vat: 6.33 },
    total_energy_cost: { excl_vat: 4.88, incl_vat: 5.9 },
    total_energy: 12.5,
    total_time: 1,
    last_updated: '2025-06-01T09:00:05Z',
  };
}

beforeAll(async () => {
  [cpo, emsp] = await Promise.all([startTestPlatform('e2e_211s_cpo', { env: FAST_DELIVERY }), startTestPlatform('e2e_211s_emsp', { env: FAST_DELIVERY })]);
  await cpo
    .admin()
    .post('/parties', { country_code: CPO.country_code, party_id: CPO.party_id, role: 'CPO', business_details: businessDetails(CPO.name) })
    .expect(201);
  for (const l of locations()) await cpo.admin().put(`${cpoPath}/locations/${l.id}`, l).expect(200);
  await cpo.admin().put(`${cpoPath}/locations/${hidden.id}`, hidden).expect(200);
  await emsp
    .admin()
    .post('/parties', { country_code: EMSP.country_code, party_id: EMSP.party_id, role: 'EMSP', business_details: businessDetails(EMSP.name) })
    .expect(201);
  await emsp.admin().put(`${emspPath}/tokens/${token.uid}`, token).expect(201);
  // Held by the CPO before the platforms meet: the eMSP learns of them by pulling.
  await cpo.admin().put(`${cpoPath}/sessions/S-PULLED`, aSession('S-PULLED', '2025-06-01T08:00:05Z')).expect(200);
  await cpo.admin().post(`${cpoPath}/cdrs`, aCdr('CDR-PULLED')).expect(201);
  const invitation = await cpo.admin().post('/peers/invitations', { label: EMSP.name }).expect(201);
  await emsp.admin().post('/peers/connect', { versions_url: invitation.body.versions_url, token: invitation.body.token, label: CPO.name, version: '2.1.1' }).expect(201);
  // Two instances start on a CPU shared with other suites.
}, 90_000);

afterAll(async () => {
  await Promise.all([cpo?.stop(), emsp?.stop()]);
});

test('a pull reads the CPO session and CDR through the 2.1.1 SENDER lists and stores them translated', async () => {
  const session = await eventually(async () => (await emsp.admin().get(`${emspPath}/received/sessions/${CPO.country_code}/${CPO.party_id}/S-PULLED`).expect(200)).body, 20_000);
  // The auth_id named the eMSP's own token: the stored cdr_token is that token, uid and type included.
  expect(session).toMatchObject({ cdr_token: cdrToken, location_id: location.id, evse_uid: evse.uid, connector_id: '1', auth_method: 'AUTH_REQUEST' });
  const [page] = ocpiAt(cpo, 'GET', '/ocpi/cpo/2.1.1/sessions');
  expect(page).toBeDefined();
  const cdr = await eventually(async () => {
    const list = (await emsp.admin().get(`${emspPath}/received/cdrs`).expect(200)).body;
    const found = list.items.find((c: { id: string }) => c.id === 'CDR-PULLED');
    expect(found).toBeDefined();
    return found;
  }, 20_000);
  // 2.1.1 carries one total_cost, excluding VAT: that is all that arrives of the money.
  expect(cdr.total_cost).toEqual({ excl_vat: 5.23 });
  expect(cdr).not.toHaveProperty('total_energy_cost');
  expect(cdr).toMatchObject({ cdr_token: cdrToken, cdr_location: { id: location.id, evse_uid: evse.uid, evse_id: evse.evse_id, connector_id: '1' } });
});

test('a session PUT and PATCH arrive in the 2.1.1 form and are stored in the 2.2.1 model', async () => {
  await cpo.admin().put(`${cpoPath}/sessions/S-PUSHED`, aSession('S-PUSHED', '2025-06-01T08:00:10Z')).expect(200);
  const put = await arrived(emsp, 'PUT', `/ocpi/emsp/2.1.1/sessions/${CPO.country_code}/${CPO.party_id}/S-PUSHED`);
  expect(Session211.safeParse(put.body).success).toBe(true);
  expect(put.body).toMatchObject({ id: 'S-PUSHED', auth_id: token.contract_id, auth_method: 'AUTH_REQUEST', start_datetime: expect.any(String) });
  for (const absent of ['cdr_token', 'location_id', 'evse_uid', 'country_code', 'start_date_time']) expect(put.body).not.toHaveProperty(absent);
  const embedded = (put.body as { location: { id: string; evses: Array<{ uid: string; connectors: Array<{ id: string; voltage: number }> }> } }).location;
  expect(embedded.id).toBe(location.id);
  expect(embedded.evses.map((e) => e.uid)).toEqual([evse.uid]);
  expect(embedded.evses[0].connectors).toEqual([expect.objectContaining({ id: '1', voltage: 230 })]);

  await cpo
    .admin()
    .patch(`${cpoPath}/sessions/S-PUSHED`, {
      kwh: 7.5,
      status: 'COMPLETED',
      end_date_time: '2025-06-01T09:00:00Z',
      total_cost: { excl_vat: 3.1, incl_vat: 3.75 },
      last_updated: '2025-06-01T09:00:01Z',
    })
    .expect(200);
  const patch = await arrived(emsp, 'PATCH', `/ocpi/emsp/2.1.1/sessions/${CPO.country_code}/${CPO.party_id}/S-PUSHED`);
  expect(patch.body).toMatchObject({ kwh: 7.5, status: 'COMPLETED', end_datetime: '2025-06-01T09:00:00.000Z', total_cost: 3.1 });
  await eventually(async () => {
    const stored = (await emsp.admin().get(`${emspPath}/received/sessions/${CPO.country_code}/${CPO.party_id}/S-PUSHED`).expect(200)).body;
    expect(stored).toMatchObject({ status: 'COMPLETED', kwh: 7.5, total_cost: { excl_vat: 3.1 }, cdr_token: cdrToken, evse_uid: evse.uid });
    expect(stored.total_cost).not.toHaveProperty('incl_vat');
  });
});

test('a CDR POST arrives in the 2.1.1 form, is stored, and can be read back at its 2.1.1 Location', async () => {
  await cpo.admin().post(`${cpoPath}/cdrs`, aCdr('CDR-PUSHED')).expect(201);
  const post = await arrived(emsp, 'POST', '/ocpi/emsp/2.1.1/cdrs');
  expect(Cdr211.safeParse(post.body).success).toBe(true);
  expect(post.body).toMatchObject({ id: 'CDR-PUSHED', auth_id: token.contract_id, total_cost: 5.23, stop_date_time: '2025-06-01T09:00:00.000Z' });
  for (const absent of ['cdr_token', 'cdr_location', 'total_energy_cost', 'end_date_time']) expect(post.body).not.toHaveProperty(absent);
  const cdr = await eventually(async () => {
    const list = (await emsp.admin().get(`${emspPath}/received/cdrs`).expect(200)).body;
    const found = list.items.find((c: { id: string }) => c.id === 'CDR-PUSHED');
    expect(found).toBeDefined();
    return found;
  });
  expect(cdr).toMatchObject({ total_cost: { excl_vat: 5.23 }, cdr_token: cdrToken, end_date_time: '2025-06-01T09:00:00.000Z' });
  // A GET at the 2.1.1 Location (our id under the 2.1.1 eMSP interface) answers it in the 2.1.1 form.
  const row = await emsp.ctx.db.receivedCdr.findFirst({ where: { cdrKey: 'CDR-PUSHED' } });
  const [peer] = await cpo.ctx.peerStore.list();
  const credential = cpo.ctx.secrets.decrypt(peer.peerTokenEnc ?? '');
  const res = await fetch(`${emsp.url}/ocpi/emsp/2.1.1/cdrs/${row?.id}`, { headers: { Authorization: `Token ${credential}` } });
  expect(res.status).toBe(200);
  const read = ((await res.json()) as { data: unknown }).data;
  expect(Cdr211.safeParse(read).success).toBe(true);
  expect(read).toMatchObject({ id: 'CDR-PUSHED', auth_id: token.contract_id, total_cost: 5.23, location: { id: location.id, evses: [{ uid: evse.uid }] } });
});

test('an unpublished location is neither listed to nor pushed to the 2.1.1 peer', async () => {
  // The first pull has read the list: every published location, not the unpublished one.
  await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/locations`).expect(200)).body.total).toBe(locations().length), 20_000);
  const listed = (await emsp.admin().get(`${emspPath}/received/locations?limit=50`).expect(200)).body.items.map((l: { id: string }) => l.id);
  expect(listed).not.toContain(hidden.id);
  const [page] = ocpiAt(cpo, 'GET', '/ocpi/cpo/2.1.1/locations');
  expect(page).toBeDefined();
  // A change of it is not sent; a change of a published one still is.
  await cpo.admin().patch(`${cpoPath}/locations/${hidden.id}/${hidden.evses[0].uid}`, { status: 'CHARGING' }).expect(200);
  const shown = locations()[2];
  await cpo.admin().patch(`${cpoPath}/locations/${shown.id}/${shown.evses[0].uid}`, { status: 'CHARGING' }).expect(200);
  await arrived(emsp, 'PATCH', `/ocpi/emsp/2.1.1/locations/${CPO.country_code}/${CPO.party_id}/${shown.id}/${shown.evses[0].uid}`);
  await cpo.whenIdle();
  expect(ocpiAt(emsp, 'PATCH', `/ocpi/emsp/2.1.1/locations/${CPO.country_code}/${CPO.party_id}/${hidden.id}`)).toEqual([]);
  expect(ocpiAt(emsp, 'PUT', `/ocpi/emsp/2.1.1/locations/${CPO.country_code}/${CPO.party_id}/${hidden.id}`)).toEqual([]);
});

describe('straight to the eMSP 2.1.1 interface, as the CPO peer', () => {
  const asCpo = async (method: string, path: string, body?: unknown) => {
    const [peer] = await cpo.ctx.peerStore.list();
    const credential = cpo.ctx.secrets.decrypt(peer.peerTokenEnc ?? '');
    const res = await fetch(`${emsp.url}${path}`, {
      method,
      headers: { Authorization: `Token ${credential}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, location: res.headers.get('location'), json: (await res.json()) as { status_code: number; status_message?: string; data?: unknown } };
  };
  const wireLocation = { ...location, type: 'PARKING_GARAGE', evses: [{ ...evse, connectors: [{ ...evse.connectors[0], voltage: 230, amperage: 32 }] }] };

  test('a session whose auth_id our eMSP never issued is stored for our eMSP, the auth_id as a token of type OTHER', async () => {
    const session = {
      id: 'S-UNKNOWN',
      start_datetime: '2025-06-02T08:00:00Z',
      kwh: 1,
      auth_id: 'NOT-OUR-CONTRACT',
      auth_method: 'WHITELIST',
      location: wireLocation,
      currency: 'EUR',
      status: 'ACTIVE',
      last_updated: '2025-06-02T08:00:01Z',
    };
    const res = await asCpo('PUT', `/ocpi/emsp/2.1.1/sessions/${CPO.country_code}/${CPO.party_id}/S-UNKNOWN`, session);
    expect([res.status, res.json.status_code]).toEqual([201, 1000]);
    const stored = (await emsp.admin().get(`${emspPath}/received/sessions/${CPO.country_code}/${CPO.party_id}/S-UNKNOWN`).expect(200)).body;
    expect(stored.cdr_token).toEqual({ country_code: EMSP.country_code, party_id: EMSP.party_id, uid: 'NOT-OUR-CONTRACT', type: 'OTHER', contract_id: 'NOT-OUR-CONTRACT' });
    const read = await asCpo('GET', `/ocpi/emsp/2.1.1/sessions/${CPO.country_code}/${CPO.party_id}/S-UNKNOWN`);
    expect(read.json.data).toMatchObject({ id: 'S-UNKNOWN', auth_id: 'NOT-OUR-CONTRACT', location: { id: location.id, evses: [{ uid: evse.uid }] } });
  });

  test('a CDR that cannot be a 2.2.1 CDR (EVSE without evse_id) is kept in quarantine as sent, readable at its 2.1.1 Location', async () => {
    const { evse_id: _none, ...noEvseId } = wireLocation.evses[0];
    const cdr = {
      id: 'CDR-NO-EVSE-ID',
      start_date_time: '2025-06-02T08:00:00Z',
      stop_date_time: '2025-06-02T09:00:00Z',
      auth_id: token.contract_id,
      auth_method: 'WHITELIST',
      location: { ...wireLocation, evses: [noEvseId] },
      currency: 'EUR',
      charging_periods: [{ start_date_time: '2025-06-02T08:00:00Z', dimensions: [{ type: 'ENERGY', volume: 4 }] }],
      total_cost: 1.56,
      total_energy: 4,
      total_time: 1,
      last_updated: '2025-06-02T09:00:01Z',
    };
    const res = await asCpo('POST', '/ocpi/emsp/2.1.1/cdrs', cdr);
    expect([res.status, res.json.status_code]).toEqual([201, 1000]);
    expect(res.json.status_message).toContain('quarantine');
    expect(res.json.status_message).toContain('cdr_location.evse_id');
    expect(res.location).toMatch(new RegExp(`^${emsp.url}/ocpi/emsp/2.1.1/cdrs/`));
    const kept = (await emsp.admin().get(`${emspPath}/quarantined-cdrs`).expect(200)).body;
    expect(JSON.stringify(kept)).toContain('CDR-NO-EVSE-ID');
    const read = await asCpo('GET', new URL(res.location ?? '').pathname);
    expect(read.json.data).toEqual(cdr);
  });
});
