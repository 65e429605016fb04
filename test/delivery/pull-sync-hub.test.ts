/**
 * Pull sync from a hub connection (transport §9.4, GET All via Hub): our eMSP party asks the hub
 * with OCPI-to = the hub's party, and an object is stored only when its owner is a CPO the hub
 * reported in its ClientInfo. The fake hub serves a merged list with objects of a reported CPO,
 * of a CPO it never reported, and of the hub's own party.
 */
import type { Request, Response } from 'express';
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { type FakePeer, ok, startFakePeer } from '../helpers/fake-peer.js';
import { aLocation } from '../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';

let platform: TestPlatform;
let hub: FakePeer;
let peerId: string;
let tokenC: string;

const merged = [aLocation('LA'), aLocation('LB', { country_code: 'FR', party_id: 'ZZZ' }), aLocation('LH', { party_id: 'HUB' })];
const pullsOfHub = () => hub.received.filter((r) => r.method === 'GET' && r.path === '/hub/locations/sender');
const state = () => platform.ctx.db.pullState.findUnique({ where: { peerId_module: { peerId, module: 'locations' } } });
const storedIds = async () => (await platform.ctx.db.receivedLocation.findMany()).map((r) => (r.document as { id: string }).id).sort();

async function reportParty(countryCode: string, partyId: string, role: string, lastUpdated: string) {
  const res = await request(platform.url)
    .put(`/ocpi/2.2.1/hubclientinfo/${countryCode}/${partyId}`)
    .set('Authorization', tokenHeader(tokenC))
    .send({ country_code: countryCode, party_id: partyId, role, status: 'CONNECTED', last_updated: lastUpdated })
    .expect(200);
  expect(res.body.status_code).toBe(1000);
}

async function appliesToHub(): Promise<boolean> {
  const peer = (await platform.ctx.peerStore.get(peerId))!;
  return platform.ctx.pulls.get('locations')!.appliesTo(peer, platform.ctx);
}

beforeAll(async () => {
  platform = await startTestPlatform('pull_sync_hub', { env: { ...FAST_DELIVERY, PULL_INTERVAL_MINUTES: '60', PULL_JITTER_MINUTES: '0' } });
  await platform.admin().post('/parties', { country_code: 'DE', party_id: 'EMS', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
  hub = await startFakePeer([{ identifier: 'locations', role: 'SENDER', path: '/hub/locations/sender' }]);
  hub.on('GET', '/hub/locations/sender', (_req: Request, res: Response) => void res.set('X-Total-Count', String(merged.length)).json(ok(merged)));
  hub.acceptedTokens.add('pull-hub-token-b');
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  peerId = invitation.body.peer_id;
  const res = await request(platform.url)
    .post('/ocpi/2.2.1/credentials')
    .set('Authorization', tokenHeader(invitation.body.token))
    .send({ token: 'pull-hub-token-b', url: hub.versionsUrl, roles: [aCredentialsRole({ role: 'HUB', country_code: 'NL', party_id: 'HUB' })] })
    .expect(200);
  tokenC = res.body.data.token;
});

afterAll(async () => {
  await hub?.close();
  await platform?.stop();
});

test('a hub connection is not pulled before its ClientInfo reports a CPO (every object would be of an unknown owner)', async () => {
  expect(await appliesToHub()).toBe(false);
  await reportParty('FR', 'EMP', 'EMSP', '2025-01-01T00:00:00Z');
  expect(await appliesToHub()).toBe(false);
  await reportParty('NL', 'CPO', 'CPO', '2025-01-01T00:00:00Z');
  expect(await appliesToHub()).toBe(true);
});

test("the pull is a GET all to the hub's party from our eMSP party, and stores only objects of CPOs the hub reported", async () => {
  await eventually(async () => expect((await state())?.lastSuccessAt).toBeTruthy(), 20000);
  expect(pullsOfHub()[0].headers).toMatchObject({ 'ocpi-from-country-code': 'DE', 'ocpi-from-party-id': 'EMS', 'ocpi-to-country-code': 'NL', 'ocpi-to-party-id': 'HUB' });
  // LB: a CPO the hub never reported; LH: the hub's own party, which owns no locations.
  expect(await storedIds()).toEqual(['LA']);
  expect((await state())?.lastCount).toBe(3);
});

test('a CPO the hub reports later makes the next pull of the hub a full one, which stores its objects', async () => {
  const before = pullsOfHub().length;
  await reportParty('FR', 'ZZZ', 'CPO', '2025-01-02T00:00:00Z');
  await eventually(async () => expect(await storedIds()).toEqual(['LA', 'LB']), 20000);
  const latest = pullsOfHub().slice(before);
  expect(latest.length).toBeGreaterThan(0);
  expect(latest[0].query.date_from).toBeUndefined();
});
