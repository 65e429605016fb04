/**
 * Routing headers that peers leave out (transport §9, digest §12 #3): a missing header is never
 * a reason for an HTTP error. The sender and receiver are inferred from the only candidate, the
 * client-owned URL, the pushed object, or the stored request a callback URL identifies; when
 * nothing identifies a party, HTTP 200 with 2001 naming the headers. Response routing headers
 * name only the checked requester and parties we host, on error answers too.
 */
import type { Request, Response } from 'express';
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { ok } from '../helpers/fake-peer.js';
import { aLocation } from '../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../helpers/registered-peer.js';
import { aCdr, aSession } from '../helpers/sessions.js';

let platform: TestPlatform;
/** A CPO peer with two parties, FR/CPA and FR/CPB, offering commands and chargingprofiles. */
let cpos: RegisteredPeer;
/** An eMSP peer with two parties, BE/EMA and BE/EMB. */
let emsps: RegisteredPeer;

const ENDPOINTS = [
  { identifier: 'commands', role: 'RECEIVER', path: '/cpo/commands' },
  { identifier: 'chargingprofiles', role: 'RECEIVER', path: '/cpo/chargingprofiles' },
];
const accept = (_req: Request, res: Response) => void res.json(ok({ result: 'ACCEPTED', timeout: 30 }));
const routingOf = (res: { headers: Record<string, string | undefined> }) => ({
  from: res.headers['ocpi-from-country-code'] === undefined ? undefined : `${res.headers['ocpi-from-country-code']}/${res.headers['ocpi-from-party-id']}`,
  to: res.headers['ocpi-to-country-code'] === undefined ? undefined : `${res.headers['ocpi-to-country-code']}/${res.headers['ocpi-to-party-id']}`,
});
const headers = (from?: string, to?: string): Record<string, string> => ({
  ...(from ? { 'OCPI-from-country-code': from.split('/')[0], 'OCPI-from-party-id': from.split('/')[1] } : {}),
  ...(to ? { 'OCPI-to-country-code': to.split('/')[0], 'OCPI-to-party-id': to.split('/')[1] } : {}),
});
const as = (peer: RegisteredPeer, routing: Record<string, string> = {}) => ({
  get: (path: string) => request(platform.url).get(path).set('Authorization', tokenHeader(peer.tokenC)).set(routing),
  put: (path: string, body: object) => request(platform.url).put(path).set('Authorization', tokenHeader(peer.tokenC)).set(routing).send(body),
  post: (path: string, body: object) => request(platform.url).post(path).set('Authorization', tokenHeader(peer.tokenC)).set(routing).send(body),
});
const aToken = (uid: string, overrides: Record<string, unknown> = {}) => ({
  country_code: 'BE',
  party_id: 'EMA',
  uid,
  type: 'RFID',
  contract_id: 'BE-EMA-C00001-1',
  issuer: 'EMA Mobility',
  valid: true,
  whitelist: 'ALLOWED',
  last_updated: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

beforeAll(async () => {
  platform = await startTestPlatform('routing_headers');
  for (const [cc, pid, role] of [
    ['NL', 'CPO', 'CPO'],
    ['NL', 'CP2', 'CPO'],
    ['DE', 'EMS', 'EMSP'],
  ]) {
    await platform.admin().post('/parties', { country_code: cc, party_id: pid, role, business_details: aBusinessDetails() }).expect(201);
  }
  cpos = await aRegisteredPeer(
    platform,
    [aCredentialsRole({ role: 'CPO', country_code: 'FR', party_id: 'CPA' }), aCredentialsRole({ role: 'CPO', country_code: 'FR', party_id: 'CPB' })],
    undefined,
    ENDPOINTS,
  );
  emsps = await aRegisteredPeer(platform, [aCredentialsRole({ country_code: 'BE', party_id: 'EMA' }), aCredentialsRole({ country_code: 'BE', party_id: 'EMB' })]);
  cpos.fake.on('POST', '/cpo/commands/*', accept);
  cpos.fake.on('PUT', '/cpo/chargingprofiles/*', accept);
});

afterAll(async () => {
  for (const peer of [cpos, emsps]) await peer?.fake.close();
  await platform?.stop();
});

describe('the sender, when OCPI-from-* is absent', () => {
  test('a location PUT without routing headers from a peer with two CPO parties is attributed to the party in the URL', async () => {
    const res = await as(cpos).put('/ocpi/emsp/2.2.1/locations/FR/CPB/LOC1', aLocation('LOC1', { country_code: 'FR', party_id: 'CPB' }));
    expect(res.status).toBe(201);
    expect(res.body.status_code).toBe(1000);
    expect(routingOf(res)).toEqual({ from: 'DE/EMS', to: 'FR/CPB' });
    // Stored as FR/CPB's location: its owner reads it back, the peer's other party does not own it.
    expect((await as(cpos, headers('FR/CPB')).get('/ocpi/emsp/2.2.1/locations/FR/CPB/LOC1').expect(200)).body.data).toMatchObject({ id: 'LOC1', party_id: 'CPB' });
  });

  test('a CDR POST without routing headers is attributed to the owner its body names', async () => {
    const res = await as(cpos).post('/ocpi/emsp/2.2.1/cdrs', aCdr('CDR1', { country_code: 'FR', party_id: 'CPA' }));
    expect(res.status).toBe(201);
    expect(res.body.status_code).toBe(1000);
    expect(routingOf(res)).toEqual({ from: 'DE/EMS', to: 'FR/CPA' });
  });

  test('a URL party the peer did not register identifies no sender: 2001, not an attribution to another party', async () => {
    const res = await as(cpos).put('/ocpi/emsp/2.2.1/locations/XX/ABC/LOC9', aLocation('LOC9', { country_code: 'XX', party_id: 'ABC' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status_code: 2001, status_message: expect.stringContaining('OCPI-from-country-code/OCPI-from-party-id') });
    expect(routingOf(res)).toEqual({ from: 'DE/EMS', to: undefined });
  });
});

describe('when nothing identifies a party', () => {
  test('a request that nothing identifies gets HTTP 200 with 2001 naming the headers', async () => {
    // Two CPO parties of ours, and a token names no CPO: the receiver is unknown.
    const push = await as(emsps).put('/ocpi/cpo/2.2.1/tokens/BE/EMA/TOK1', aToken('TOK1'));
    expect(push.status).toBe(200);
    expect(push.body).toMatchObject({ status_code: 2001, status_message: expect.stringContaining('OCPI-to-country-code/OCPI-to-party-id') });
    expect(push.body.status_message).not.toContain('OCPI-from');
    expect(routingOf(push)).toEqual({ from: undefined, to: 'BE/EMA' });
    expect(await platform.ctx.db.receivedToken.count({ where: { uidKey: 'TOK1' } })).toBe(0);

    // A list GET of our eMSP's tokens names no sender, and the peer has two parties.
    const list = await as(cpos).get('/ocpi/emsp/2.2.1/tokens');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ status_code: 2001, status_message: expect.stringContaining('OCPI-from-country-code/OCPI-from-party-id') });
    expect(list.body.status_message).not.toContain('OCPI-to');
    expect(routingOf(list)).toEqual({ from: 'DE/EMS', to: undefined });
  });

  test('a GET of one of our locations without OCPI-to-* is answered by the CPO party that has it; the list names no party and is 2001', async () => {
    await platform
      .admin()
      .put('/parties/NL/CP2/locations/OWN1', aLocation('OWN1', { country_code: 'NL', party_id: 'CP2' }))
      .expect(200);
    const one = await as(emsps, headers('BE/EMA')).get('/ocpi/cpo/2.2.1/locations/own1');
    expect(one.status).toBe(200);
    expect(one.body.data).toMatchObject({ id: 'OWN1', party_id: 'CP2' });
    expect(routingOf(one)).toEqual({ from: 'NL/CP2', to: 'BE/EMA' });

    // None of our parties has it: unknown, as with OCPI-to-*.
    const unknown = await as(emsps, headers('BE/EMA')).get('/ocpi/cpo/2.2.1/locations/NOPE');
    expect(unknown.status).toBe(404);
    expect(unknown.body.status_code).toBe(2003);
    expect(routingOf(unknown)).toEqual({ from: undefined, to: 'BE/EMA' });

    const list = await as(emsps, headers('BE/EMA')).get('/ocpi/cpo/2.2.1/locations');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ status_code: 2001, status_message: expect.stringContaining('OCPI-to-country-code/OCPI-to-party-id') });
  });

  test('with OCPI-to-* given, the same token push is accepted and attributed to the party in the URL', async () => {
    const res = await as(emsps, headers(undefined, 'NL/CP2')).put('/ocpi/cpo/2.2.1/tokens/BE/EMB/TOK2', aToken('TOK2', { party_id: 'EMB' }));
    expect(res.status).toBe(201);
    expect(routingOf(res)).toEqual({ from: 'NL/CP2', to: 'BE/EMB' });
  });
});

describe('response routing headers', () => {
  test('a tokens RECEIVER validation error carries routing headers', async () => {
    const res = await as(emsps, headers('BE/EMA', 'NL/CPO')).put('/ocpi/cpo/2.2.1/tokens/BE/EMA/TOK3', aToken('TOK3', { whitelist: 'SOMETIMES' }));
    expect(res.body).toMatchObject({ status_code: 2001, status_message: expect.stringContaining('whitelist') });
    expect(routingOf(res)).toEqual({ from: 'NL/CPO', to: 'BE/EMA' });

    const mismatch = await as(emsps, headers(undefined, 'NL/CPO')).put('/ocpi/cpo/2.2.1/tokens/BE/EMA/TOK3', aToken('OTHER'));
    expect(mismatch.body).toMatchObject({ status_code: 2001, status_message: expect.stringContaining('body.uid') });
    expect(routingOf(mismatch)).toEqual({ from: 'NL/CPO', to: 'BE/EMA' });
  });

  test('a malformed routing header is a 2001 naming it that still carries the parties that are established', async () => {
    const res = await as(emsps, { ...headers(undefined, 'NL/CPO'), 'OCPI-from-country-code': 'BEL', 'OCPI-from-party-id': 'EMA' }).put(
      '/ocpi/cpo/2.2.1/tokens/BE/EMA/TOK5',
      aToken('TOK5'),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status_code: 2001, status_message: expect.stringContaining('OCPI-from-country-code') });
    expect(routingOf(res)).toEqual({ from: 'NL/CPO', to: 'BE/EMA' });
    expect(await platform.ctx.db.receivedToken.count({ where: { uidKey: 'TOK5' } })).toBe(0);
  });

  test('a 404 for an unknown object carries routing headers', async () => {
    const res = await as(emsps, headers(undefined, 'NL/CP2')).get('/ocpi/cpo/2.2.1/tokens/BE/EMB/NOPE');
    expect(res.status).toBe(404);
    expect(res.body.status_code).toBe(2004);
    expect(routingOf(res)).toEqual({ from: 'NL/CP2', to: 'BE/EMB' });
  });

  test('response routing headers never name a party we do not host', async () => {
    // An OCPI-to-* we do not host: 404 as before, answered from nobody, to the requester.
    const unknownTo = await as(emsps, headers('BE/EMA', 'BE/ZZZ')).put('/ocpi/cpo/2.2.1/tokens/BE/EMA/TOK4', aToken('TOK4'));
    expect(unknownTo.status).toBe(404);
    expect(unknownTo.body.status_message).toContain('BE/ZZZ');
    expect(routingOf(unknownTo)).toEqual({ from: undefined, to: 'BE/EMA' });

    // A receiver of ours with the wrong role is not ours for this module either.
    const wrongRole = await as(emsps, headers('BE/EMA', 'DE/EMS')).put('/ocpi/cpo/2.2.1/tokens/BE/EMA/TOK4', aToken('TOK4'));
    expect(wrongRole.status).toBe(404);
    expect(routingOf(wrongRole).from).toBeUndefined();

    // An OCPI-from-* of somebody else: 403 as before, and that party is not echoed as the requester.
    const foreignFrom = await as(emsps, headers('XX/ABC', 'NL/CPO')).put('/ocpi/cpo/2.2.1/tokens/BE/EMA/TOK4', aToken('TOK4'));
    expect(foreignFrom.status).toBe(403);
    expect(routingOf(foreignFrom)).toEqual({ from: undefined, to: undefined });
  });
});

describe('when we host several eMSP parties', () => {
  beforeAll(async () => {
    await platform.admin().post('/parties', { country_code: 'DE', party_id: 'EM2', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
  });

  const em2Token = { country_code: 'DE', party_id: 'EM2', uid: 'RFID002', type: 'RFID', contract_id: 'DE-EM2-C00002-1' };

  test('a session PUT without routing headers reaches the eMSP party its cdr_token names', async () => {
    const res = await as(cpos).put('/ocpi/emsp/2.2.1/sessions/FR/CPA/S2', aSession('S2', { country_code: 'FR', party_id: 'CPA', cdr_token: em2Token }));
    expect(res.status).toBe(201);
    expect(routingOf(res)).toEqual({ from: 'DE/EM2', to: 'FR/CPA' });
  });

  test('a location PUT without OCPI-to-* is 2001 naming it, as no eMSP party of ours is identified', async () => {
    const res = await as(cpos).put('/ocpi/emsp/2.2.1/locations/FR/CPB/LOC2', aLocation('LOC2', { country_code: 'FR', party_id: 'CPB' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status_code: 2001, status_message: expect.stringContaining('OCPI-to-country-code/OCPI-to-party-id') });
    expect(routingOf(res)).toEqual({ from: undefined, to: 'FR/CPB' });
  });

  test('a CommandResult POSTed to our response_url without routing headers is accepted', async () => {
    const sent = await platform
      .admin()
      .post('/parties/DE/EM2/commands/CANCEL_RESERVATION', { reservation_id: 'RES1', cpo: { country_code: 'FR', party_id: 'CPB' } })
      .expect(201);
    expect(sent.body.status).toBe('ACCEPTED');
    const res = await as(cpos).post(new URL(sent.body.request.response_url).pathname, { result: 'ACCEPTED' });
    expect(res.status).toBe(200);
    expect(res.body.status_code).toBe(1000);
    expect(routingOf(res)).toEqual({ from: 'DE/EM2', to: 'FR/CPB' });
    expect((await platform.admin().get(`/parties/DE/EM2/commands/${sent.body.id}`).expect(200)).body).toMatchObject({ status: 'RESULT', result: { result: 'ACCEPTED' } });
  });

  test('a CommandResult without routing headers for a command that is unknown or went to another peer is HTTP 404', async () => {
    const sent = await platform
      .admin()
      .post('/parties/DE/EM2/commands/CANCEL_RESERVATION', { reservation_id: 'RES2', cpo: { country_code: 'FR', party_id: 'CPA' } })
      .expect(201);
    const path = new URL(sent.body.request.response_url).pathname;
    const foreign = await as(emsps).post(path, { result: 'ACCEPTED' });
    expect(foreign.status).toBe(404);
    expect(foreign.body.status_code).toBe(2000);
    const unknown = await as(cpos).post(path.replace(sent.body.id, '00000000-0000-4000-8000-000000000000'), { result: 'ACCEPTED' });
    expect(unknown.status).toBe(404);
    expect((await platform.admin().get(`/parties/DE/EM2/commands/${sent.body.id}`).expect(200)).body.status).toBe('ACCEPTED');
  });

  test('a charging profile result without routing headers is accepted', async () => {
    const profile = { charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: 11000 }] };
    const sent = await platform.admin().put('/parties/DE/EM2/sessions/S2/charging-profile', { charging_profile: profile }).expect(201);
    expect(sent.body).toMatchObject({ status: 'ACCEPTED', cpo: { country_code: 'FR', party_id: 'CPA' } });
    const res = await as(cpos).post(new URL(sent.body.request.response_url).pathname, { result: 'ACCEPTED' });
    expect(res.status).toBe(200);
    expect(res.body.status_code).toBe(1000);
    expect(routingOf(res)).toEqual({ from: 'DE/EM2', to: 'FR/CPA' });
    expect((await platform.admin().get(`/parties/DE/EM2/sessions/S2/charging-profile/requests/${sent.body.id}`).expect(200)).body).toMatchObject({ status: 'RESULT' });
  });

  test('an ActiveChargingProfile PUT without routing headers is attributed to the CPO party of the session and its eMSP', async () => {
    const active = { start_date_time: '2025-06-01T08:30:00.000Z', charging_profile: { charging_rate_unit: 'W', charging_profile_period: [{ start_period: 0, limit: 7400 }] } };
    const res = await as(cpos).put('/ocpi/emsp/2.2.1/chargingprofiles/s2', active);
    expect(res.status).toBe(200);
    expect(res.body.status_code).toBe(1000);
    expect(routingOf(res)).toEqual({ from: 'DE/EM2', to: 'FR/CPA' });
    const unknown = await as(cpos).put('/ocpi/emsp/2.2.1/chargingprofiles/NOPE', active);
    expect(unknown.status).toBe(404);
  });
});
