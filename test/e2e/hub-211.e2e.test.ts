/**
 * Hub bridging between OCPI 2.1.1 and 2.2.1 (docs/hub.md, "Peers of another version"): a CPO
 * platform pinned to 2.1.1 and an eMSP platform on 2.2.1, each connected only to a hub platform.
 * The 2.1.1 CPO pushes a location and a tariff without routing headers; the hub fills them from
 * the connection's one party, translates, and the 2.2.1 eMSP stores them. The eMSP then reads the
 * CPO's lists through the hub (GET all, and one object party to party) in the 2.2.1 form, while
 * the hub reads the CPO in 2.1.1 without routing headers. The other way round, a 2.1.1 eMSP (a
 * scripted peer) registers with the hub; a location of a 2.2.1 CPO (a second party of the eMSP
 * platform) reaches it in the 2.1.1 form, and its pull of the hub lists both CPOs' locations in 2.1.1.
 */
import { aBusinessDetails } from '../helpers/builders.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../helpers/fake-peer.js';
import { find } from '../helpers/hub-trio.js';
import { aLocation } from '../helpers/locations.js';
import { aCdr, aSession } from '../helpers/sessions.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';

const CPO = { country_code: 'NL', party_id: 'CP1' };
const EMSP = { country_code: 'DE', party_id: 'EMS' };
/** A CPO on the 2.2.1 platform beside its eMSP. */
const CPO_221 = { country_code: 'DE', party_id: 'CPT' };
/** The scripted 2.1.1 eMSP. */
const EMSP_211 = { country_code: 'BE', party_id: 'EM1' };
const TARIFF = {
  ...CPO,
  id: 'T1',
  currency: 'EUR',
  elements: [{ price_components: [{ type: 'ENERGY', price: 0.25, vat: 10, step_size: 1 }] }],
  last_updated: '2025-01-01T00:00:00Z',
};

let hub: TestPlatform;
let cpo: TestPlatform;
let emsp: TestPlatform;
let emspTokenForHub: string;
let fake: FakePeer | undefined;

const routingHeaders = (headers: Record<string, unknown>) => Object.keys(headers).filter((h) => h.startsWith('ocpi-'));

beforeAll(async () => {
  [hub, cpo, emsp] = await Promise.all([
    startTestPlatform('e2e_hub211', { env: FAST_DELIVERY }),
    startTestPlatform('e2e_hub211_cpo', { env: FAST_DELIVERY }),
    startTestPlatform('e2e_hub211_emsp', { env: FAST_DELIVERY }),
  ]);
  await hub
    .admin()
    .put('/hub', { country_code: 'NL', party_id: 'HUB', business_details: aBusinessDetails('Roaming Hub') })
    .expect(200);
  await cpo
    .admin()
    .post('/parties', { ...CPO, role: 'CPO', business_details: aBusinessDetails('Old CPO') })
    .expect(201);
  await emsp
    .admin()
    .post('/parties', { ...EMSP, role: 'EMSP', business_details: aBusinessDetails('eMSP GmbH') })
    .expect(201);
  await emsp
    .admin()
    .post('/parties', { ...CPO_221, role: 'CPO', business_details: aBusinessDetails('New CPO') })
    .expect(201);
  const connect = async (platform: TestPlatform, label: string, version?: string) => {
    const invitation = await hub.admin().post('/peers/invitations', { label }).expect(201);
    const res = await platform
      .admin()
      .post('/peers/connect', { versions_url: `${hub.url}/ocpi/versions`, token: invitation.body.token, label: 'hub', ...(version ? { version } : {}) })
      .expect(201);
    return res.body as { id: string; version: string; roles: Array<Record<string, string>> };
  };
  const atCpo = await connect(cpo, 'Old CPO', '2.1.1');
  // The 2.1.1 CPO sees the hub as its one counterpart: the hub's party, as an eMSP.
  expect(atCpo.version).toBe('2.1.1');
  expect(atCpo.roles).toEqual([expect.objectContaining({ role: 'EMSP', country_code: 'NL', party_id: 'HUB' })]);
  const atEmsp = await connect(emsp, 'eMSP GmbH');
  expect(atEmsp.version).toBe('2.2.1');
  const hubPeer = await emsp.ctx.peerStore.get(atEmsp.id);
  emspTokenForHub = emsp.ctx.secrets.decrypt(hubPeer?.peerTokenEnc ?? '');
}, 60000);

afterAll(async () => {
  await Promise.all([hub?.stop(), cpo?.stop(), emsp?.stop(), fake?.close()]);
});

test('the hub lists its 2.1.1 URLs without roles and registers the 2.1.1 party as a CPO, which ClientInfo reports to the 2.2.1 eMSP', async () => {
  const peers = (await hub.admin().get('/peers').expect(200)).body as Array<{ version: string; roles: Array<Record<string, string>>; endpoints: Array<Record<string, string>> }>;
  const old = peers.find((p) => p.version === '2.1.1');
  expect(old?.roles).toEqual([expect.objectContaining({ role: 'CPO', country_code: 'NL', party_id: 'CP1' })]);
  expect(old?.endpoints).toEqual(expect.arrayContaining([expect.objectContaining({ identifier: 'locations', role: 'SENDER' })]));
  // What the CPO platform read from the hub: one URL per module, role-free.
  const hubAtCpo = (await cpo.admin().get('/peers').expect(200)).body[0] as { endpoints: Array<{ identifier: string; role: string; url: string }> };
  expect(hubAtCpo.endpoints).toEqual(
    expect.arrayContaining([
      { identifier: 'locations', role: 'RECEIVER', url: `${hub.url}/ocpi/hub/2.1.1/locations` },
      { identifier: 'tariffs', role: 'RECEIVER', url: `${hub.url}/ocpi/hub/2.1.1/tariffs` },
    ]),
  );
  expect(hubAtCpo.endpoints.map((e) => e.identifier)).not.toContain('hubclientinfo');
  await eventually(() =>
    expect(find(emsp, 'PUT', '/ocpi/2.2.1/hubclientinfo/NL/CP1').map((r) => (r.body as { role: string; status: string } | undefined)?.status)).toContain('CONNECTED'),
  );
  expect(find(emsp, 'PUT', '/ocpi/2.2.1/hubclientinfo/NL/CP1')[0].body).toMatchObject({ role: 'CPO', country_code: 'NL', party_id: 'CP1' });
});

test("the 2.1.1 CPO's location and tariff reach the 2.2.1 eMSP translated, with routing headers the hub filled", async () => {
  await cpo
    .admin()
    .put('/parties/NL/CP1/locations/LOC1', aLocation('LOC1', { ...CPO, parking_type: 'ON_STREET' }))
    .expect(200);
  await cpo.admin().put('/parties/NL/CP1/tariffs/T1', TARIFF).expect(200);
  // CPO -> hub in 2.1.1: the location's `type`, no tariff_ids.
  const pushed = await eventually(() => {
    const [first] = find(hub, 'PUT', '/ocpi/hub/2.1.1/locations/NL/CP1/LOC1');
    expect(first?.body).toBeDefined();
    return first;
  });
  expect(pushed.body).toMatchObject({ id: 'LOC1', type: 'ON_STREET' });
  expect(pushed.body).not.toHaveProperty('country_code');
  // Hub -> eMSP in 2.2.1, from the 2.1.1 party to the eMSP.
  const arrived = await eventually(() => {
    const [first] = find(emsp, 'PUT', '/ocpi/emsp/2.2.1/locations/NL/CP1/LOC1');
    expect(first?.body).toBeDefined();
    return first;
  });
  expect(arrived.body).toMatchObject({ country_code: 'NL', party_id: 'CP1', id: 'LOC1', parking_type: 'ON_STREET' });
  expect(arrived.body).not.toHaveProperty('type');
  expect(arrived.headers).toMatchObject({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'CP1', 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'EMS' });
  await eventually(async () => {
    const stored = await emsp.admin().get('/parties/DE/EMS/received/locations/NL/CP1/LOC1');
    expect(stored.status).toBe(200);
  });
  const tariff = await eventually(() => {
    const [first] = find(emsp, 'PUT', '/ocpi/emsp/2.2.1/tariffs/NL/CP1/T1');
    expect(first?.body).toBeDefined();
    return first;
  });
  expect(tariff.body).toMatchObject({ country_code: 'NL', party_id: 'CP1', id: 'T1', currency: 'EUR' });
});

test("the 2.2.1 eMSP reads the 2.1.1 CPO's objects through the hub in 2.2.1; the hub reads the CPO in 2.1.1 without routing headers", async () => {
  cpo.received.length = 0;
  const all = await request(hub.url)
    .get('/ocpi/hub/2.2.1/locations/sender')
    .set('Authorization', tokenHeader(emspTokenForHub))
    .set({ 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': 'EMS', 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'HUB' })
    .expect(200);
  expect(all.body.data).toEqual([expect.objectContaining({ country_code: 'NL', party_id: 'CP1', id: 'LOC1', parking_type: 'ON_STREET' })]);
  expect(all.body.data[0]).not.toHaveProperty('type');
  expect(all.headers['x-total-count']).toBe('1');

  const one = await request(hub.url)
    .get('/ocpi/hub/2.2.1/locations/sender/LOC1/EVSE1')
    .set('Authorization', tokenHeader(emspTokenForHub))
    .set({ 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': 'EMS', 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CP1' })
    .expect(200);
  // One EVSE, party to party (relayed as the CPO wrote it: the translation reads whole locations, docs/interop.md).
  expect(one.body.data).toMatchObject({ uid: 'EVSE1' });
  expect(one.headers).toMatchObject({ 'ocpi-from-party-id': 'CP1', 'ocpi-to-party-id': 'EMS' });
  const tariffs = await request(hub.url)
    .get('/ocpi/hub/2.2.1/tariffs/sender')
    .set('Authorization', tokenHeader(emspTokenForHub))
    .set({ 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': 'EMS', 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'HUB' })
    .expect(200);
  expect(tariffs.body.data).toEqual([expect.objectContaining({ country_code: 'NL', party_id: 'CP1', id: 'T1', currency: 'EUR' })]);

  // At the CPO: 2.1.1 reads, raw token, no routing headers.
  const reads = cpo.received.filter((r) => r.method === 'GET' && r.path.startsWith('/ocpi/cpo/2.1.1/'));
  expect(reads.length).toBeGreaterThan(0);
  for (const r of reads) {
    expect(routingHeaders(r.headers)).toEqual([]);
    expect(r.headers.authorization).toMatch(/^Token \S+$/);
  }
});

test('a command of the 2.2.1 eMSP reaches the 2.1.1 CPO in the 2.1.1 form, with a hub response_url; what 2.1.1 cannot express is a 2001', async () => {
  const token = { ...EMSP, uid: 'APP1', type: 'RFID', contract_id: 'DE-EMS-C1', issuer: 'eMSP', valid: true, whitelist: 'ALLOWED', last_updated: '2025-01-01T00:00:00Z' };
  const headers = { 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': 'EMS', 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'CP1' };
  cpo.received.length = 0;
  const start = await request(hub.url)
    .post('/ocpi/hub/2.2.1/commands/receiver/START_SESSION')
    .set('Authorization', tokenHeader(emspTokenForHub))
    .set(headers)
    .send({ response_url: `${emsp.url}/ocpi/emsp/2.2.1/commands/START_SESSION/c17-1`, token, location_id: 'LOC1', evse_uid: 'EVSE1', authorization_reference: 'REF1' })
    .expect(200);
  // The CPO's 2.1.1 CommandResponse read as 2.2.1 (whatever the CPO decided without a backend).
  expect(start.body.status_code).toBe(1000);
  expect(['ACCEPTED', 'REJECTED', 'NOT_SUPPORTED', 'UNKNOWN_SESSION']).toContain(start.body.data.result);
  const atCpo = await eventually(() => {
    const [first] = cpo.received.filter((r) => r.method === 'POST' && r.path === '/ocpi/cpo/2.1.1/commands/START_SESSION');
    expect(first?.body).toBeDefined();
    return first;
  });
  expect(routingHeaders(atCpo.headers)).toEqual([]);
  expect(atCpo.body).toMatchObject({ location_id: 'LOC1', evse_uid: 'EVSE1', token: expect.objectContaining({ uid: 'APP1', auth_id: 'DE-EMS-C1' }) });
  expect(atCpo.body).not.toHaveProperty('authorization_reference');
  expect((atCpo.body as { response_url: string }).response_url).toMatch(new RegExp(`^${hub.url}/ocpi/hub/alias/[0-9a-f]{32}$`));

  const cancel = await request(hub.url)
    .post('/ocpi/hub/2.2.1/commands/receiver/CANCEL_RESERVATION')
    .set('Authorization', tokenHeader(emspTokenForHub))
    .set(headers)
    .send({ response_url: `${emsp.url}/ocpi/emsp/2.2.1/commands/CANCEL_RESERVATION/c17-2`, reservation_id: 'R1' });
  expect(cancel.body.status_code).toBe(2001);
  expect(cancel.body.status_message).toContain('OCPI 2.1.1');
  expect(cpo.received.filter((r) => r.path.endsWith('/CANCEL_RESERVATION'))).toEqual([]);
});

describe('a 2.1.1 eMSP behind the hub', () => {
  const version211 = (f: FakePeer) => ({
    version: '2.1.1',
    endpoints: [
      { identifier: 'credentials', url: `${f.url}/2.1.1/credentials` },
      { identifier: 'locations', url: `${f.url}/emsp/2.1.1/locations` },
      { identifier: 'tariffs', url: `${f.url}/emsp/2.1.1/tariffs` },
      { identifier: 'sessions', url: `${f.url}/emsp/2.1.1/sessions` },
      { identifier: 'cdrs', url: `${f.url}/emsp/2.1.1/cdrs` },
      { identifier: 'tokens', url: `${f.url}/emsp/2.1.1/tokens` },
    ],
  });
  let tokenForHub: string;

  test('registers over 2.1.1: the hub presents its own party and reads the peer as an eMSP from its endpoints', async () => {
    const f = await startFakePeer();
    fake = f;
    f.on('GET', '/versions', (_req, res) => void res.json(ok([{ version: '2.1.1', url: `${f.url}/2.1.1` }])));
    f.on('GET', '/2.1.1', (_req, res) => void res.json(ok(version211(f))));
    f.on('PUT', '/emsp/2.1.1/*', (_req, res) => void res.json(ok()));
    f.on('PATCH', '/emsp/2.1.1/*', (_req, res) => void res.json(ok()));
    f.on('POST', '/emsp/2.1.1/cdrs', (_req, res) => void res.json(ok()));
    // The eMSP's token list (a CPO's pull through the hub may ask for it): none beyond the push below.
    f.on('GET', '/emsp/2.1.1/tokens', (_req, res) => void res.json(ok([])));
    const invitation = await hub.admin().post('/peers/invitations', { label: 'Old eMSP' }).expect(201);
    const details = await request(hub.url).get('/ocpi/2.1.1').set('Authorization', `Token ${invitation.body.token}`).expect(200);
    expect(details.body.data.endpoints).toEqual(
      expect.arrayContaining([
        { identifier: 'credentials', url: `${hub.url}/ocpi/2.1.1/credentials` },
        { identifier: 'locations', url: `${hub.url}/ocpi/hub/2.1.1/locations` },
      ]),
    );
    const res = await request(hub.url)
      .post('/ocpi/2.1.1/credentials')
      .set('Authorization', `Token ${invitation.body.token}`)
      .send({ token: 'fake-emsp-token', url: f.versionsUrl, business_details: { name: 'Old eMSP' }, ...EMSP_211 })
      .expect(200);
    expect(res.body.data).toMatchObject({ country_code: 'NL', party_id: 'HUB', business_details: { name: 'Roaming Hub' } });
    tokenForHub = res.body.data.token;
    const peer = (await hub.admin().get(`/peers/${invitation.body.peer_id}`).expect(200)).body;
    expect(peer).toMatchObject({ status: 'REGISTERED', version: '2.1.1', roles: [expect.objectContaining({ role: 'EMSP', ...EMSP_211 })] });
    // The 2.2.1 platform learns the 2.1.1 party from the hub's ClientInfo.
    await eventually(() => expect(find(emsp, 'PUT', '/ocpi/2.2.1/hubclientinfo/BE/EM1').map((r) => (r.body as { status: string } | undefined)?.status)).toContain('CONNECTED'));
  });

  test("a 2.2.1 CPO's location reaches it in the 2.1.1 form, addressed by its connection alone", async () => {
    if (!fake) throw new Error('the 2.1.1 eMSP did not register');
    const f = fake;
    await emsp
      .admin()
      .put('/parties/DE/CPT/locations/LOC9', aLocation('LOC9', { ...CPO_221, parking_type: 'PARKING_LOT' }))
      .expect(200);
    const put = await eventually(() => {
      const [first] = f.received.filter((r) => r.method === 'PUT' && r.path === '/emsp/2.1.1/locations/DE/CPT/LOC9');
      expect(first).toBeDefined();
      return first;
    });
    expect(put.body).toMatchObject({ id: 'LOC9', type: 'PARKING_LOT', evses: expect.any(Array) });
    expect(put.body).not.toHaveProperty('country_code');
    expect(put.body).not.toHaveProperty('parking_type');
    expect(routingHeaders(put.headers)).toEqual([]);
    expect(put.headers.authorization).toBe('Token fake-emsp-token');
  });

  test("its pull of the hub (GET all, no routing headers) lists both CPOs' locations in the 2.1.1 form", async () => {
    // The 2.2.1 CPO is asked with the 2.1.1 party as sender: its platform must know that party first.
    await eventually(() => expect(find(emsp, 'PUT', '/ocpi/2.2.1/hubclientinfo/BE/EM1').length).toBeGreaterThan(0));
    const list = await request(hub.url).get('/ocpi/hub/2.1.1/locations').set('Authorization', `Token ${tokenForHub}`).expect(200);
    const ids = (list.body.data as Array<{ id: string }>).map((l) => l.id).sort();
    expect(ids).toEqual(['LOC1', 'LOC9']);
    for (const l of list.body.data as Array<Record<string, unknown>>) {
      expect(l).toHaveProperty('type');
      expect(l).not.toHaveProperty('country_code');
      expect(l).not.toHaveProperty('parking_type');
    }
    expect(list.headers['x-total-count']).toBe('2');
  });

  test("its token reaches the 2.2.1 CPO through the hub; that CPO's session and CDR for it come back in the 2.1.1 form (auth_id)", async () => {
    if (!fake) throw new Error('the 2.1.1 eMSP did not register');
    const f = fake;
    const token211 = { uid: 'OLD-RFID-1', type: 'RFID', auth_id: 'BE-EM1-C0001', issuer: 'Old eMSP', valid: true, whitelist: 'ALLOWED', last_updated: '2026-01-01T00:00:00Z' };
    const pushed = await request(hub.url).put('/ocpi/hub/2.1.1/tokens/BE/EM1/OLD-RFID-1').set('Authorization', `Token ${tokenForHub}`).send(token211).expect(200);
    expect(pushed.body.status_code).toBe(1000);
    // Broadcast to the CPOs behind the hub, in 2.2.1: owned by the 2.1.1 eMSP, the auth_id as contract id.
    const atCpo = await eventually(() => {
      const [first] = find(emsp, 'PUT', '/ocpi/cpo/2.2.1/tokens/BE/EM1/OLD-RFID-1');
      expect(first?.body).toBeDefined();
      return first;
    });
    expect(atCpo.body).toMatchObject({ country_code: 'BE', party_id: 'EM1', uid: 'OLD-RFID-1', type: 'RFID', contract_id: 'BE-EM1-C0001' });
    // A broadcast comes from the hub (transport §9.3), as a 2.2.1 eMSP's would.
    expect(atCpo.headers).toMatchObject({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'HUB', 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'CPT' });

    const cdrToken = { country_code: 'BE', party_id: 'EM1', uid: 'OLD-RFID-1', type: 'RFID', contract_id: 'BE-EM1-C0001' };
    const session = aSession('S-OLD-1', { ...CPO_221, cdr_token: cdrToken, location_id: 'LOC9', evse_uid: 'EVSE1', connector_id: '1', total_cost: { excl_vat: 1.5 } });
    await emsp.admin().put('/parties/DE/CPT/sessions/S-OLD-1', session).expect(200);
    const put = await eventually(() => {
      const [first] = f.received.filter((r) => r.method === 'PUT' && r.path === '/emsp/2.1.1/sessions/DE/CPT/S-OLD-1');
      expect(first?.body).toBeDefined();
      return first;
    });
    expect(put.body).toMatchObject({ id: 'S-OLD-1', auth_id: 'BE-EM1-C0001', total_cost: 1.5, location: expect.objectContaining({ id: 'LOC9' }) });
    expect(put.body).not.toHaveProperty('cdr_token');
    expect(routingHeaders(put.headers)).toEqual([]);

    const cdr = aCdr('CDR-OLD-1', { ...CPO_221, session_id: 'S-OLD-1', cdr_token: cdrToken, total_cost: { excl_vat: 3.25, incl_vat: 3.9 } });
    await emsp
      .admin()
      .post('/parties/DE/CPT/cdrs', { ...cdr, cdr_location: { ...cdr.cdr_location, id: 'LOC9' } })
      .expect(201);
    const posted = await eventually(() => {
      const [first] = f.received.filter((r) => r.method === 'POST' && r.path === '/emsp/2.1.1/cdrs');
      expect(first?.body).toBeDefined();
      return first;
    });
    expect(posted.body).toMatchObject({ id: 'CDR-OLD-1', auth_id: 'BE-EM1-C0001', total_cost: 3.25, location: expect.objectContaining({ id: 'LOC9' }) });
    expect(posted.body).not.toHaveProperty('session_id');
    expect(routingHeaders(posted.headers)).toEqual([]);
  });
});
