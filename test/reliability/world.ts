/**
 * The platform both reliability files run against: a CPO party and an eMSP party of ours, and
 * registered peers each holding a CPO and an eMSP role under one party. Peer A owns objects on
 * every RECEIVER interface (pushed through the real endpoints) and on our CPO side (sessions and
 * CDRs of its token, written through the admin backend API).
 */
import { aBusinessDetails } from '../helpers/builders.js';
import { type FakePeer, ok, startFakePeer } from '../helpers/fake-peer.js';
import { aConnector, aLocation, anEvse } from '../helpers/locations.js';
import { type TestPlatform, startTestPlatform } from '../helpers/platform.js';
import type { RegisteredPeer } from '../helpers/registered-peer.js';
import { aCdr, aSession } from '../helpers/sessions.js';
import { aTariff } from '../helpers/tariffs.js';
import { type Endpoint, type World, listEndpoints, sample } from './endpoints.js';
import { auth, rawRequest } from './harness.js';
import { callerToken } from './samples.js';

export const CPO = { countryCode: 'NL', partyId: 'CPO' };
export const EMSP = { countryCode: 'NL', partyId: 'EMP' };

export interface Peer extends RegisteredPeer {
  party: { countryCode: string; partyId: string };
  world: World;
}

let clock = Date.parse('2026-03-01T00:00:00Z');
/** Strictly increasing, and newer than every builder's default. */
export function later(): string {
  clock += 1000;
  return new Date(clock).toISOString();
}

/** Ids of one peer's objects: distinctive, so that finding one in a response means a leak. */
function idsOf(tag: string) {
  return {
    clientOwned: {
      location_id: `LOC-${tag}`,
      evse_uid: `EVSE-${tag}`,
      connector_id: '1',
      session_id: `SES-${tag}`,
      tariff_id: `TAR-${tag}`,
      token_uid: `TOK-${tag}`,
      cdr_id: `CDR-${tag}`,
    },
    // Our CPO's public location, and the session and CDR of this peer's token there.
    own: { location_id: 'LOC-PUB', evse_uid: 'EVSE-PUB', connector_id: '1', session_id: `SES-${tag}`, command: 'STOP_SESSION' },
  };
}

export async function startWorld(label: string): Promise<TestPlatform> {
  const platform = await startTestPlatform(label, { env: { RATE_LIMIT_PER_SECOND: '0', LOG_LEVEL: 'warn' } });
  for (const [party, role] of [
    [CPO, 'CPO'],
    [EMSP, 'EMSP'],
  ] as const) {
    await platform.admin().post('/parties', { country_code: party.countryCode, party_id: party.partyId, role, business_details: aBusinessDetails() }).expect(201);
  }
  await platform
    .admin()
    .put(`/parties/NL/CPO/locations/LOC-PUB`, aLocation('LOC-PUB', { evses: [anEvse('EVSE-PUB', { connectors: [aConnector('1')] })], last_updated: later() }))
    .expect(200);
  await platform
    .admin()
    .put('/parties/NL/CPO/tariffs/TAR-PUB', aTariff('TAR-PUB', { last_updated: later() }))
    .expect(200);
  return platform;
}

/** A registered peer with a CPO and an eMSP role under `countryCode/partyId`; `tag` names its objects. */
export async function aPeer(platform: TestPlatform, countryCode: string, partyId: string, tag: string): Promise<Peer> {
  const roles = ['CPO', 'EMSP'].map((role) => ({ role, country_code: countryCode, party_id: partyId, business_details: aBusinessDetails(`Peer ${tag}`) }));
  const registered = await registerWithCommands(platform, roles);
  const ids = idsOf(tag);
  const world: World = {
    party: { countryCode, partyId },
    clientOwned: ids.clientOwned,
    own: ids.own,
    callbackUrl: `${registered.fake.url}/callback`,
    versionsUrl: registered.fake.versionsUrl,
    later,
    cdrToken: { country_code: EMSP.countryCode, party_id: EMSP.partyId, uid: `EMP-${tag}`, type: 'RFID', contract_id: `NL-EMP-C-${tag}` },
  };
  return { ...registered, party: { countryCode, partyId }, world };
}

/**
 * Gives our CPO party a webhook backend (answering 200 at `{peer fake}/backend`), so commands
 * and charging profile requests are accepted and stored rather than refused as unsupported.
 */
export async function connectBackend(platform: TestPlatform): Promise<FakePeer> {
  // Its own server: a peer's fake refuses requests without that peer's token, and a refused
  // forward would be answered FAILED in the background (a write no request made).
  const backend = await startFakePeer();
  backend.on('POST', '/backend*', (_req, res) => void res.json({}));
  await platform
    .admin()
    .put(`/parties/${CPO.countryCode}/${CPO.partyId}/backend`, { adapter: 'webhook', url: `${backend.url}/backend`, secret: 'reliability-backend-secret' })
    .expect(200);
  return backend;
}

/** Like `aRegisteredPeer`, with a commands RECEIVER that accepts every command we send. */
async function registerWithCommands(platform: TestPlatform, roles: object[]): Promise<RegisteredPeer> {
  const fake = await startFakePeer([{ identifier: 'commands', role: 'RECEIVER', path: '/cpo/commands' }]);
  fake.on('POST', '/cpo/commands/*', (_req, res) => void res.json(ok({ result: 'ACCEPTED', timeout: 30 })));
  const tokenB = `peer-token-${Math.random().toString(36).slice(2)}`;
  fake.acceptedTokens.add(tokenB);
  const invitation = await platform.admin().post('/peers/invitations', {}).expect(201);
  const res = await rawRequest(platform.url, 'POST', '/ocpi/2.2.1/credentials', auth(invitation.body.token), JSON.stringify({ token: tokenB, url: fake.versionsUrl, roles }));
  if (res.json?.status_code !== 1000) throw new Error(`registration failed: ${res.text}`);
  return { fake, peerId: invitation.body.peer_id, tokenC: res.json.data.token, tokenB };
}

/** Things of a peer that no other caller may ever see in a response. */
export interface Secrets {
  values: string[];
}

/**
 * Writes the peer's objects: through every RECEIVER write endpoint of the registry (valid
 * samples, as the peer itself) and, on our CPO side, a session and a CDR of its token.
 */
export async function seedObjects(platform: TestPlatform, peer: Peer, endpoints: Endpoint[] = listEndpoints()): Promise<Secrets> {
  const w = peer.world;
  const token = callerToken(w);
  await platform
    .admin()
    .put(`/parties/NL/CPO/sessions/${w.own.session_id}`, aSession(w.own.session_id, { cdr_token: token, location_id: 'LOC-PUB', evse_uid: 'EVSE-PUB', last_updated: later() }))
    .expect(200);
  await platform
    .admin()
    .post('/parties/NL/CPO/cdrs', aCdr(`CDR-CPO-${w.clientOwned.cdr_id}`, { session_id: w.own.session_id, cdr_token: token, last_updated: later() }))
    .expect(201);
  // PUTs before PATCHes, parents (shorter paths) before children.
  const writes = endpoints
    .filter((ep) => ep.iface.role === 'RECEIVER' && (ep.method === 'put' || ep.method === 'post') && ep.iface.routed)
    .sort((a, b) => a.paramNames.length - b.paramNames.length);
  for (const ep of writes) {
    if (ep.iface.identifier === 'commands' || ep.iface.identifier === 'chargingprofiles') continue; // requests, not stored objects
    const s = sample(ep, w);
    const qs = new URLSearchParams(s.query).toString();
    const res = await rawRequest(platform.url, ep.method.toUpperCase(), `${s.path}${qs ? `?${qs}` : ''}`, auth(peer.tokenC), JSON.stringify(s.body));
    if (res.json?.status_code !== 1000) throw new Error(`seeding ${ep.label} as ${w.party.partyId} failed: ${res.status} ${res.text}`);
    // A CDR is then addressed by the id we answered in Location.
    const location = res.headers.location;
    if (location && ep.iface.identifier === 'cdrs') w.clientOwned.id = location.split('/').pop()!;
  }
  // And a command our eMSP sent to the peer: its id addresses the result the peer will POST.
  const command = await platform.admin().post(`/parties/${EMSP.countryCode}/${EMSP.partyId}/commands/STOP_SESSION`, { session_id: w.clientOwned.session_id }).expect(201);
  w.own.uid = command.body.id ?? command.body.data?.id;
  return { values: [...Object.values(w.clientOwned).filter((v) => v.length > 3), w.own.session_id, `CDR-CPO-${w.clientOwned.cdr_id}`, token.contract_id, peer.tokenC] };
}
