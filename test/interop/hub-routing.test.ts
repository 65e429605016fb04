/**
 * Our platform as a hub: what it fans out and what it routes. A CPO platform and two eMSP
 * platforms (scriptable fake peers) are connected to the hub. Sessions and CDRs reach only the
 * eMSP of their cdr_token; commands and charging profiles the hub cannot route are refused with
 * 4001 and never broadcast; locations, tariffs and tokens are broadcast, with a `response_url`
 * made a hub alias per receiver; our credentials present only the HUB role; the Location of a
 * CDR stays usable as long as the CDR.
 */
import type { Request, Response } from 'express';
import { purgeExpiredAliases } from '../../src/hub/aliases.js';
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { ok, startFakePeer } from '../helpers/fake-peer.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { HUB, type HubPeer, aHubPeer, enableHub, viaHub } from '../hub/hub-helpers.js';

let hub: TestPlatform;
let cpo: HubPeer;
let emspA: HubPeer;
let emspB: HubPeer;

const cdrToken = (party: HubPeer) => ({ country_code: party.party.country_code, party_id: party.party.party_id, uid: 'U1', type: 'RFID', contract_id: 'C1' });
const aSession = (id: string, owner: HubPeer) => ({
  country_code: 'NL',
  party_id: 'CPO',
  id,
  start_date_time: '2026-01-01T10:00:00Z',
  kwh: 0,
  cdr_token: cdrToken(owner),
  auth_method: 'WHITELIST',
  location_id: 'LOC1',
  evse_uid: 'E1',
  connector_id: '1',
  currency: 'EUR',
  status: 'ACTIVE',
  last_updated: '2026-01-01T10:00:00Z',
});
const aCdr = (id: string, owner: HubPeer) => ({ country_code: 'NL', party_id: 'CPO', id, cdr_token: cdrToken(owner), total_energy: 10, last_updated: '2026-01-01T12:00:00Z' });
const receivedBy = (peer: HubPeer, method: string, prefix: string) => peer.fake.received.filter((r) => r.method === method && r.path.startsWith(prefix));
const outboxOf = (module: string) => hub.ctx.db.outboxMessage.findMany({ where: { module } });

beforeAll(async () => {
  hub = await startTestPlatform('interop_hub_routing', { env: FAST_DELIVERY });
  await enableHub(hub);
  cpo = await aHubPeer(hub, 'CPO', 'NL', 'CPO');
  emspA = await aHubPeer(hub, 'EMSP', 'DE', 'EMA');
  emspB = await aHubPeer(hub, 'EMSP', 'BE', 'EMB');
  for (const emsp of [emspA, emspB]) {
    emsp.fake.on('PUT', '/sessions/receiver/*', (_req: Request, res: Response) => void res.json(ok()));
    emsp.fake.on('PATCH', '/sessions/receiver/*', (_req: Request, res: Response) => void res.json(ok()));
    emsp.fake.on(
      'POST',
      '/cdrs/receiver',
      (req: Request, res: Response) => void res.set('Location', `${emsp.fake.url}/cdrs/receiver/${(req.body as { id: string }).id}`).json(ok()),
    );
    emsp.fake.on('GET', '/cdrs/receiver/*', (req: Request, res: Response) => void res.json(ok({ id: req.path.split('/').pop() })));
    emsp.fake.on('PUT', '/locations/receiver/*', (_req: Request, res: Response) => void res.json(ok()));
    emsp.fake.on('PUT', '/tariffs/receiver/*', (_req: Request, res: Response) => void res.json(ok()));
    emsp.fake.on('POST', '/callbacks/*', (_req: Request, res: Response) => void res.json(ok()));
  }
  cpo.fake.on('PUT', '/tokens/receiver/*', (_req: Request, res: Response) => void res.json(ok()));
});

afterAll(async () => {
  await Promise.all([cpo?.fake.close(), emspA?.fake.close(), emspB?.fake.close()]);
  await hub?.stop();
});

describe('sessions and CDRs go only to the eMSP of their cdr_token', () => {
  test('a session PUT addressed to the hub reaches only its cdr_token owner, party to party; nothing is broadcast', async () => {
    const res = await viaHub(hub, cpo, 'put', '/sessions/receiver/NL/CPO/S1', HUB).send(aSession('S1', emspA)).expect(200);
    expect(res.body.status_code).toBe(1000);
    // Party to party (transport §9.2): answered from the receiver, not from the hub.
    expect(res.headers).toMatchObject({ 'ocpi-to-party-id': 'CPO', 'ocpi-from-country-code': 'DE', 'ocpi-from-party-id': 'EMA' });
    const [atA] = receivedBy(emspA, 'PUT', '/sessions/receiver/NL/CPO/S1');
    expect(atA.headers).toMatchObject({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'CPO', 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'EMA' });
    expect(receivedBy(emspB, 'PUT', '/sessions/')).toHaveLength(0);
    expect(await outboxOf('sessions')).toHaveLength(0);
  });

  test('a session PATCH without OCPI-to-* and without cdr_token goes to the eMSP its PUT named', async () => {
    const res = await viaHub(hub, cpo, 'patch', '/sessions/receiver/NL/CPO/S1').send({ kwh: 5, last_updated: '2026-01-01T10:30:00Z' }).expect(200);
    expect(res.body.status_code).toBe(1000);
    expect(receivedBy(emspA, 'PATCH', '/sessions/receiver/NL/CPO/S1')).toHaveLength(1);
    expect(receivedBy(emspB, 'PATCH', '/sessions/')).toHaveLength(0);
  });

  test('a CDR POST without OCPI-to-* reaches only its cdr_token owner', async () => {
    const res = await viaHub(hub, cpo, 'post', '/cdrs/receiver').send(aCdr('CDR1', emspB)).expect(200);
    expect(res.body.status_code).toBe(1000);
    const [atB] = receivedBy(emspB, 'POST', '/cdrs/receiver');
    expect(atB.headers).toMatchObject({ 'ocpi-to-country-code': 'BE', 'ocpi-to-party-id': 'EMB', 'ocpi-from-party-id': 'CPO' });
    expect(receivedBy(emspA, 'POST', '/cdrs/')).toHaveLength(0);
    expect(await outboxOf('cdrs')).toHaveLength(0);
  });

  test('a session whose cdr_token names no party the hub knows gets 4001 and goes nowhere', async () => {
    const stranger = { party: { country_code: 'FR', party_id: 'XXX' } } as HubPeer;
    const res = await viaHub(hub, cpo, 'put', '/sessions/receiver/NL/CPO/S2', HUB).send(aSession('S2', stranger)).expect(200);
    expect(res.body.status_code).toBe(4001);
    for (const emsp of [emspA, emspB]) expect(receivedBy(emsp, 'PUT', '/sessions/receiver/NL/CPO/S2')).toHaveLength(0);
    expect(await outboxOf('sessions')).toHaveLength(0);
  });
});

describe('the Location of a CDR', () => {
  test('becomes a hub alias that does not expire: still usable by the CPO after 24 h and a purge', async () => {
    const res = await viaHub(hub, cpo, 'post', '/cdrs/receiver', HUB).send(aCdr('CDR2', emspA)).expect(200);
    const location = res.headers['location'];
    expect(location).toMatch(new RegExp(`^${hub.url}/ocpi/hub/alias/[0-9a-f]{32}$`));
    const id = location.split('/').pop()!;
    const row = await hub.ctx.db.hubAlias.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ kind: 'LINK', expiresAt: null, callerPeerId: cpo.peerId, targetPeerId: emspA.peerId });
    // Two days pass, and the sweep purges what expired.
    await hub.ctx.db.hubAlias.update({ where: { id }, data: { createdAt: new Date(Date.now() - 48 * 3_600_000) } });
    await purgeExpiredAliases(hub.ctx, new Date(Date.now() + 48 * 3_600_000));
    const got = await request(hub.url).get(new URL(location).pathname).set('Authorization', tokenHeader(cpo.tokenC)).expect(200);
    expect(got.body).toMatchObject({ status_code: 1000, data: { id: 'CDR2' } });
    expect(receivedBy(emspA, 'GET', '/cdrs/receiver/CDR2')).toHaveLength(1);
    // Only read, and only by the peer it was given to.
    expect((await request(hub.url).post(new URL(location).pathname).set('Authorization', tokenHeader(cpo.tokenC)).send({})).status).toBe(404);
    expect((await request(hub.url).get(new URL(location).pathname).set('Authorization', tokenHeader(emspB.tokenC))).status).toBe(404);
  });
});

describe('what cannot be routed is refused, never broadcast', () => {
  test('a command addressed to the hub, and one open-routed with several CPOs, get 4001', async () => {
    const second = await aHubPeer(hub, 'CPO', 'NL', 'CP2');
    // The hub's directory is cached for a second; the new CPO must count as a candidate now.
    hub.ctx.services.hubDirectory.invalidate();
    const body = { response_url: `${emspA.fake.url}/callbacks/1`, token: cdrToken(emspA), location_id: 'NOWHERE' };
    const toHub = await viaHub(hub, emspA, 'post', '/commands/receiver/START_SESSION', HUB).send(body).expect(200);
    expect(toHub.body.status_code).toBe(4001);
    const open = await viaHub(hub, emspA, 'post', '/commands/receiver/START_SESSION').send(body).expect(200);
    expect(open.body.status_code).toBe(4001);
    expect(open.body.status_message).toMatch(/never broadcast/);
    for (const c of [cpo, second]) expect(receivedBy(c, 'POST', '/commands/')).toHaveLength(0);
    expect(await outboxOf('commands')).toHaveLength(0);
    await hub.admin().post(`/peers/${second.peerId}/suspend`, {}).expect(200);
    await second.fake.close();
  });

  test('a charging profile addressed to the hub gets 4001', async () => {
    const res = await viaHub(hub, emspA, 'put', '/chargingprofiles/receiver/S1', HUB)
      .send({ response_url: `${emspA.fake.url}/callbacks/2`, charging_profile: { charging_rate_unit: 'W', charging_profile_period: [] } })
      .expect(200);
    expect(res.body.status_code).toBe(4001);
    expect(receivedBy(cpo, 'PUT', '/chargingprofiles/')).toHaveLength(0);
    expect(await outboxOf('chargingprofiles')).toHaveLength(0);
  });

  test('a real-time authorization addressed to the hub gets 4001', async () => {
    const res = await viaHub(hub, cpo, 'post', '/tokens/sender/U1/authorize?type=RFID', HUB).send({}).expect(200);
    expect(res.body.status_code).toBe(4001);
    expect(await outboxOf('tokens')).toHaveLength(0);
  });
});

describe('broadcast', () => {
  test('a location and a tariff reach every eMSP; a token reaches the CPO', async () => {
    const location = { country_code: 'NL', party_id: 'CPO', id: 'LOCB', last_updated: '2026-01-02T00:00:00Z' };
    const tariff = { country_code: 'NL', party_id: 'CPO', id: 'TB', currency: 'EUR', elements: [], last_updated: '2026-01-02T00:00:00Z' };
    expect((await viaHub(hub, cpo, 'put', '/locations/receiver/NL/CPO/LOCB', HUB).send(location).expect(200)).body.status_code).toBe(1000);
    expect((await viaHub(hub, cpo, 'put', '/tariffs/receiver/NL/CPO/TB', HUB).send(tariff).expect(200)).body.status_code).toBe(1000);
    for (const emsp of [emspA, emspB]) {
      await eventually(() => expect(receivedBy(emsp, 'PUT', '/locations/receiver/NL/CPO/LOCB')).toHaveLength(1));
      await eventually(() => expect(receivedBy(emsp, 'PUT', '/tariffs/receiver/NL/CPO/TB')).toHaveLength(1));
    }
    const token = { ...cdrToken(emspA), uid: 'TOK1', issuer: 'A', valid: true, whitelist: 'ALLOWED', last_updated: '2026-01-02T00:00:00Z' };
    expect((await viaHub(hub, emspA, 'put', '/tokens/receiver/DE/EMA/TOK1', HUB).send(token).expect(200)).body.status_code).toBe(1000);
    await eventually(() => expect(receivedBy(cpo, 'PUT', '/tokens/receiver/DE/EMA/TOK1')).toHaveLength(1));
    expect(receivedBy(emspB, 'PUT', '/tokens/')).toHaveLength(0);
  });

  test('a response_url in a broadcast body becomes, per receiver, a hub alias that leads back to the broadcaster', async () => {
    const original = `${emspA.fake.url}/callbacks/token-TOK2`;
    const token = { ...cdrToken(emspA), uid: 'TOK2', issuer: 'A', valid: true, whitelist: 'ALLOWED', last_updated: '2026-01-02T00:00:00Z', response_url: original };
    await viaHub(hub, emspA, 'put', '/tokens/receiver/DE/EMA/TOK2', HUB).send(token).expect(200);
    const got = await eventually(() => {
      const [r] = receivedBy(cpo, 'PUT', '/tokens/receiver/DE/EMA/TOK2');
      expect(r).toBeDefined();
      return r;
    });
    const aliased = (got.body as { response_url: string }).response_url;
    expect(aliased).toMatch(new RegExp(`^${hub.url}/ocpi/hub/alias/[0-9a-f]{32}$`));
    expect(got.body).toEqual({ ...token, response_url: aliased });
    const back = await request(hub.url).post(new URL(aliased).pathname).set('Authorization', tokenHeader(cpo.tokenC)).send({ result: 'ACCEPTED' }).expect(200);
    expect(back.body.status_code).toBe(1000);
    const [atA] = receivedBy(emspA, 'POST', '/callbacks/token-TOK2');
    expect(atA.headers).toMatchObject({ 'ocpi-from-party-id': 'CPO', 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'EMA' });
  });
});

describe('our credentials while the hub role is on', () => {
  test('present only the HUB role, also when the platform hosts a CPO party; without the hub role, the hosted party', async () => {
    await hub
      .admin()
      .post('/parties', { country_code: 'NL', party_id: 'LOC', role: 'CPO', business_details: aBusinessDetails('Hosted CPO') })
      .expect(201);
    const read = async () => (await request(hub.url).get('/ocpi/2.2.1/credentials').set('Authorization', tokenHeader(emspA.tokenC)).expect(200)).body.data.roles;
    await eventually(async () => expect(await read()).toEqual([expect.objectContaining({ role: 'HUB', country_code: 'NL', party_id: 'HUB' })]));
    await hub.admin().delete('/hub').expect(200);
    await eventually(async () => expect(await read()).toEqual([expect.objectContaining({ role: 'CPO', country_code: 'NL', party_id: 'LOC' })]));
  });
});

describe('routing headers a peer leaves out, through the hub', () => {
  test('a location push without OCPI-from-* from a peer with two CPO parties is attributed to the party in the URL; nothing identifying is HTTP 200 with 2001', async () => {
    // An earlier test turns the hub role off to look at our credentials.
    await enableHub(hub);
    const fake = await startFakePeer();
    try {
      fake.acceptedTokens.add('two-party-token-b');
      const invitation = await hub.admin().post('/peers/invitations', {}).expect(201);
      const roles = [aCredentialsRole({ role: 'CPO', country_code: 'NL', party_id: 'TWA' }), aCredentialsRole({ role: 'CPO', country_code: 'NL', party_id: 'TWB' })];
      const reg = await request(hub.url)
        .post('/ocpi/2.2.1/credentials')
        .set('Authorization', tokenHeader(invitation.body.token))
        .send({ token: 'two-party-token-b', url: fake.versionsUrl, roles })
        .expect(200);
      const token = tokenHeader(reg.body.data.token);
      const location = { country_code: 'NL', party_id: 'TWB', id: 'LOC-TWB', last_updated: '2026-01-01T10:00:00Z' };
      const pushed = await request(hub.url)
        .put('/ocpi/hub/2.2.1/locations/receiver/NL/TWB/LOC-TWB')
        .set('Authorization', token)
        .set('OCPI-to-country-code', emspA.party.country_code)
        .set('OCPI-to-party-id', emspA.party.party_id)
        .send(location)
        .expect(200);
      expect(pushed.body.status_code).toBe(1000);
      expect(pushed.headers['ocpi-to-party-id']).toBe('TWB');
      const nameless = await request(hub.url)
        .get('/ocpi/hub/2.2.1/locations/sender')
        .set('Authorization', token)
        .set('OCPI-to-country-code', HUB.country_code)
        .set('OCPI-to-party-id', HUB.party_id)
        .expect(200);
      expect(nameless.body.status_code).toBe(2001);
      expect(nameless.body.status_message).toContain('OCPI-from-country-code');
    } finally {
      await fake.close();
    }
  });
});
