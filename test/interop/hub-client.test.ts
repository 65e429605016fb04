/**
 * This platform as a client of a hub that offers its ClientInfo only by GET and never pushes it
 * (04-hubclientinfo §1, pull model). Our platform hosts a CPO and an eMSP party; the fake hub
 * lists a CPO (FR/CPX) and an eMSP (BE/EMX) behind it. After connecting we GET that list, then
 * pull the CPO's locations through the hub, send it a command, and our CPO's real-time
 * authorization reaches the eMSP behind the hub.
 */
import type { Request, Response } from 'express';
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { type FakePeer, decodeToken, ok, startFakePeer } from '../helpers/fake-peer.js';
import { aLocation, anEvse } from '../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';

let platform: TestPlatform;
let hub: FakePeer;
let peerId: string;
const TOKEN_B = 'hub-client-token-b';

const CLIENT_INFO = [
  { country_code: 'FR', party_id: 'CPX', role: 'CPO', status: 'CONNECTED', last_updated: '2026-01-01T00:00:00Z' },
  { country_code: 'BE', party_id: 'EMX', role: 'EMSP', status: 'CONNECTED', last_updated: '2026-01-01T00:00:00Z' },
  // The hub's list names our own parties too.
  { country_code: 'NL', party_id: 'CPO', role: 'CPO', status: 'CONNECTED', last_updated: '2026-01-01T00:00:00Z' },
  { country_code: 'DE', party_id: 'EMS', role: 'EMSP', status: 'CONNECTED', last_updated: '2026-01-01T00:00:00Z' },
];
let listed = CLIENT_INFO;

const ENDPOINTS = [
  { identifier: 'hubclientinfo', role: 'SENDER', path: '/hub/hubclientinfo' },
  { identifier: 'locations', role: 'SENDER', path: '/hub/locations/sender' },
  { identifier: 'commands', role: 'RECEIVER', path: '/hub/commands/receiver' },
  { identifier: 'tokens', role: 'SENDER', path: '/hub/tokens/sender' },
];

const clientInfoGets = () => hub.received.filter((r) => r.method === 'GET' && r.path === '/hub/hubclientinfo');
const pullState = (module: string) => platform.ctx.db.pullState.findUnique({ where: { peerId_module: { peerId, module } } });

beforeAll(async () => {
  platform = await startTestPlatform('interop_hub_client', { env: { ...FAST_DELIVERY, PULL_INTERVAL_MINUTES: '60', PULL_JITTER_MINUTES: '0', AUTHORIZATION_TIMEOUT_MS: '2000' } });
  await platform
    .admin()
    .post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails('Our CPO') })
    .expect(201);
  await platform
    .admin()
    .post('/parties', { country_code: 'DE', party_id: 'EMS', role: 'EMSP', business_details: aBusinessDetails('Our eMSP') })
    .expect(201);
  hub = await startFakePeer(ENDPOINTS);
  hub.acceptedTokens.add(TOKEN_B);
  hub.on('GET', '/hub/hubclientinfo', (_req: Request, res: Response) => void res.set('X-Total-Count', String(listed.length)).json(ok(listed)));
  hub.on(
    'GET',
    '/hub/locations/sender',
    (_req: Request, res: Response) =>
      void res
        .set('X-Total-Count', '1')
        .json(ok([aLocation('LOCX', { country_code: 'FR', party_id: 'CPX', evses: [anEvse('EVSEX', { capabilities: ['REMOTE_START_STOP_CAPABLE'] })] })])),
  );
  hub.on('POST', '/hub/commands/receiver/START_SESSION', (_req: Request, res: Response) => void res.json(ok({ result: 'ACCEPTED', timeout: 30 })));
  hub.on(
    'POST',
    '/hub/tokens/sender/*',
    (req: Request, res: Response) =>
      void res.json(
        ok({
          allowed: 'ALLOWED',
          authorization_reference: 'REF-HUB-1',
          token: {
            country_code: 'BE',
            party_id: 'EMX',
            uid: decodeURIComponent(req.path.split('/')[4]),
            type: 'RFID',
            contract_id: 'BE-EMX-C1',
            issuer: 'EMX',
            valid: true,
            whitelist: 'ALWAYS',
            last_updated: '2026-01-01T00:00:00Z',
          },
        }),
      ),
  );
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  peerId = invitation.body.peer_id;
  await request(platform.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: TOKEN_B, url: hub.versionsUrl, roles: [aCredentialsRole({ role: 'HUB', country_code: 'NL', party_id: 'HUB' })] })
    .expect(200);
});

afterAll(async () => {
  await hub?.close();
  await platform?.stop();
});

test("after connecting, our platform GETs the hub's ClientInfo (no routing headers) and stores the parties it lists, other than our own", async () => {
  await eventually(async () => expect(clientInfoGets().length).toBeGreaterThan(0), 20000);
  const first = clientInfoGets()[0];
  expect(decodeToken(first.headers['authorization'] as string)).toBe(TOKEN_B);
  // A configuration module: never routed (transport §9.1).
  expect(Object.keys(first.headers).filter((h) => h.startsWith('ocpi-'))).toEqual([]);
  // The first read is a full one.
  expect(first.query.date_from).toBeUndefined();
  await eventually(async () => {
    const rows = await platform.ctx.db.remoteClientInfo.findMany({ where: { peerId }, orderBy: { partyKey: 'asc' } });
    expect(rows.map((r) => `${r.countryCode}/${r.partyId}/${r.role}/${r.status}`)).toEqual(['BE/EMX/EMSP/CONNECTED', 'FR/CPX/CPO/CONNECTED']);
  });
  // The hub never pushed anything to our RECEIVER.
  expect(hub.received.some((r) => r.method === 'PUT')).toBe(false);
});

test('with no push from the hub, the CPO it lists is pulled through it (GET all to the hub, from our eMSP)', async () => {
  await eventually(async () => {
    const stored = await platform.ctx.db.receivedLocation.findMany();
    expect(stored.map((r) => (r.document as { id: string; party_id: string }).party_id + '/' + (r.document as { id: string }).id)).toEqual(['CPX/LOCX']);
  }, 20000);
  const pull = hub.received.find((r) => r.method === 'GET' && r.path === '/hub/locations/sender')!;
  expect(pull.headers).toMatchObject({ 'ocpi-from-country-code': 'DE', 'ocpi-from-party-id': 'EMS', 'ocpi-to-country-code': 'NL', 'ocpi-to-party-id': 'HUB' });
});

test("a command of our eMSP to that CPO goes to the hub's commands RECEIVER addressed to the CPO", async () => {
  const token = {
    country_code: 'DE',
    party_id: 'EMS',
    uid: 'APP1',
    type: 'APP_USER',
    contract_id: 'DE-EMS-C1',
    issuer: 'eMSP',
    valid: true,
    whitelist: 'ALLOWED',
    last_updated: '2026-01-01T00:00:00Z',
  };
  const start = await platform.admin().post('/parties/DE/EMS/commands/START_SESSION', { location_id: 'LOCX', evse_uid: 'EVSEX', token }).expect(201);
  expect(start.body).toMatchObject({ status: 'ACCEPTED', cpo: { country_code: 'FR', party_id: 'CPX' }, response: { result: 'ACCEPTED' } });
  const atHub = hub.received.find((r) => r.method === 'POST' && r.path === '/hub/commands/receiver/START_SESSION')!;
  expect(atHub.headers).toMatchObject({ 'ocpi-from-country-code': 'DE', 'ocpi-from-party-id': 'EMS', 'ocpi-to-country-code': 'FR', 'ocpi-to-party-id': 'CPX' });
  expect(atHub.body).toMatchObject({ location_id: 'LOCX', evse_uid: 'EVSEX' });
});

test("real-time authorization of a token whose eMSP is behind the hub reaches the hub's tokens SENDER addressed to that eMSP", async () => {
  const res = await platform
    .admin()
    .post('/parties/NL/CPO/authorize', { uid: 'RFID77', type: 'RFID', token_owner: { country_code: 'BE', party_id: 'EMX' } })
    .expect(200);
  expect(res.body).toMatchObject({ allowed: 'ALLOWED', source: 'PEER', auth_method: 'AUTH_REQUEST', authorization_reference: 'REF-HUB-1' });
  const atHub = hub.received.find((r) => r.method === 'POST' && r.path === '/hub/tokens/sender/RFID77/authorize')!;
  expect(atHub.query).toMatchObject({ type: 'RFID' });
  expect(atHub.headers).toMatchObject({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'CPO', 'ocpi-to-country-code': 'BE', 'ocpi-to-party-id': 'EMX' });
});

test('the ClientInfo GET repeats on the pull schedule, incrementally from the start of the last one', async () => {
  await eventually(async () => expect((await pullState('hubclientinfo'))?.lastSuccessAt).toBeTruthy());
  const state = (await pullState('hubclientinfo'))!;
  // Scheduled PULL_INTERVAL_MINUTES (60) later.
  expect(state.nextPullAt.getTime() - Date.now()).toBeGreaterThan(55 * 60_000);
  const before = clientInfoGets().length;
  // An hour passes.
  await platform.ctx.db.pullState.update({ where: { peerId_module: { peerId, module: 'hubclientinfo' } }, data: { nextPullAt: new Date(Date.now() - 1000) } });
  await eventually(async () => expect(clientInfoGets().length).toBeGreaterThan(before), 20000);
  expect(clientInfoGets()[before].query.date_from).toBe(state.lastSuccessAt!.toISOString());
});

test('a full read forgets a party the hub no longer lists, so it is no longer reachable through it', async () => {
  listed = [CLIENT_INFO[0]];
  const before = clientInfoGets().length;
  const fullReadDue = () =>
    platform.ctx.db.pullState.update({ where: { peerId_module: { peerId, module: 'hubclientinfo' } }, data: { lastSuccessAt: null, nextPullAt: new Date(Date.now() - 1000) } });
  await fullReadDue();
  await eventually(async () => {
    const rows = await platform.ctx.db.remoteClientInfo.findMany({ where: { peerId } });
    // An incremental read already under way may finish after our request and forget nothing:
    // ask for the full read again until one has run.
    if (rows.length > 1) await fullReadDue();
    expect(clientInfoGets().length).toBeGreaterThan(before);
    expect(rows.map((r) => `${r.countryCode}/${r.partyId}`)).toEqual(['FR/CPX']);
  }, 20000);
  const res = await platform
    .admin()
    .post('/parties/NL/CPO/authorize', { uid: 'RFID78', type: 'RFID', token_owner: { country_code: 'BE', party_id: 'EMX' } })
    .expect(200);
  expect(res.body).toMatchObject({ allowed: 'NOT_ALLOWED', source: 'FALLBACK' });
  expect(hub.received.some((r) => r.path === '/hub/tokens/sender/RFID78/authorize')).toBe(false);
});
