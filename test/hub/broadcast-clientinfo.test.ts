/**
 * Broadcast push through the outbox, the hub's ClientInfo list and its pushes, and our own
 * hubclientinfo RECEIVER (this platform behind another hub).
 */
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { ok } from '../helpers/fake-peer.js';
import { aRegisteredPeer } from '../helpers/registered-peer.js';
import { aCredentialsRole, aParty } from '../helpers/builders.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { HUB, type HubPeer, aHubPeer, enableHub, viaHub } from './hub-helpers.js';

let hub: TestPlatform;
let cpo: HubPeer;
let emsp: HubPeer;
let nsp: HubPeer;

const acceptAll = (peer: HubPeer) => {
  for (const m of ['PUT', 'PATCH']) {
    peer.fake.on(m, '/locations/receiver/*', (_req, res) => void res.json(ok()));
    peer.fake.on(m, '/hubclientinfo/receiver/*', (_req, res) => void res.json(ok()));
  }
};

beforeAll(async () => {
  hub = await startTestPlatform('hub_broadcast', { env: FAST_DELIVERY });
  await enableHub(hub);
  cpo = await aHubPeer(hub, 'CPO', 'NL', 'CPO');
  emsp = await aHubPeer(hub, 'EMSP', 'DE', 'EMS');
  nsp = await aHubPeer(hub, 'NSP', 'BE', 'NAV');
  [cpo, emsp, nsp].forEach(acceptAll);
});

afterAll(async () => {
  await Promise.all([cpo?.fake.close(), emsp?.fake.close(), nsp?.fake.close()]);
  await hub?.stop();
});

describe('broadcast push', () => {
  test('a PATCH addressed to the hub reaches every party of the opposite role, from the hub, and the hub answers at once', async () => {
    const body = { status: 'CHARGING', last_updated: '2026-02-01T08:00:00Z' };
    const res = await viaHub(hub, cpo, 'patch', '/locations/receiver/NL/CPO/LOC1/EVSE1', HUB).set('X-Correlation-ID', 'broadcast-corr-1').send(body).expect(200);
    expect(res.body.status_code).toBe(1000);
    expect(res.headers).toMatchObject({ 'ocpi-to-country-code': 'NL', 'ocpi-to-party-id': 'CPO', 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'HUB' });
    for (const receiver of [emsp, nsp]) {
      const got = await eventually(() => {
        const r = receiver.fake.received.find((x) => x.method === 'PATCH' && x.path === '/locations/receiver/NL/CPO/LOC1/EVSE1');
        expect(r).toBeDefined();
        return r!;
      });
      expect(got.body).toEqual(body);
      expect(got.headers).toMatchObject({
        'ocpi-from-country-code': 'NL',
        'ocpi-from-party-id': 'HUB',
        'ocpi-to-country-code': receiver.party.country_code,
        'ocpi-to-party-id': receiver.party.party_id,
      });
      // Each copy continues the broadcaster's exchange, under a request id of its own.
      expect(got.headers['x-correlation-id']).toBe('broadcast-corr-1');
      expect(got.headers['x-request-id']).not.toBe(res.headers['x-request-id']);
    }
    expect(cpo.fake.received.some((x) => x.path.startsWith('/locations/receiver/'))).toBe(false);
  });

  test('a GET addressed to the hub on a RECEIVER interface is refused: GET is never broadcast', async () => {
    const res = await viaHub(hub, cpo, 'get', '/locations/receiver/NL/CPO/LOC1', HUB);
    expect(res.body.status_code).toBe(2001);
  });
});

describe('hubclientinfo SENDER', () => {
  test('lists every party reachable through the hub with its role and CONNECTED', async () => {
    const res = await eventually(async () => {
      const r = await request(hub.url).get('/ocpi/hub/2.2.1/hubclientinfo').set('Authorization', tokenHeader(emsp.tokenC)).expect(200);
      expect(r.body.data).toHaveLength(3);
      return r;
    });
    expect(res.body.data).toEqual(
      expect.arrayContaining([
        { country_code: 'NL', party_id: 'CPO', role: 'CPO', status: 'CONNECTED', last_updated: expect.any(String) },
        { country_code: 'DE', party_id: 'EMS', role: 'EMSP', status: 'CONNECTED', last_updated: expect.any(String) },
        { country_code: 'BE', party_id: 'NAV', role: 'NSP', status: 'CONNECTED', last_updated: expect.any(String) },
      ]),
    );
    expect(res.headers['x-total-count']).toBe('3');
    // Configuration module: no routing headers.
    expect(Object.keys(res.headers).filter((h) => h.startsWith('ocpi-'))).toEqual([]);
  });

  test('PUTs every party to the other peers, and a suspension as SUSPENDED', async () => {
    const put = (peer: HubPeer, path: string, status: string) =>
      eventually(() => expect(peer.fake.received.some((r) => r.method === 'PUT' && r.path === path && (r.body as { status: string })?.status === status)).toBe(true));
    await put(emsp, '/hubclientinfo/receiver/NL/CPO', 'CONNECTED');
    await put(cpo, '/hubclientinfo/receiver/DE/EMS', 'CONNECTED');
    expect(emsp.fake.received.some((r) => r.path === '/hubclientinfo/receiver/DE/EMS')).toBe(false);
    await hub.admin().post(`/peers/${nsp.peerId}/suspend`, {}).expect(200);
    await put(cpo, '/hubclientinfo/receiver/BE/NAV', 'SUSPENDED');
    await put(emsp, '/hubclientinfo/receiver/BE/NAV', 'SUSPENDED');
    const parties = await hub.admin().get('/hub/parties').expect(200);
    expect(parties.body).toContainEqual(expect.objectContaining({ country_code: 'BE', party_id: 'NAV', status: 'SUSPENDED' }));
    await hub.admin().post(`/peers/${nsp.peerId}/resume`, {}).expect(200);
  });

  test('a failed forward marks the party OFFLINE and tells the others', async () => {
    const down = await aHubPeer(hub, 'EMSP', 'FR', 'DWN');
    await eventually(async () => expect((await hub.admin().get('/hub/parties')).body).toContainEqual(expect.objectContaining({ party_id: 'DWN', status: 'CONNECTED' })));
    await down.fake.close();
    const res = await viaHub(hub, cpo, 'get', '/tokens/sender', down.party);
    expect(res.body.status_code).toBe(4003);
    await eventually(() => expect(cpo.fake.received.some((r) => r.path === '/hubclientinfo/receiver/FR/DWN' && (r.body as { status: string }).status === 'OFFLINE')).toBe(true));
  });

  test('a broadcast push the party cannot take marks it OFFLINE, and one it takes again CONNECTED', async () => {
    const flaky = await aHubPeer(hub, 'EMSP', 'FR', 'FLK');
    let down = true;
    for (const m of ['PUT', 'PATCH']) {
      flaky.fake.on(m, '/locations/receiver/*', (_req, res) => void (down ? res.status(503).end() : res.json(ok())));
      flaky.fake.on(m, '/hubclientinfo/receiver/*', (_req, res) => void res.json(ok()));
    }
    await eventually(async () => expect((await hub.admin().get('/hub/parties')).body).toContainEqual(expect.objectContaining({ party_id: 'FLK', status: 'CONNECTED' })));
    await viaHub(hub, cpo, 'patch', '/locations/receiver/NL/CPO/LOC1/EVSE2', HUB).send({ status: 'BLOCKED', last_updated: '2026-02-01T09:00:00Z' }).expect(200);
    await eventually(async () => expect((await hub.admin().get('/hub/parties')).body).toContainEqual(expect.objectContaining({ party_id: 'FLK', status: 'OFFLINE' })));
    down = false;
    await eventually(async () => expect((await hub.admin().get('/hub/parties')).body).toContainEqual(expect.objectContaining({ party_id: 'FLK', status: 'CONNECTED' })), 15000);
    await flaky.fake.close();
  });
});

describe('liveness', () => {
  test('a peer silent for longer than liveness_minutes whose versions endpoint does not answer turns OFFLINE', async () => {
    const idle = await aHubPeer(hub, 'EMSP', 'FR', 'IDL');
    await eventually(async () => expect((await hub.admin().get('/hub/parties')).body).toContainEqual(expect.objectContaining({ party_id: 'IDL', status: 'CONNECTED' })));
    await hub.admin().put('/hub', { country_code: 'NL', party_id: 'HUB', liveness_minutes: 1 }).expect(200);
    await idle.fake.close();
    await hub.ctx.db.peer.update({ where: { id: idle.peerId }, data: { lastContactAt: new Date(Date.now() - 3_600_000) } });
    await eventually(async () => expect((await hub.admin().get('/hub/parties')).body).toContainEqual(expect.objectContaining({ party_id: 'IDL', status: 'OFFLINE' })), 15000);
  });
});

describe('our hubclientinfo RECEIVER (this platform behind another hub)', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform('hub_behind');
    await platform
      .admin()
      .post('/parties', aParty({ country_code: 'DE', party_id: 'EMS', role: 'EMSP' }))
      .expect(201);
  });
  afterAll(async () => platform?.stop());

  test('stores what a hub PUTs, answers it on GET, and lets the hub speak for that party', async () => {
    const otherHub = await aRegisteredPeer(platform, [aCredentialsRole({ role: 'HUB', country_code: 'NL', party_id: 'HUB' })]);
    const info = { country_code: 'NL', party_id: 'CPO', role: 'CPO', status: 'CONNECTED', last_updated: '2026-03-01T00:00:00Z' };
    const put = await request(platform.url).put('/ocpi/2.2.1/hubclientinfo/NL/CPO').set('Authorization', tokenHeader(otherHub.tokenC)).send(info).expect(200);
    expect(put.body.status_code).toBe(1000);
    const got = await request(platform.url).get('/ocpi/2.2.1/hubclientinfo/NL/CPO').set('Authorization', tokenHeader(otherHub.tokenC)).expect(200);
    expect(got.body.data).toEqual({ ...info, last_updated: '2026-03-01T00:00:00.000Z' });
    // An older ClientInfo does not undo a newer one.
    await request(platform.url)
      .put('/ocpi/2.2.1/hubclientinfo/NL/CPO')
      .set('Authorization', tokenHeader(otherHub.tokenC))
      .send({ ...info, status: 'OFFLINE', last_updated: '2026-01-01T00:00:00Z' })
      .expect(200);
    expect((await request(platform.url).get('/ocpi/2.2.1/hubclientinfo/NL/CPO').set('Authorization', tokenHeader(otherHub.tokenC))).body.data.status).toBe('CONNECTED');
    // The hub may now send as NL/CPO (a party behind it); a party it never reported stays refused.
    const location = {
      country_code: 'NL',
      party_id: 'CPO',
      id: 'LOC9',
      publish: true,
      address: 'x',
      city: 'y',
      country: 'NLD',
      coordinates: { latitude: '52.0', longitude: '4.0' },
      time_zone: 'Europe/Amsterdam',
      last_updated: '2026-03-01T00:00:00Z',
    };
    const asCpo = await request(platform.url)
      .put('/ocpi/emsp/2.2.1/locations/NL/CPO/LOC9')
      .set('Authorization', tokenHeader(otherHub.tokenC))
      .set({ 'OCPI-from-country-code': 'NL', 'OCPI-from-party-id': 'CPO', 'OCPI-to-country-code': 'DE', 'OCPI-to-party-id': 'EMS' })
      .send(location);
    expect(asCpo.status).not.toBe(403);
    const asStranger = await request(platform.url)
      .get('/ocpi/emsp/2.2.1/locations/FR/XXX/LOC9')
      .set('Authorization', tokenHeader(otherHub.tokenC))
      .set({ 'OCPI-from-country-code': 'FR', 'OCPI-from-party-id': 'XXX', 'OCPI-to-country-code': 'DE', 'OCPI-to-party-id': 'EMS' });
    expect(asStranger.status).toBe(403);
    await otherHub.fake.close();
  });

  test('refuses ClientInfo from a connection that is not a hub', async () => {
    const peer = await aRegisteredPeer(platform, [aCredentialsRole({ role: 'CPO', country_code: 'NL', party_id: 'CP3' })]);
    const res = await request(platform.url)
      .put('/ocpi/2.2.1/hubclientinfo/NL/CP3')
      .set('Authorization', tokenHeader(peer.tokenC))
      .send({ country_code: 'NL', party_id: 'CP3', role: 'CPO', status: 'CONNECTED', last_updated: '2026-03-01T00:00:00Z' });
    expect(res.status).toBe(403);
    await peer.fake.close();
  });
});
