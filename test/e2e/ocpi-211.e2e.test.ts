/**
 * OCPI 2.1.1 between two platform instances over real HTTP: a CPO platform and an eMSP platform
 * whose admins pin the connection to 2.1.1. Handshake in both directions (each side once the
 * initiator), then the CPO's locations pulled and pushed, and its tariff pushed, all in the 2.1.1
 * wire form (no routing needed, raw token, `type`, `tariff_id`, no tariff `type`), stored by the
 * eMSP in the 2.2.1 model.
 */
import { CPO, EMSP, businessDetails, locations, tariffs } from '../../src/demo/fixture.js';
import { Location211 } from '../../src/modules/2.1.1/locations/schemas.js';
import { Tariff211 } from '../../src/modules/2.1.1/tariffs/schemas.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { arrivedAt, receivedAt } from '../helpers/recorded.js';
import { type TestPlatform, startTestPlatform } from '../helpers/platform.js';

let cpo: TestPlatform;
let emsp: TestPlatform;

const cpoPath = `/parties/${CPO.country_code}/${CPO.party_id}`;
const emspPath = `/parties/${EMSP.country_code}/${EMSP.party_id}`;
const ocpiAt = receivedAt;
/** The first such request once its body is recorded (the recorder fills it when the answer finishes). */
const arrived = arrivedAt;
const isRaw = (header: unknown, token?: string) => typeof header === 'string' && (token ? header === `Token ${token}` : /^Token \S+$/.test(header));

beforeAll(async () => {
  [cpo, emsp] = await Promise.all([startTestPlatform('e2e_211_cpo', { env: FAST_DELIVERY }), startTestPlatform('e2e_211_emsp', { env: FAST_DELIVERY })]);
  await cpo
    .admin()
    .post('/parties', { country_code: CPO.country_code, party_id: CPO.party_id, role: 'CPO', business_details: businessDetails(CPO.name) })
    .expect(201);
  for (const l of locations()) await cpo.admin().put(`${cpoPath}/locations/${l.id}`, l).expect(200);
  await emsp
    .admin()
    .post('/parties', { country_code: EMSP.country_code, party_id: EMSP.party_id, role: 'EMSP', business_details: businessDetails(EMSP.name) })
    .expect(201);
});

afterAll(async () => {
  await Promise.all([cpo?.stop(), emsp?.stop()]);
});

test('our versions endpoint lists 2.1.1 and 2.2.1', async () => {
  const invitation = await cpo.admin().post('/peers/invitations', { label: 'probe' }).expect(201);
  const res = await fetch(`${cpo.url}/ocpi/versions`, { headers: { Authorization: `Token ${invitation.body.token}` } });
  const body = (await res.json()) as { data: Array<{ version: string; url: string }> };
  expect(body.data).toEqual([
    { version: '2.1.1', url: `${cpo.url}/ocpi/2.1.1` },
    { version: '2.2.1', url: `${cpo.url}/ocpi/2.2.1` },
  ]);
  // A 2.1.1 version details document: one endpoint per module, no role, for the CPO party.
  const details = (await (await fetch(`${cpo.url}/ocpi/2.1.1`, { headers: { Authorization: `Token ${invitation.body.token}` } })).json()) as {
    data: { version: string; endpoints: Array<Record<string, string>> };
  };
  expect(details.data.version).toBe('2.1.1');
  expect(details.data.endpoints).toEqual(
    expect.arrayContaining([
      { identifier: 'credentials', url: `${cpo.url}/ocpi/2.1.1/credentials` },
      { identifier: 'locations', url: `${cpo.url}/ocpi/cpo/2.1.1/locations` },
      { identifier: 'tariffs', url: `${cpo.url}/ocpi/cpo/2.1.1/tariffs` },
    ]),
  );
  await cpo.admin().delete(`/peers/${invitation.body.peer_id}`).expect(200);
});

describe('the eMSP registers with the CPO, pinned to 2.1.1', () => {
  let emspSidePeer: string;

  test('handshake: 2.1.1 credentials with one party each, raw tokens, the peer party as its role', async () => {
    const invitation = await cpo.admin().post('/peers/invitations', { label: EMSP.name }).expect(201);
    const res = await emsp
      .admin()
      .post('/peers/connect', { versions_url: invitation.body.versions_url, token: invitation.body.token, label: CPO.name, version: '2.1.1' })
      .expect(201);
    emspSidePeer = res.body.id;
    expect(res.body).toMatchObject({
      status: 'REGISTERED',
      version: '2.1.1',
      pinned_version: '2.1.1',
      local_party: `${EMSP.country_code}${EMSP.party_id}`,
      auth_encoding: 'raw',
      roles: [{ role: 'CPO', country_code: CPO.country_code, party_id: CPO.party_id }],
    });
    expect(res.body.endpoints).toEqual(
      expect.arrayContaining([
        { identifier: 'locations', role: 'SENDER', url: `${cpo.url}/ocpi/cpo/2.1.1/locations` },
        { identifier: 'credentials', role: 'SENDER', url: `${cpo.url}/ocpi/2.1.1/credentials` },
      ]),
    );
    const [post] = ocpiAt(cpo, 'POST', '/ocpi/2.1.1/credentials');
    expect(isRaw(post.headers.authorization, invitation.body.token)).toBe(true);
    expect(post.body).toEqual({
      token: expect.any(String),
      url: `${emsp.url}/ocpi/versions`,
      business_details: expect.objectContaining({ name: EMSP.name }),
      party_id: EMSP.party_id,
      country_code: EMSP.country_code,
    });
    const atCpo = (await cpo.admin().get(`/peers/${invitation.body.peer_id}`).expect(200)).body;
    expect(atCpo).toMatchObject({
      status: 'REGISTERED',
      version: '2.1.1',
      local_party: `${CPO.country_code}${CPO.party_id}`,
      roles: [{ role: 'EMSP', country_code: EMSP.country_code, party_id: EMSP.party_id }],
    });
    expect(atCpo.endpoints).toEqual(expect.arrayContaining([{ identifier: 'locations', role: 'RECEIVER', url: `${emsp.url}/ocpi/emsp/2.1.1/locations` }]));
  });

  test('a pull reads the CPO locations in the 2.1.1 form and stores them in the 2.2.1 model', async () => {
    await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/locations`).expect(200)).body.total).toBe(locations().length), 20_000);
    const [page] = ocpiAt(cpo, 'GET', '/ocpi/cpo/2.1.1/locations');
    expect(isRaw(page.headers.authorization)).toBe(true);
    // The tariffs list is read through the 2.1.1 interface too.
    await eventually(() => expect(ocpiAt(cpo, 'GET', '/ocpi/cpo/2.1.1/tariffs').length).toBeGreaterThan(0));
    const location = locations()[0];
    const stored = (await emsp.admin().get(`${emspPath}/received/locations/${CPO.country_code}/${CPO.party_id}/${location.id}`).expect(200)).body;
    expect(stored).toMatchObject({ country_code: CPO.country_code, party_id: CPO.party_id, id: location.id, publish: true });
    expect(stored.evses.map((e: { uid: string }) => e.uid)).toEqual(location.evses.map((e) => e.uid));
    expect(stored.evses[0].connectors[0].max_voltage).toBe(location.evses[0].connectors[0].max_voltage);
  });

  test('an EVSE status change is pushed as a 2.1.1 PATCH to the eMSP interface and stored', async () => {
    const other = locations()[1];
    await cpo.admin().patch(`${cpoPath}/locations/${other.id}/${other.evses[0].uid}`, { status: 'OUTOFORDER' }).expect(200);
    await eventually(async () => {
      const stored = (await emsp.admin().get(`${emspPath}/received/locations?status=OUTOFORDER`).expect(200)).body;
      expect(stored.items.map((l: { id: string }) => l.id)).toEqual([other.id]);
    });
    const patch = await arrived(emsp, 'PATCH', `/ocpi/emsp/2.1.1/locations/${CPO.country_code}/${CPO.party_id}/${other.id}/${other.evses[0].uid}`);
    expect(isRaw(patch.headers.authorization)).toBe(true);
    expect(patch.body).toEqual({ status: 'OUTOFORDER', last_updated: expect.any(String) });
  });

  test('a new location is pushed in the 2.1.1 form (type, voltage, tariff_id)', async () => {
    const base = locations()[0];
    // EVSE uids are unique across the platform: the new location gets its own.
    const fresh = { ...base, id: 'LOC-211', evses: base.evses.map((e) => ({ ...e, uid: `${e.uid}-211`, evse_id: null })) };
    await cpo.admin().put(`${cpoPath}/locations/${fresh.id}`, fresh).expect(200);
    const put = await arrived(emsp, 'PUT', `/ocpi/emsp/2.1.1/locations/${CPO.country_code}/${CPO.party_id}/LOC-211`);
    expect(Location211.safeParse(put.body).success).toBe(true);
    expect(put.body).not.toHaveProperty('country_code');
    expect(put.body).not.toHaveProperty('publish');
    expect((put.body as { evses: Array<{ connectors: Array<Record<string, unknown>> }> }).evses[0].connectors[0]).toHaveProperty('voltage');
    await eventually(async () =>
      expect((await emsp.admin().get(`${emspPath}/received/locations/${CPO.country_code}/${CPO.party_id}/LOC-211`).expect(200)).body.id).toBe('LOC-211'),
    );
  });

  test('a tariff is pushed in the 2.1.1 form (no type, no price bounds) and stored', async () => {
    const tariff = tariffs()[0];
    await cpo.admin().put(`${cpoPath}/tariffs/${tariff.id}`, tariff).expect(200);
    const put = await arrived(emsp, 'PUT', `/ocpi/emsp/2.1.1/tariffs/${CPO.country_code}/${CPO.party_id}/${tariff.id}`);
    expect(Tariff211.safeParse(put.body).success).toBe(true);
    for (const absent of ['type', 'min_price', 'max_price', 'country_code', 'party_id']) expect(put.body).not.toHaveProperty(absent);
    await eventually(async () => expect((await emsp.admin().get(`${emspPath}/received/tariffs`).expect(200)).body.items.map((t: { id: string }) => t.id)).toContain(tariff.id));
  });

  test('rotating goes through the 2.1.1 credentials PUT, with raw tokens, and the connection keeps working', async () => {
    const res = await emsp.admin().post(`/peers/${emspSidePeer}/rotate`).expect(200);
    expect(res.body).toMatchObject({ status: 'REGISTERED', version: '2.1.1', roles: [{ role: 'CPO', country_code: CPO.country_code, party_id: CPO.party_id }] });
    const put = await arrived(cpo, 'PUT', '/ocpi/2.1.1/credentials');
    expect(isRaw(put.headers.authorization)).toBe(true);
    expect(put.body).toMatchObject({ party_id: EMSP.party_id, country_code: EMSP.country_code });
    const other = locations()[1];
    await cpo.admin().patch(`${cpoPath}/locations/${other.id}/${other.evses[0].uid}`, { status: 'AVAILABLE' }).expect(200);
    await eventually(async () => {
      const stored = (await emsp.admin().get(`${emspPath}/received/locations?status=OUTOFORDER`).expect(200)).body;
      expect(stored.items).toEqual([]);
    });
  });

  test('unregistering goes through the 2.1.1 credentials DELETE', async () => {
    const res = await emsp.admin().delete(`/peers/${emspSidePeer}`).expect(200);
    expect(res.body.remote).toBe('unregistered');
    expect(ocpiAt(cpo, 'DELETE', '/ocpi/2.1.1/credentials')).toHaveLength(1);
  });
});

describe('the CPO registers with the eMSP, pinned to 2.1.1', () => {
  test('handshake the other way round: the invitation pins 2.1.1, the CPO connects over 2.1.1', async () => {
    const invitation = await emsp.admin().post('/peers/invitations', { label: CPO.name, version: '2.1.1' }).expect(201);
    const res = await cpo
      .admin()
      .post('/peers/connect', { versions_url: invitation.body.versions_url, token: invitation.body.token, label: EMSP.name, version: '2.1.1' })
      .expect(201);
    expect(res.body).toMatchObject({ status: 'REGISTERED', version: '2.1.1', roles: [{ role: 'EMSP', country_code: EMSP.country_code, party_id: EMSP.party_id }] });
    const atEmsp = (await emsp.admin().get(`/peers/${invitation.body.peer_id}`).expect(200)).body;
    expect(atEmsp).toMatchObject({
      status: 'REGISTERED',
      version: '2.1.1',
      pinned_version: '2.1.1',
      roles: [{ role: 'CPO', country_code: CPO.country_code, party_id: CPO.party_id }],
    });
    const [post] = ocpiAt(emsp, 'POST', '/ocpi/2.1.1/credentials');
    expect(post.body).toMatchObject({ party_id: CPO.party_id, country_code: CPO.country_code });
  });

  test('without a pin, two platforms that both offer 2.2.1 choose 2.2.1', async () => {
    const other = await startTestPlatform('e2e_211_other', { env: FAST_DELIVERY });
    try {
      await other
        .admin()
        .post('/parties', { country_code: 'BE', party_id: 'EMB', role: 'EMSP', business_details: businessDetails('Other eMSP') })
        .expect(201);
      const invitation = await cpo.admin().post('/peers/invitations', { label: 'other' }).expect(201);
      const res = await other.admin().post('/peers/connect', { versions_url: invitation.body.versions_url, token: invitation.body.token }).expect(201);
      expect(res.body).toMatchObject({ status: 'REGISTERED', version: '2.2.1', pinned_version: null });
    } finally {
      await other.stop();
    }
  });

  test('a version we do not speak is refused before anything is sent, naming the field', async () => {
    const res = await cpo
      .admin()
      .post('/peers/connect', { versions_url: `${emsp.url}/ocpi/versions`, token: 'whatever', version: '2.0' })
      .expect(422);
    expect(JSON.stringify(res.body)).toContain('version');
  });
});
