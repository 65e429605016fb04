/**
 * A 2.1.1 CPO (a scripted peer) registers with our eMSP platform, which hosts two eMSP parties:
 * the invitation chooses the party it sees. It then pushes a location in the 2.1.1 form without
 * routing headers, with raw tokens.
 */
import { aBusinessDetails } from '../../helpers/builders.js';
import { type FakePeer, ok, startFakePeer } from '../../helpers/fake-peer.js';
import { type TestPlatform, request, startTestPlatform } from '../../helpers/platform.js';

let platform: TestPlatform;
let fake: FakePeer;
let tokenC: string;

const location211 = {
  id: 'L1',
  type: 'PARKING_LOT',
  address: 'Stationsplein 1',
  city: 'Utrecht',
  postal_code: '3511',
  country: 'NLD',
  coordinates: { latitude: '52.089', longitude: '5.110' },
  evses: [
    {
      uid: 'E-211-1',
      status: 'AVAILABLE',
      connectors: [
        { id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', voltage: 230, amperage: 32, tariff_id: 'T1', last_updated: '2026-01-01T00:00:00Z' },
      ],
      last_updated: '2026-01-01T00:00:00Z',
    },
  ],
  last_updated: '2026-01-01T00:00:00Z',
};

beforeAll(async () => {
  platform = await startTestPlatform('ocpi211_receiver');
  for (const party_id of ['EMS', 'EM2']) {
    await platform
      .admin()
      .post('/parties', { country_code: 'DE', party_id, role: 'EMSP', business_details: aBusinessDetails(`eMSP ${party_id}`) })
      .expect(201);
  }
  fake = await startFakePeer();
  fake.on('GET', '/versions', (_req, res) => void res.json(ok([{ version: '2.1.1', url: `${fake.url}/2.1.1` }])));
  fake.on(
    'GET',
    '/2.1.1',
    (_req, res) =>
      void res.json(
        ok({
          version: '2.1.1',
          endpoints: [
            { identifier: 'credentials', url: `${fake.url}/2.1.1/credentials` },
            { identifier: 'locations', url: `${fake.url}/2.1.1/locations` },
            { identifier: 'chargingprofiles', url: `${fake.url}/2.1.1/chargingprofiles` },
          ],
        }),
      ),
  );
});

afterAll(async () => {
  await fake?.close();
  await platform?.stop();
});

const as = (token: string) => ({ Authorization: `Token ${token}` });
const credentials = (token: string) => ({ token, url: fake.versionsUrl, business_details: { name: 'CPO X' }, party_id: 'CPX', country_code: 'NL' });

test('with two eMSP parties and none chosen, registration fails naming local_party', async () => {
  const invitation = await platform.admin().post('/peers/invitations', { version: '2.1.1' }).expect(201);
  const res = await request(platform.url).post('/ocpi/2.1.1/credentials').set(as(invitation.body.token)).send(credentials('fake-token-1'));
  expect(res.body.status_code).toBeGreaterThanOrEqual(2000);
  expect(res.body.status_message).toContain('local_party');
});

test('a local party that is not ours is refused when the invitation is made', async () => {
  const res = await platform.admin().post('/peers/invitations', { version: '2.1.1', local_party: { country_code: 'FR', party_id: 'XXX' } });
  expect(res.status).toBe(422);
  expect(JSON.stringify(res.body)).toContain('local_party');
});

test('registration over 2.1.1 with the chosen party: our credentials name it, the peer becomes a CPO', async () => {
  const invitation = await platform
    .admin()
    .post('/peers/invitations', { version: '2.1.1', local_party: { country_code: 'DE', party_id: 'EMS' } })
    .expect(201);
  const details = await request(platform.url).get('/ocpi/2.1.1').set(as(invitation.body.token)).expect(200);
  expect(details.body.data.endpoints).toEqual(
    expect.arrayContaining([
      { identifier: 'credentials', url: `${platform.url}/ocpi/2.1.1/credentials` },
      { identifier: 'locations', url: `${platform.url}/ocpi/emsp/2.1.1/locations` },
    ]),
  );
  const res = await request(platform.url).post('/ocpi/2.1.1/credentials').set(as(invitation.body.token)).send(credentials('fake-token-2')).expect(200);
  expect(res.body.data).toEqual({
    token: expect.any(String),
    url: `${platform.url}/ocpi/versions`,
    business_details: expect.objectContaining({ name: 'eMSP EMS' }),
    party_id: 'EMS',
    country_code: 'DE',
  });
  tokenC = res.body.data.token;
  // The peer's version details were read with its raw token.
  expect(fake.received.find((r) => r.path === '/2.1.1')?.headers.authorization).toBe('Token fake-token-2');
  const peer = (await platform.admin().get(`/peers/${invitation.body.peer_id}`).expect(200)).body;
  expect(peer).toMatchObject({ status: 'REGISTERED', version: '2.1.1', local_party: 'DEEMS', roles: [{ role: 'CPO', country_code: 'NL', party_id: 'CPX' }] });
  // Only modules we speak in 2.1.1 are kept: no chargingprofiles (2.1.1 has none).
  expect(peer.endpoints).toEqual([
    { identifier: 'credentials', role: 'SENDER', url: `${fake.url}/2.1.1/credentials` },
    { identifier: 'locations', role: 'SENDER', url: `${fake.url}/2.1.1/locations` },
  ]);
  const own = await request(platform.url).get('/ocpi/2.1.1/credentials').set(as(tokenC)).expect(200);
  expect(own.body.data).toMatchObject({ token: tokenC, party_id: 'EMS' });
});

test('a 2.1.1 location PUT without routing headers is stored for the chosen party in the 2.2.1 model', async () => {
  await request(platform.url).put('/ocpi/emsp/2.1.1/locations/NL/CPX/L1').set(as(tokenC)).send(location211).expect(201);
  const stored = (await platform.admin().get('/parties/DE/EMS/received/locations/NL/CPX/L1').expect(200)).body;
  expect(stored).toMatchObject({ country_code: 'NL', party_id: 'CPX', id: 'L1', publish: true, parking_type: 'PARKING_LOT', time_zone: 'Europe/Amsterdam' });
  expect(stored.evses[0].connectors[0]).toMatchObject({ max_voltage: 230, max_amperage: 32, tariff_ids: ['T1'] });
  const back = await request(platform.url).get('/ocpi/emsp/2.1.1/locations/NL/CPX/L1').set(as(tokenC)).expect(200);
  expect(back.body.data).toMatchObject({ id: 'L1', type: 'PARKING_LOT', evses: [{ connectors: [{ voltage: 230, tariff_id: 'T1' }] }] });
  expect(back.body.data).not.toHaveProperty('country_code');
});

test('a 2.1.1 EVSE PATCH is applied', async () => {
  await request(platform.url).patch('/ocpi/emsp/2.1.1/locations/NL/CPX/L1/E-211-1').set(as(tokenC)).send({ status: 'CHARGING', last_updated: '2026-01-02T00:00:00Z' }).expect(200);
  const stored = (await platform.admin().get('/parties/DE/EMS/received/locations/NL/CPX/L1').expect(200)).body;
  expect(stored.evses[0].status).toBe('CHARGING');
});

test('a location without time_zone in a country with several zones is a 2001 naming time_zone', async () => {
  const res = await request(platform.url)
    .put('/ocpi/emsp/2.1.1/locations/NL/CPX/L2')
    .set(as(tokenC))
    .send({ ...location211, id: 'L2', country: 'USA', evses: [] });
  expect(res.body.status_code).toBe(2001);
  expect(res.body.status_message).toContain('time_zone');
});

test('a location of another party than the peer’s is refused', async () => {
  const res = await request(platform.url)
    .put('/ocpi/emsp/2.1.1/locations/NL/OTH/L3')
    .set(as(tokenC))
    .send({ ...location211, id: 'L3', evses: [] });
  expect(res.body.status_code).toBeGreaterThanOrEqual(2000);
  expect(res.body.status_code).not.toBe(1000);
});
