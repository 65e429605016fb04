/**
 * Commands sent by an eMSP party (08-commands, Sender side): the backend asks through the admin
 * API, the platform finds the CPO (received location or session, our own reservation, or `cpo`),
 * POSTs the command to that CPO peer's commands RECEIVER with a unique response_url, stores the
 * CommandResponse, and the CommandResult the CPO later POSTs there (or a TIMEOUT).
 */
import { aBusinessDetails, aCredentialsRole } from '../../helpers/builders.js';
import { FAST_DELIVERY } from '../../helpers/delivery.js';
import { eventually, sleep } from '../../helpers/eventually.js';
import { type FakePeer, decodeToken, ok, startFakePeer } from '../../helpers/fake-peer.js';
import { aLocation } from '../../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../../helpers/registered-peer.js';
import { aSession } from '../../helpers/sessions.js';
import type { Request, Response } from 'express';

let platform: TestPlatform;
let cpo: RegisteredPeer;
let other: RegisteredPeer;
let bare: RegisteredPeer;
let backend: FakePeer;
/** How the fake CPO answers the next commands. */
let answer: (req: Request, res: Response) => void | Promise<void>;
const accept =
  (timeout = 30) =>
  (_req: Request, res: Response) =>
    void res.json(ok({ result: 'ACCEPTED', timeout }));

const COMMANDS = [{ identifier: 'commands', role: 'RECEIVER', path: '/cpo/commands' }];
const token = (overrides: Record<string, unknown> = {}) => ({
  country_code: 'DE',
  party_id: 'EMS',
  uid: 'APP0001',
  type: 'APP_USER',
  contract_id: 'DE-EMS-C00001-1',
  issuer: 'EMS Mobility',
  valid: true,
  whitelist: 'NEVER',
  last_updated: '2025-06-01T08:00:00.000Z',
  ...overrides,
});
const send = (command: string, body: object, party = 'DE/EMS') => platform.admin().post(`/parties/${party}/commands/${command}`, body);
const show = (id: string) => platform.admin().get(`/parties/DE/EMS/commands/${id}`).expect(200);
const sentTo = (peer: RegisteredPeer, command: string) => peer.fake.received.filter((r) => r.method === 'POST' && r.path === `/cpo/commands/${command}`);
/** The CPO posts a CommandResult to a response_url, as the peer `as`. */
const postResult = (url: string, body: object, as: RegisteredPeer = cpo, from = { cc: 'NL', pid: 'CPO' }) =>
  request(platform.url)
    .post(new URL(url).pathname)
    .set('Authorization', tokenHeader(as.tokenC))
    .set({ 'OCPI-from-country-code': from.cc, 'OCPI-from-party-id': from.pid, 'OCPI-to-country-code': 'DE', 'OCPI-to-party-id': 'EMS' })
    .send(body);
/** A peer pushes a location or session into the platform's eMSP RECEIVER endpoints. */
const push = (peer: RegisteredPeer, path: string, body: object) => request(platform.url).put(`/ocpi/emsp/2.2.1/${path}`).set('Authorization', tokenHeader(peer.tokenC)).send(body);

beforeAll(async () => {
  platform = await startTestPlatform('commands_emsp_sender', { env: FAST_DELIVERY });
  await platform.admin().post('/parties', { country_code: 'DE', party_id: 'EMS', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
  cpo = await aRegisteredPeer(platform, [aCredentialsRole({ role: 'CPO', country_code: 'NL', party_id: 'CPO' })], undefined, COMMANDS);
  other = await aRegisteredPeer(platform, [aCredentialsRole({ role: 'CPO', country_code: 'NL', party_id: 'OTH' })], undefined, COMMANDS);
  bare = await aRegisteredPeer(platform, [aCredentialsRole({ role: 'CPO', country_code: 'FR', party_id: 'NOC' })]);
  answer = accept();
  for (const peer of [cpo, other]) peer.fake.on('POST', '/cpo/commands/*', async (req, res) => answer(req, res));
  await push(cpo, 'locations/NL/CPO/LOC1', aLocation('LOC1')).expect(201);
  await push(cpo, 'sessions/NL/CPO/S1', aSession('S1')).expect(201);
  await push(bare, 'locations/FR/NOC/LOC-FR', aLocation('LOC-FR', { country_code: 'FR', party_id: 'NOC' })).expect(201);
  backend = await startFakePeer();
  backend.on('POST', '/events', (_req, res) => void res.json({}));
  await platform
    .admin()
    .put('/parties/DE/EMS/backend', { adapter: 'webhook', url: `${backend.url}/events`, secret: 'a-webhook-secret-0123' })
    .expect(200);
});

afterEach(() => {
  answer = accept();
});

afterAll(async () => {
  for (const peer of [cpo, other, bare]) await peer?.fake.close();
  await backend?.close();
  await platform?.stop();
});

describe('sending', () => {
  test('START_SESSION goes to the CPO of the received location, with routing headers, its token and a response_url unique per command', async () => {
    const first = await send('START_SESSION', { token: token(), location_id: 'loc1', evse_uid: 'EVSE1' }).expect(201);
    const second = await send('START_SESSION', { token: token(), location_id: 'LOC1' }).expect(201);
    expect(first.body).toMatchObject({
      command: 'START_SESSION',
      status: 'ACCEPTED',
      cpo: { country_code: 'NL', party_id: 'CPO' },
      response: { result: 'ACCEPTED', timeout: 30 },
      result: null,
    });

    const [a, b] = sentTo(cpo, 'START_SESSION').slice(-2);
    expect(a.headers).toMatchObject({ 'ocpi-from-country-code': 'DE', 'ocpi-from-party-id': 'EMS', 'ocpi-to-country-code': 'NL', 'ocpi-to-party-id': 'CPO' });
    expect(decodeToken(a.headers.authorization as string)).toBe(cpo.tokenB);
    expect(a.body).toEqual({ token: token(), location_id: 'loc1', evse_uid: 'EVSE1', response_url: `${platform.url}/ocpi/emsp/2.2.1/commands/START_SESSION/${first.body.id}` });
    expect((b.body as { response_url: string }).response_url).toBe(`${platform.url}/ocpi/emsp/2.2.1/commands/START_SESSION/${second.body.id}`);
    expect(first.body.request.response_url).toBe((a.body as { response_url: string }).response_url);
    expect(sentTo(other, 'START_SESSION')).toHaveLength(0);
  });

  test('STOP_SESSION goes to the CPO of the received session', async () => {
    const res = await send('STOP_SESSION', { session_id: 's1' }).expect(201);
    expect(res.body).toMatchObject({ status: 'ACCEPTED', cpo: { country_code: 'NL', party_id: 'CPO' } });
    expect(sentTo(cpo, 'STOP_SESSION').at(-1)?.body).toMatchObject({ session_id: 's1', response_url: expect.stringContaining(res.body.id) });
  });

  test('CANCEL_RESERVATION goes to the CPO of our RESERVE_NOW with that reservation_id; cpo names the CPO explicitly', async () => {
    await send('RESERVE_NOW', { token: token(), expiry_date: '2030-01-01T10:00:00Z', reservation_id: 'RES1', location_id: 'LOC1' }).expect(201);
    expect(sentTo(cpo, 'RESERVE_NOW').at(-1)?.body).toMatchObject({ reservation_id: 'RES1', expiry_date: '2030-01-01T10:00:00.000Z' });
    await send('CANCEL_RESERVATION', { reservation_id: 'res1' }).expect(201);
    expect(sentTo(cpo, 'CANCEL_RESERVATION').at(-1)?.body).toMatchObject({ reservation_id: 'res1' });

    await send('CANCEL_RESERVATION', { reservation_id: 'RES-OTHER', cpo: { country_code: 'NL', party_id: 'OTH' } }).expect(201);
    expect(sentTo(other, 'CANCEL_RESERVATION').at(-1)?.body).toEqual({ reservation_id: 'RES-OTHER', response_url: expect.any(String) });
    await send('UNLOCK_CONNECTOR', { location_id: 'NOT-PUSHED', evse_uid: 'E1', connector_id: '1', cpo: { country_code: 'nl', party_id: 'oth' } }).expect(201);
    expect(sentTo(other, 'UNLOCK_CONNECTOR')).toHaveLength(1);
  });

  test('a REJECTED CommandResponse is stored as REJECTED with its message', async () => {
    answer = (_req, res) => void res.json(ok({ result: 'REJECTED', timeout: 30, message: [{ language: 'en', text: 'EVSE reserved' }] }));
    const res = await send('START_SESSION', { token: token(), location_id: 'LOC1' }).expect(201);
    expect(res.body).toMatchObject({ status: 'REJECTED', response: { result: 'REJECTED', message: [{ language: 'en', text: 'EVSE reserved' }] } });
  });

  test('status 2003 with a REJECTED CommandResponse (unknown location at the CPO) is stored as REJECTED', async () => {
    answer = (_req, res) => void res.json({ status_code: 2003, status_message: 'Unknown location', data: { result: 'REJECTED', timeout: 0 }, timestamp: new Date().toISOString() });
    const res = await send('UNLOCK_CONNECTOR', { location_id: 'LOC1', evse_uid: 'EVSE1', connector_id: '1' }).expect(201);
    expect(res.body).toMatchObject({ status: 'REJECTED', response: { result: 'REJECTED', timeout: 0 } });
  });

  test('an unreachable CPO makes the command FAILED (502) with the reason, never the token', async () => {
    answer = (req) => void req.socket.destroy();
    const res = await send('START_SESSION', { token: token(), location_id: 'LOC1' }).expect(502);
    expect(res.body).toMatchObject({ status: 'FAILED', response: null });
    expect(res.body.failure).toMatch(/POST .*\/cpo\/commands\/START_SESSION failed/);
    expect(JSON.stringify(res.body)).not.toContain(cpo.tokenB);
    expect((await show(res.body.id)).body.status).toBe('FAILED');
  });

  test('an answer without a valid CommandResponse makes the command FAILED', async () => {
    answer = (_req, res) => void res.json(ok({ result: 'MAYBE' }));
    const res = await send('STOP_SESSION', { session_id: 'S1' }).expect(502);
    expect(res.body.failure).toMatch(/without a valid CommandResponse \(result: /);
  });
});

describe('what cannot be sent', () => {
  test('an unknown location or session is 404, a CPO peer without a commands endpoint 422, and nothing is sent', async () => {
    const before = cpo.fake.received.length;
    expect((await send('START_SESSION', { token: token(), location_id: 'NOPE' }).expect(404)).body.error).toMatchObject({
      code: 'unknown_location',
      message: expect.stringContaining('NOPE'),
    });
    expect((await send('STOP_SESSION', { session_id: 'NOPE' }).expect(404)).body.error.code).toBe('unknown_session');
    expect((await send('START_SESSION', { token: token(), location_id: 'LOC-FR' }).expect(422)).body.error).toMatchObject({
      code: 'no_endpoint',
      message: expect.stringContaining('FR/NOC'),
    });
    expect((await send('START_SESSION', { token: token(), location_id: 'LOC1', cpo: { country_code: 'BE', party_id: 'XXX' } }).expect(422)).body.error).toMatchObject({
      code: 'cpo_not_connected',
      message: expect.stringContaining('BE/XXX'),
    });
    expect(cpo.fake.received.length).toBe(before);
  });

  test('a location id held by two CPOs is ambiguous (422) unless cpo names one', async () => {
    await push(cpo, 'locations/NL/CPO/LOC-TWICE', aLocation('LOC-TWICE')).expect(201);
    await push(other, 'locations/NL/OTH/LOC-TWICE', aLocation('LOC-TWICE', { party_id: 'OTH' })).expect(201);
    expect((await send('START_SESSION', { token: token(), location_id: 'LOC-TWICE' }).expect(422)).body.error).toMatchObject({
      code: 'ambiguous',
      message: expect.stringContaining('NL/CPO, NL/OTH'),
    });
    await send('START_SESSION', { token: token(), location_id: 'LOC-TWICE', cpo: { country_code: 'NL', party_id: 'OTH' } }).expect(201);
    expect(sentTo(other, 'START_SESSION').at(-1)?.body).toMatchObject({ location_id: 'LOC-TWICE' });
  });

  test('a session started with another eMSP’s token is not this party’s to stop', async () => {
    await push(
      cpo,
      'sessions/NL/CPO/S-FOREIGN',
      aSession('S-FOREIGN', { cdr_token: { country_code: 'FR', party_id: 'ABC', uid: 'X1', type: 'RFID', contract_id: 'FR-ABC-1' } }),
    ).expect(201);
    await send('STOP_SESSION', { session_id: 'S-FOREIGN' }).expect(404);
  });

  test('an unknown or non-eMSP party is 404', async () => {
    await send('STOP_SESSION', { session_id: 'S1' }, 'NL/ZZZ').expect(404);
  });

  test('validation errors name every bad field, response_url is ours to set', async () => {
    const res = await send('START_SESSION', { connector_id: '1', response_url: 'https://elsewhere.example/x' }).expect(400);
    const paths = res.body.error.fields.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['body.token', 'body.location_id']));
    expect(paths).not.toContain('body.response_url');
    expect((await send('START_SESSION', { token: token(), location_id: 'LOC1', connector_id: '1' }).expect(400)).body.error.fields).toEqual([
      { path: 'body.evse_uid', message: expect.stringContaining('connector_id') },
    ]);

    const foreign = await send('RESERVE_NOW', { token: token({ party_id: 'OTH' }), expiry_date: '2030-01-01T10:00:00+01:00', reservation_id: 'R', location_id: 'LOC1' }).expect(
      400,
    );
    expect(foreign.body.error.fields.map((f: { path: string }) => f.path)).toEqual(expect.arrayContaining(['body.token.country_code', 'body.expiry_date']));
    expect((await send('START_SESSION', { token: token({ whitelist: 'SOMETIMES' }), location_id: 'LOC1' }).expect(400)).body.error.fields[0].path).toBe('body.token.whitelist');
    expect((await send('CANCEL_RESERVATION', { reservation_id: 'NEVER-RESERVED' }).expect(400)).body.error.fields[0].path).toBe('body.cpo');
    expect((await send('REBOOT', {}).expect(400)).body.error.fields[0].path).toBe('path.command');
  });
});

describe('the CommandResult', () => {
  test('the CPO peer posts the CommandResult to the response_url: stored, shown by the admin GET and told to the backend', async () => {
    const sent = (await send('START_SESSION', { token: token(), location_id: 'LOC1' }).expect(201)).body;
    const url = (sentTo(cpo, 'START_SESSION').at(-1)?.body as { response_url: string }).response_url;
    const res = await postResult(url, { result: 'ACCEPTED', message: [{ language: 'en', text: 'Started' }] }).expect(200);
    expect(res.body).toMatchObject({ status_code: 1000 });
    expect(res.body).not.toHaveProperty('data');
    expect(res.headers).toMatchObject({ 'ocpi-from-country-code': 'DE', 'ocpi-from-party-id': 'EMS', 'ocpi-to-country-code': 'NL', 'ocpi-to-party-id': 'CPO' });
    const stored = (await show(sent.id)).body;
    expect(stored).toMatchObject({
      id: sent.id,
      status: 'RESULT',
      result: { result: 'ACCEPTED', message: [{ language: 'en', text: 'Started' }] },
      response: { result: 'ACCEPTED' },
    });
    expect(stored.result_at).toEqual(expect.any(String));
    await eventually(() =>
      expect(
        backend.received.some(
          (r) => (r.body as { type: string; data: { id: string; status: string } }).type === 'command.result' && (r.body as { data: { id: string } }).data.id === sent.id,
        ),
      ).toBe(true),
    );
  });

  test('a second result is acknowledged and ignored', async () => {
    const sent = (await send('STOP_SESSION', { session_id: 'S1' }).expect(201)).body;
    await postResult(sent.request.response_url, { result: 'ACCEPTED' }).expect(200);
    const again = await postResult(sent.request.response_url, { result: 'FAILED' }).expect(200);
    expect(again.body).toMatchObject({ status_code: 1000, status_message: expect.stringMatching(/^Ignored/) });
    expect((await show(sent.id)).body.result).toEqual({ result: 'ACCEPTED' });
  });

  test('the CPO may still cancel an accepted reservation at its response_url (CANCELED_RESERVATION)', async () => {
    const sent = (await send('RESERVE_NOW', { token: token(), expiry_date: '2030-01-01T10:00:00Z', reservation_id: 'RES2', location_id: 'LOC1' }).expect(201)).body;
    await postResult(sent.request.response_url, { result: 'ACCEPTED' }).expect(200);
    expect((await postResult(sent.request.response_url, { result: 'CANCELED_RESERVATION' }).expect(200)).body).not.toHaveProperty('status_message');
    expect((await show(sent.id)).body).toMatchObject({ status: 'RESULT', result: { result: 'CANCELED_RESERVATION' } });
  });

  test('a result that arrives before the CPO has answered the command is kept, and the answer recorded after it', async () => {
    answer = async (req, res) => {
      await postResult((req.body as { response_url: string }).response_url, { result: 'ACCEPTED' }).expect(200);
      res.json(ok({ result: 'ACCEPTED', timeout: 30 }));
    };
    const sent = (await send('STOP_SESSION', { session_id: 'S1' }).expect(201)).body;
    expect(sent).toMatchObject({ status: 'RESULT', response: { result: 'ACCEPTED', timeout: 30 }, result: { result: 'ACCEPTED' } });
    expect((await show(sent.id)).body.status).toBe('RESULT');
  });

  test('a peer that did not register the CPO party cannot post the result: 404 as for an unknown command, nothing changes', async () => {
    const sent = (await send('START_SESSION', { token: token(), location_id: 'LOC1' }).expect(201)).body;
    const url: string = sent.request.response_url;
    const foreign = await postResult(url, { result: 'ACCEPTED' }, other, { cc: 'NL', pid: 'OTH' }).expect(404);
    expect(foreign.body).toMatchObject({ status_code: 2000 });
    expect((await postResult(url.replace(sent.id, '00000000-0000-4000-8000-000000000000'), { result: 'ACCEPTED' }).expect(404)).body.status_code).toBe(2000);
    await postResult(url.replace(sent.id, 'not-a-uuid'), { result: 'ACCEPTED' }).expect(404);
    await postResult(url.replace('START_SESSION', 'STOP_SESSION'), { result: 'ACCEPTED' }).expect(404);
    expect((await show(sent.id)).body).toMatchObject({ status: 'ACCEPTED', result: null });
  });

  test('a CommandResult with an unknown result value is 2001 naming the field', async () => {
    const sent = (await send('START_SESSION', { token: token(), location_id: 'LOC1' }).expect(201)).body;
    const res = await postResult(sent.request.response_url, { result: 'DONE' }).expect(200);
    expect(res.body).toMatchObject({ status_code: 2001, status_message: expect.stringContaining('result') });
    expect((await show(sent.id)).body.status).toBe('ACCEPTED');
  });

  test('without a result within the CommandResponse timeout the command becomes TIMEOUT, and the backend is told', async () => {
    answer = accept(1);
    const sent = (await send('START_SESSION', { token: token(), location_id: 'LOC1' }).expect(201)).body;
    expect(sent).toMatchObject({ status: 'ACCEPTED', response: { timeout: 1 } });
    await sleep(500);
    expect((await show(sent.id)).body.status).toBe('ACCEPTED');
    await eventually(async () => expect((await show(sent.id)).body).toMatchObject({ status: 'TIMEOUT', result: null }), 15000);
    await eventually(() =>
      expect(
        backend.received.some(
          (r) => (r.body as { data: { id: string; status: string } }).data?.id === sent.id && (r.body as { data: { status: string } }).data.status === 'TIMEOUT',
        ),
      ).toBe(true),
    );
  }, 30000);
});

describe('the list of sent commands', () => {
  const list = (query = '') => platform.admin().get(`/parties/DE/EMS/sent-commands${query}`);

  test('pages every command this party sent, oldest first, with the filtered total', async () => {
    const all = (await list('?limit=500').expect(200)).body;
    expect(all.total).toBeGreaterThan(3);
    expect(all.items).toHaveLength(all.total);
    const created = all.items.map((c: { created_at: string }) => c.created_at);
    expect([...created].sort()).toEqual(created);
    const pages = [];
    for (let offset = 0; offset < all.total; offset += 2) pages.push(...(await list(`?limit=2&offset=${offset}`).expect(200)).body.items);
    expect(pages.map((c: { id: string }) => c.id)).toEqual(all.items.map((c: { id: string }) => c.id));
  });

  test('filters by command, status, CPO and time, and names a bad parameter', async () => {
    const all = (await list('?limit=500').expect(200)).body;
    const starts = (await list('?command=START_SESSION&limit=500').expect(200)).body;
    expect(starts.total).toBeGreaterThan(0);
    expect(starts.total).toBeLessThan(all.total);
    expect(starts.items.every((c: { command: string }) => c.command === 'START_SESSION')).toBe(true);
    const failed = (await list('?status=FAILED').expect(200)).body;
    expect(failed.items.every((c: { status: string }) => c.status === 'FAILED')).toBe(true);
    expect((await list('?cpo=zz*nop').expect(200)).body.total).toBe(0);
    expect((await list(`?created_since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`).expect(200)).body.total).toBe(0);
    expect((await list('?status=DONE').expect(400)).body.error.message).toContain('query.status');
    expect((await list('?cpo=NLCPO').expect(400)).body.error.message).toContain('query.cpo');
    expect((await list('?created_since=2026-01-02T00:00:00Z&created_before=2026-01-01T00:00:00Z').expect(400)).body.error.message).toContain('query.created_before');
  });

  test('another party sees none of them, and an unknown party is 404', async () => {
    await platform.admin().get('/parties/XX/NOP/sent-commands').expect(404);
  });
});
