/**
 * Party-to-party routing through the hub with fake peers: forwarding and its headers, the hub
 * error codes, sender checks, blocked pairs, aliases for Links and response_urls.
 */
import { eventually } from '../helpers/eventually.js';
import { ok } from '../helpers/fake-peer.js';
import { aLocation } from '../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { decodeToken } from '../helpers/fake-peer.js';
import { HUB, type HubPeer, aHubPeer, enableHub, viaHub } from './hub-helpers.js';

let hub: TestPlatform;
let cpo: HubPeer;
let emsp: HubPeer;
let other: HubPeer;

beforeAll(async () => {
  hub = await startTestPlatform('hub_routing');
  await enableHub(hub, { forward_timeout_ms: 300 });
  cpo = await aHubPeer(hub, 'CPO', 'NL', 'CPO');
  emsp = await aHubPeer(hub, 'EMSP', 'DE', 'EMS');
  other = await aHubPeer(hub, 'EMSP', 'BE', 'OTH');
});

afterAll(async () => {
  await Promise.all([cpo?.fake.close(), emsp?.fake.close(), other?.fake.close()]);
  await hub?.stop();
});

const LOCATION = { country_code: 'NL', party_id: 'CPO', id: 'LOC1', last_updated: '2026-01-01T10:00:00.123456Z' };

describe('hub version details and credentials', () => {
  test('the hub presents role HUB and advertises both interfaces of every functional module at hub URLs', async () => {
    const details = await request(hub.url).get('/ocpi/2.2.1').set('Authorization', tokenHeader(emsp.tokenC)).expect(200);
    const ids = details.body.data.endpoints.map((e: { identifier: string; role: string }) => `${e.identifier}:${e.role}`);
    for (const m of ['locations', 'sessions', 'cdrs', 'tariffs', 'tokens', 'commands', 'chargingprofiles']) {
      expect(ids).toContain(`${m}:SENDER`);
      expect(ids).toContain(`${m}:RECEIVER`);
    }
    expect(ids).toContain('hubclientinfo:SENDER');
    expect(details.body.data.endpoints).toContainEqual({ identifier: 'locations', role: 'SENDER', url: `${hub.url}/ocpi/hub/2.2.1/locations/sender` });
    const creds = await request(hub.url).get('/ocpi/2.2.1/credentials').set('Authorization', tokenHeader(emsp.tokenC)).expect(200);
    expect(creds.body.data.roles).toEqual([expect.objectContaining({ role: 'HUB', country_code: 'NL', party_id: 'HUB' })]);
  });
});

describe('party-to-party forwarding', () => {
  test('forwards to the receiver with its token, a new X-Request-ID, the same X-Correlation-ID and the routing headers; relays its answer', async () => {
    cpo.fake.on('GET', '/locations/sender/LOC1', (_req, res) => void res.json(ok(LOCATION)));
    cpo.fake.received.length = 0;
    const res = await viaHub(hub, emsp, 'get', '/locations/sender/LOC1', cpo.party).expect(200);
    expect(res.body).toMatchObject({ status_code: 1000, data: LOCATION });
    // last_updated untouched, to the digit.
    expect(res.body.data.last_updated).toBe('2026-01-01T10:00:00.123456Z');
    const atCpo = cpo.fake.received.find((r) => r.path === '/locations/sender/LOC1')!;
    expect(decodeToken(atCpo.headers['authorization'] as string)).toBe(cpo.tokenB);
    expect(atCpo.headers['x-request-id']).not.toBe('req-1');
    expect(atCpo.headers['x-correlation-id']).toBe('corr-1');
    expect(atCpo.headers).toMatchObject({ 'ocpi-from-country-code': 'DE', 'ocpi-from-party-id': 'EMS', 'ocpi-to-country-code': 'NL', 'ocpi-to-party-id': 'CPO' });
    // Hub -> requester: to = requester, from = receiver; the requester's ids echoed.
    expect(res.headers).toMatchObject({
      'ocpi-to-country-code': 'DE',
      'ocpi-to-party-id': 'EMS',
      'ocpi-from-country-code': 'NL',
      'ocpi-from-party-id': 'CPO',
      'x-request-id': 'req-1',
      'x-correlation-id': 'corr-1',
    });
  });

  test("passes the receiver's 2xxx answers through unchanged", async () => {
    cpo.fake.on(
      'GET',
      '/locations/sender/NOPE',
      (_req, res) => void res.status(404).json({ status_code: 2003, status_message: 'Unknown location NOPE', timestamp: new Date().toISOString() }),
    );
    const res = await viaHub(hub, emsp, 'get', '/locations/sender/NOPE', cpo.party).expect(404);
    expect(res.body).toMatchObject({ status_code: 2003, status_message: 'Unknown location NOPE' });
  });

  test('forwards a PUT body as received (last_updated untouched)', async () => {
    let got: unknown;
    emsp.fake.on('PUT', '/locations/receiver/NL/CPO/LOC1', (req, res) => {
      got = req.body;
      res.json(ok());
    });
    await viaHub(hub, cpo, 'put', '/locations/receiver/NL/CPO/LOC1', emsp.party).send(LOCATION).expect(200);
    expect(got).toEqual(LOCATION);
  });

  test('answers 4001 for a receiver the hub does not know', async () => {
    const res = await viaHub(hub, emsp, 'get', '/locations/sender/LOC1', { country_code: 'FR', party_id: 'XXX' }).expect(200);
    expect(res.body.status_code).toBe(4001);
  });

  test('answers 4002 when the forwarded request times out', async () => {
    cpo.fake.on('GET', '/locations/sender/SLOW', async (_req, res) => {
      await new Promise((r) => setTimeout(r, 1500));
      res.json(ok());
    });
    const res = await viaHub(hub, emsp, 'get', '/locations/sender/SLOW', cpo.party).expect(200);
    expect(res.body.status_code).toBe(4002);
  });

  test('answers 4000 when the receiver answers without an OCPI envelope', async () => {
    cpo.fake.on('GET', '/locations/sender/HTML', (_req, res) => void res.status(502).send('<html>bad gateway</html>'));
    const res = await viaHub(hub, emsp, 'get', '/locations/sender/HTML', cpo.party).expect(200);
    expect(res.body.status_code).toBe(4000);
  });

  test('refuses a sender that names a party it did not register (403, 2000), and forwards nothing', async () => {
    cpo.fake.received.length = 0;
    const res = await viaHub(hub, emsp, 'get', '/locations/sender/LOC1', cpo.party, { country_code: 'BE', party_id: 'OTH' }).expect(403);
    expect(res.body.status_code).toBe(2000);
    expect(cpo.fake.received).toEqual([]);
  });

  test('a party writes only its own objects through the hub: client-owned URL, CDR owner, command token', async () => {
    emsp.fake.received.length = 0;
    cpo.fake.received.length = 0;
    const foreignUrl = await viaHub(hub, other, 'put', '/locations/receiver/NL/CPO/LOC1', emsp.party).send(LOCATION).expect(404);
    expect(foreignUrl.body.status_code).toBe(2000);
    const foreignCdr = await viaHub(hub, cpo, 'post', '/cdrs/receiver', emsp.party).send({ country_code: 'NL', party_id: 'CP9', id: 'CDR1' }).expect(200);
    expect(foreignCdr.body.status_code).toBe(2001);
    const foreignToken = await viaHub(hub, emsp, 'post', '/commands/receiver/START_SESSION', cpo.party)
      .send({ response_url: `${emsp.fake.url}/cb`, token: { country_code: 'BE', party_id: 'OTH', uid: 'X' }, location_id: 'LOC1' })
      .expect(200);
    expect(foreignToken.body.status_code).toBe(2001);
    expect([...emsp.fake.received, ...cpo.fake.received].filter((r) => !r.path.startsWith('/hubclientinfo'))).toEqual([]);
  });

  test('a blocked pair gets 4001 in the blocked direction only, until the operator unblocks it', async () => {
    await hub
      .admin()
      .post('/hub/blocked-pairs', { from: { country_code: 'BE', party_id: 'OTH' }, to: { country_code: 'NL', party_id: 'CPO' } })
      .expect(201);
    const blocked = await viaHub(hub, other, 'get', '/locations/sender/LOC1', cpo.party).expect(200);
    expect(blocked.body.status_code).toBe(4001);
    expect((await viaHub(hub, emsp, 'get', '/locations/sender/LOC1', cpo.party)).body.status_code).toBe(1000);
    await hub.admin().delete('/hub/blocked-pairs/BE/OTH/NL/CPO').expect(200);
    await hub.admin().delete('/hub/blocked-pairs/NL/CPO/BE/OTH').expect(200);
    await new Promise((r) => setTimeout(r, 10));
    expect((await viaHub(hub, other, 'get', '/locations/sender/LOC1', cpo.party)).body.status_code).toBe(1000);
  });

  test("rewrites a receiver's Link header to a hub URL that only the requester can follow", async () => {
    cpo.fake.on('GET', '/tariffs/sender', (req, res) => {
      if (req.query.offset === '1') return void res.set('X-Total-Count', '2').json(ok([{ id: 'T2' }]));
      res
        .set('X-Total-Count', '2')
        .set('X-Limit', '1')
        .set('Link', `<${cpo.fake.url}/tariffs/sender?offset=1&limit=1>; rel="next"`)
        .json(ok([{ id: 'T1' }]));
    });
    const first = await viaHub(hub, emsp, 'get', '/tariffs/sender', cpo.party).expect(200);
    expect(first.headers['x-total-count']).toBe('2');
    const link = /<([^>]+)>; rel="next"/.exec(first.headers['link'])![1];
    expect(link.startsWith(`${hub.url}/ocpi/hub/link/`)).toBe(true);
    expect(link).not.toContain(cpo.fake.url.replace('http://', ''));
    const path = new URL(link).pathname;
    const second = await request(hub.url).get(path).set('Authorization', tokenHeader(emsp.tokenC)).expect(200);
    expect(second.body.data).toEqual([{ id: 'T2' }]);
    expect(second.headers).toMatchObject({ 'ocpi-to-party-id': 'EMS', 'ocpi-from-party-id': 'CPO' });
    // Another peer cannot use it, and an altered link is unknown.
    await request(hub.url).get(path).set('Authorization', tokenHeader(other.tokenC)).expect(404);
    const sealed = path.split('/').pop()!;
    const altered = `${sealed.slice(0, 40)}${sealed[40] === 'A' ? 'B' : 'A'}${sealed.slice(41)}`;
    await request(hub.url).get(`/ocpi/hub/link/${altered}`).set('Authorization', tokenHeader(emsp.tokenC)).expect(404);
  });

  test("drops a receiver's Link that leaves its own origin (the hub would follow it with the receiver's token)", async () => {
    cpo.fake.on(
      'GET',
      '/cdrs/sender',
      (_req, res) =>
        void res
          .set('X-Total-Count', '2')
          .set('Link', '<http://127.0.0.1:9/elsewhere?offset=1>; rel="next"')
          .json(ok([{ id: 'C1' }])),
    );
    const res = await viaHub(hub, emsp, 'get', '/cdrs/sender', cpo.party).expect(200);
    expect(res.body.data).toEqual([{ id: 'C1' }]);
    expect(res.headers['link']).toBeUndefined();
  });

  test('replaces a command response_url by a hub URL that forwards the CommandResult to the requester', async () => {
    let forwarded: { response_url: string } | undefined;
    cpo.fake.on('POST', '/commands/receiver/START_SESSION', (req, res) => {
      forwarded = req.body;
      res.json(ok({ result: 'ACCEPTED', timeout: 30 }));
    });
    const original = `${emsp.fake.url}/commands/sender/START_SESSION/42`;
    const res = await viaHub(hub, emsp, 'post', '/commands/receiver/START_SESSION', cpo.party).send({ response_url: original, token: {}, location_id: 'LOC1' }).expect(200);
    expect(res.body.data).toEqual({ result: 'ACCEPTED', timeout: 30 });
    expect(forwarded!.response_url.startsWith(`${hub.url}/ocpi/hub/alias/`)).toBe(true);

    let result: { body: unknown; headers: Record<string, unknown> } | undefined;
    emsp.fake.on('POST', '/commands/sender/START_SESSION/42', (req, r) => {
      result = { body: req.body, headers: req.headers };
      r.json(ok());
    });
    const cb = await request(hub.url).post(new URL(forwarded!.response_url).pathname).set('Authorization', tokenHeader(cpo.tokenC)).send({ result: 'ACCEPTED' }).expect(200);
    expect(cb.body.status_code).toBe(1000);
    expect(result!.body).toEqual({ result: 'ACCEPTED' });
    expect(decodeToken(result!.headers['authorization'] as string)).toBe(emsp.tokenB);
    expect(result!.headers).toMatchObject({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'CPO', 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'EMS' });
  });
});

describe('open routing (no OCPI-to-*)', () => {
  test('goes to the only reachable party of the opposite role that offers the interface', async () => {
    cpo.fake.on('GET', '/tariffs/sender/T9', (_req, res) => void res.json(ok({ id: 'T9' })));
    const res = await viaHub(hub, emsp, 'get', '/tariffs/sender/T9').expect(200);
    expect(res.body.data).toEqual({ id: 'T9' });
    expect(res.headers).toMatchObject({ 'ocpi-to-party-id': 'EMS', 'ocpi-from-party-id': 'CPO' });
  });

  test('a GET with several candidates is 4001; a PUT with several candidates is broadcast', async () => {
    const get = await viaHub(hub, cpo, 'get', '/tokens/sender/UID1').expect(200);
    expect(get.body.status_code).toBe(4001);
    const put = await viaHub(hub, cpo, 'put', '/locations/receiver/NL/CPO/LOC7').send(LOCATION).expect(200);
    expect(put.body.status_code).toBe(1000);
    expect(put.headers).toMatchObject({ 'ocpi-to-party-id': 'CPO', 'ocpi-from-party-id': 'HUB' });
  });
});

describe('open routing by content', () => {
  test("a command naming a location the hub saw created goes to that location's CPO", async () => {
    const cpx = await aHubPeer(hub, 'CPO', 'NL', 'CPX');
    await viaHub(hub, cpo, 'put', '/locations/receiver/NL/CPO/LOC55', HUB)
      .send({ ...LOCATION, id: 'LOC55' })
      .expect(200);
    let atCpo: unknown;
    cpo.fake.on('POST', '/commands/receiver/START_SESSION', (req, res) => {
      atCpo = req.headers;
      res.json(ok({ result: 'ACCEPTED', timeout: 30 }));
    });
    const res = await eventually(async () => {
      const r = await viaHub(hub, emsp, 'post', '/commands/receiver/START_SESSION').send({ response_url: `${emsp.fake.url}/cb/1`, token: {}, location_id: 'loc55' });
      expect(r.body.data).toEqual({ result: 'ACCEPTED', timeout: 30 });
      return r;
    });
    expect(res.headers).toMatchObject({ 'ocpi-to-party-id': 'EMS', 'ocpi-from-party-id': 'CPO' });
    expect(atCpo).toMatchObject({ 'ocpi-to-party-id': 'CPO', 'ocpi-from-party-id': 'EMS' });
    expect(cpx.fake.received.some((r) => r.path.startsWith('/commands/'))).toBe(false);
    await hub.admin().post(`/peers/${cpx.peerId}/suspend`, {}).expect(200);
    await cpx.fake.close();
  });
});

describe('parties hosted on the hub platform itself', () => {
  test('a request to a local party through the hub URL is served by our own module interface', async () => {
    await hub
      .admin()
      .post('/parties', { country_code: 'NL', party_id: 'LOC', role: 'CPO', business_details: { name: 'Local CPO' } })
      .expect(201);
    const loc = { ...aLocation('LOCAL1'), country_code: 'NL', party_id: 'LOC' };
    await hub.admin().put('/parties/NL/LOC/locations/LOCAL1', loc).expect(200);
    const res = await eventually(async () => {
      const r = await viaHub(hub, emsp, 'get', '/locations/sender/LOCAL1', { country_code: 'NL', party_id: 'LOC' });
      expect(r.body.status_code).toBe(1000);
      return r;
    });
    expect(res.body.data.id).toBe('LOCAL1');
    expect(res.headers).toMatchObject({ 'ocpi-to-party-id': 'EMS', 'ocpi-from-party-id': 'LOC' });
    await hub.admin().delete('/parties/NL/LOC').expect(204);
  });
});

describe('charging profiles', () => {
  test('a response_url in the query of a GET is replaced by a hub alias', async () => {
    let seen: string | undefined;
    cpo.fake.on('GET', '/chargingprofiles/receiver/S1', (req, res) => {
      seen = String(req.query.response_url);
      res.json(ok({ result: 'ACCEPTED', timeout: 10 }));
    });
    const url = encodeURIComponent(`${emsp.fake.url}/chargingprofiles/sender/S1/cb`);
    await viaHub(hub, emsp, 'get', `/chargingprofiles/receiver/S1?duration=900&response_url=${url}`, cpo.party).expect(200);
    expect(seen!.startsWith(`${hub.url}/ocpi/hub/alias/`)).toBe(true);
  });
});

describe('a receiver that is not connected', () => {
  test('answers 4003 for a suspended connection and when the receiver cannot be reached', async () => {
    await hub.admin().post(`/peers/${other.peerId}/suspend`, {}).expect(200);
    // The hub's view of connections is cached for a second.
    await eventually(async () => expect((await viaHub(hub, cpo, 'get', '/locations/receiver/NL/CPO/LOC1', other.party)).body.status_code).toBe(4003));
    await hub.admin().post(`/peers/${other.peerId}/resume`, {}).expect(200);

    const gone = await aHubPeer(hub, 'EMSP', 'FR', 'GON');
    await gone.fake.close();
    const res = await viaHub(hub, cpo, 'put', '/locations/receiver/NL/CPO/LOC1', gone.party).send(LOCATION).expect(200);
    expect(res.body.status_code).toBe(4003);
  });
});

describe('GET all via the hub', () => {
  test('merges the lists of every CPO with one pagination across them', async () => {
    const second = await aHubPeer(hub, 'CPO', 'NL', 'CP2');
    const serve = (peer: HubPeer, ids: string[]) =>
      peer.fake.on('GET', '/locations/sender', (req, res) => {
        const offset = Number(req.query.offset ?? 0);
        const limit = Number(req.query.limit ?? 100);
        res.set('X-Total-Count', String(ids.length)).json(ok(ids.slice(offset, offset + limit).map((id) => ({ id, party_id: peer.party.party_id }))));
      });
    serve(cpo, ['A1', 'A2', 'A3']);
    serve(second, ['B1', 'B2']);
    const seen: string[] = [];
    let res = await eventually(async () => {
      const r = await viaHub(hub, emsp, 'get', '/locations/sender?limit=2', HUB).expect(200);
      expect(r.headers['x-total-count']).toBe('5');
      return r;
    });
    expect(res.headers).toMatchObject({ 'ocpi-to-party-id': 'EMS', 'ocpi-from-party-id': 'HUB' });
    for (;;) {
      seen.push(...res.body.data.map((d: { id: string }) => d.id));
      const link = /<([^>]+)>/.exec(res.headers['link'] ?? '')?.[1];
      if (!link) break;
      const u = new URL(link);
      res = await viaHub(hub, emsp, 'get', `${u.pathname.replace('/ocpi/hub/2.2.1', '')}${u.search}`, HUB).expect(200);
    }
    expect(seen.sort()).toEqual(['A1', 'A2', 'A3', 'B1', 'B2']);
    await second.fake.close();
  });
});
