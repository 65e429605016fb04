/**
 * One way out: every outbound call of the platform (credentials handshake, pulls, pushes,
 * callbacks, webhooks to party backends) leaves through app.client and its one pooled,
 * policy-checked transport; eMSP backend events are WEBHOOK rows of the outbox, delivered by the
 * same engine as pushes (order per party, retries, DEAD).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { postSigned } from '../../src/backends/adapter.js';
import { enqueueEmspEvent } from '../../src/backends/emsp-events.js';
import { hubClient } from '../../src/hub/forward.js';
import { OcpiClient } from '../../src/ocpi/client.js';
import type { OutboundRequest } from '../../src/ocpi/transport.js';
import { UrlPolicy } from '../../src/ocpi/url-policy.js';
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually } from '../helpers/eventually.js';
import { ok } from '../helpers/fake-peer.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../helpers/registered-peer.js';
import { aSession } from '../helpers/sessions.js';

const SECRET = 'one-way-out-secret-0123456789';

interface Arrival {
  id: string;
  type: string;
  data: any;
  eventId: string | undefined;
  signatureValid: boolean;
  answered: number;
}

/** A party backend: checks each POST's signature and answers what the test scripts. */
async function startBackend() {
  const backend = { arrivals: [] as Arrival[], answer: (_a: Arrival) => 200, url: '', close: async () => undefined as void };
  const app = express();
  app.post('/hook', express.raw({ type: () => true }), (req, res) => {
    const raw = req.body as Buffer;
    const expected = `sha256=${crypto.createHmac('sha256', SECRET).update(raw).digest('hex')}`;
    const body = JSON.parse(raw.toString('utf8'));
    const arrival: Arrival = { ...body, eventId: req.get('x-event-id'), signatureValid: req.get('x-signature') === expected, answered: 0 };
    arrival.answered = backend.answer(arrival);
    backend.arrivals.push(arrival);
    res.status(arrival.answered).json({ ok: arrival.answered < 300 });
  });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  backend.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  backend.close = () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));
  return backend;
}

let platform: TestPlatform;
let cpo: RegisteredPeer;
let backend: Awaited<ReturnType<typeof startBackend>>;
let spy: jest.SpyInstance;
const sent = () => spy.mock.calls.map(([r]) => r as OutboundRequest);
const sentTo = (kind: string, method: string, url: string) => sent().filter((r) => r.kind === kind && r.method === method && r.url.startsWith(url));

beforeAll(async () => {
  backend = await startBackend();
  platform = await startTestPlatform('one_way_out', { env: FAST_DELIVERY });
  // Watches the one transport from the start: the handshake below is the first outbound call.
  spy = jest.spyOn(platform.ctx.client.transport, 'send');
  await platform.admin().post('/parties', { country_code: 'DE', party_id: 'EMS', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
  await platform.admin().put('/parties/DE/EMS/backend', { adapter: 'webhook', url: backend.url, secret: SECRET }).expect(200);
  cpo = await aRegisteredPeer(platform, [aCredentialsRole({ role: 'CPO', country_code: 'NL', party_id: 'CPO' })], undefined, [
    { identifier: 'locations', role: 'SENDER', path: '/cpo/locations' },
    { identifier: 'tokens', role: 'RECEIVER', path: '/cpo/tokens' },
  ]);
  cpo.fake.on('GET', '/cpo/locations', (_req, res) => void res.set('X-Total-Count', '0').json(ok([])));
  cpo.fake.on('PUT', '/cpo/tokens/DE/EMS/T1', (_req, res) => void res.json(ok()));
  cpo.fake.on('POST', '/callback/1', (_req, res) => void res.json(ok()));
});

afterAll(async () => {
  spy?.mockRestore();
  await cpo?.fake.close();
  await platform?.stop();
  await backend?.close();
});

afterEach(() => (backend.answer = () => 200));

test('handshakes, pulls, pushes, callbacks and webhooks all leave through the one pooled transport of app.client', async () => {
  const versions = `${cpo.fake.url}`;
  // Handshake: the platform read the peer's versions and details through it.
  expect(sentTo('ocpi', 'GET', versions).length).toBeGreaterThanOrEqual(2);
  // Pull: the first full pull of a new peer's locations.
  await eventually(() => expect(sentTo('ocpi', 'GET', `${cpo.fake.url}/cpo/locations`).length).toBeGreaterThanOrEqual(1));
  // Push and callback: outbox rows delivered by the engine.
  await platform.ctx.db.$transaction((tx) =>
    platform.ctx.outbox.enqueue(tx, [
      {
        peerId: cpo.peerId,
        objectKey: 'tokens:DE/EMS/T1',
        kind: 'PUSH',
        module: 'tokens',
        method: 'PUT',
        target: { interfaceRole: 'RECEIVER', path: '/DE/EMS/T1' },
        body: { uid: 'T1' },
        fullVersion: true,
        lastUpdated: new Date(),
      },
      {
        peerId: cpo.peerId,
        objectKey: 'commands:1',
        kind: 'CALLBACK',
        module: 'commands',
        method: 'POST',
        target: { url: `${cpo.fake.url}/callback/1` },
        body: { result: 'ACCEPTED' },
        fullVersion: false,
      },
    ]),
  );
  await eventually(() => {
    expect(sentTo('ocpi', 'PUT', `${cpo.fake.url}/cpo/tokens/DE/EMS/T1`)).toHaveLength(1);
    expect(sentTo('ocpi', 'POST', `${cpo.fake.url}/callback/1`)).toHaveLength(1);
  });
  // Webhooks: an eMSP event (outbox) and a direct signed call (command forwarding, real-time authorization).
  await request(platform.url)
    .put('/ocpi/emsp/2.2.1/sessions/NL/CPO/W1')
    .set('Authorization', tokenHeader(cpo.tokenC))
    .set({ 'OCPI-from-country-code': 'NL', 'OCPI-from-party-id': 'CPO', 'OCPI-to-country-code': 'DE', 'OCPI-to-party-id': 'EMS' })
    .send(aSession('W1'))
    .expect(201);
  const secretEnc = platform.ctx.secrets.encrypt(SECRET);
  expect(await postSigned(platform.ctx, { adapter: 'webhook', url: backend.url, secretEnc }, JSON.stringify({ type: 'direct', data: {} }))).toEqual({ ok: true });
  await eventually(() => expect(backend.arrivals.filter((a) => a.type === 'session.started' && a.data.id === 'W1')).toHaveLength(1));
  expect(backend.arrivals.every((a) => a.signatureValid)).toBe(true);
  expect(sentTo('webhook', 'POST', backend.url).length).toBe(backend.arrivals.length);
  // Every client of the process shares that transport: the hub's, and any built on the same policy.
  expect(hubClient(platform.ctx)).toBe(platform.ctx.client);
  expect(new OcpiClient({ timeoutMs: 100, policy: platform.ctx.urlPolicy, logger: platform.ctx.log }).transport).toBe(platform.ctx.client.transport);
  // Nothing reached the peer any other way: each request it received was one the transport sent.
  await eventually(() => expect(cpo.fake.received).toHaveLength(sent().filter((r) => r.url.startsWith(cpo.fake.url)).length));
});

test('a webhook to a URL the policy refuses is refused, on its text and on its resolved address, and never sent', async () => {
  const secretEnc = platform.ctx.secrets.encrypt(SECRET);
  const before = backend.arrivals.length;
  const calls = sent().length;
  await expect(postSigned(platform.ctx, { adapter: 'webhook', url: 'http://169.254.169.254/latest/meta-data', secretEnc }, '{}')).rejects.toMatchObject({ kind: 'policy' });
  expect(sent()).toHaveLength(calls);
  const port = new URL(backend.url).port;
  const loopbackDenied = new OcpiClient({
    timeoutMs: 500,
    policy: new UrlPolicy({ allowPrivate: true, extraDeniedCidrs: ['127.0.0.0/8', '::1/128'] }),
    logger: pino({ level: 'silent' }),
  });
  await expect(loopbackDenied.webhook({ url: `http://localhost:${port}/hook`, body: '{}', headers: {} })).rejects.toMatchObject({ kind: 'policy' });
  expect(backend.arrivals).toHaveLength(before);
});

test('an event for a backend whose URL the policy refuses is given up as DEAD by the engine without a call', async () => {
  await platform
    .admin()
    .post('/parties', { country_code: 'DE', party_id: 'EMZ', role: 'EMSP', business_details: aBusinessDetails('Refused hook') })
    .expect(201);
  // Set behind the admin API's back, as if the deny list had grown since the URL was accepted.
  await platform.ctx.parties.setBackend('DE', 'EMZ', { adapter: 'webhook', url: 'http://169.254.169.254/events', secretEnc: platform.ctx.secrets.encrypt(SECRET) });
  await platform.ctx.db.$transaction((tx) => enqueueEmspEvent(platform.ctx, tx, { countryCode: 'DE', partyId: 'EMZ' }, 'command.result', { id: 'REFUSED' }));
  const dead = await eventually(async () => {
    const res = await platform.admin().get('/parties/DE/EMZ/events?status=DEAD').expect(200);
    expect(res.body).toHaveLength(1);
    return res.body[0];
  });
  expect(dead).toMatchObject({ type: 'command.result', attempts: 1, last_error: expect.stringContaining('Refused to call http://169.254.169.254/events') });
  expect(sent().some((r) => r.url.includes('169.254.169.254'))).toBe(false);
});

test('backend events are outbox rows on the party lane, delivered in recording order, a failing one retried before the next', async () => {
  const failures = new Map<string, number>();
  backend.answer = (a) => {
    if (a.data.id !== 'ORD2') return 200;
    const n = (failures.get(a.id) ?? 0) + 1;
    failures.set(a.id, n);
    return n <= 2 ? 503 : 200;
  };
  await platform.ctx.db.$transaction(async (tx) => {
    for (let i = 0; i < 5; i++) await enqueueEmspEvent(platform.ctx, tx, { countryCode: 'DE', partyId: 'EMS' }, 'command.result', { id: `ORD${i}` });
  });
  await eventually(() => expect(backend.arrivals.filter((a) => a.data.id?.startsWith('ORD') && a.answered === 200)).toHaveLength(5));
  const ord = backend.arrivals.filter((a) => a.data.id?.startsWith('ORD'));
  expect(ord.filter((a) => a.answered === 200).map((a) => a.data.id)).toEqual(['ORD0', 'ORD1', 'ORD2', 'ORD3', 'ORD4']);
  expect(ord.filter((a) => a.data.id === 'ORD2').map((a) => a.answered)).toEqual([503, 503, 200]);
  // Nothing after ORD2 went out while it was being retried.
  const firstOk = ord.findIndex((a) => a.data.id === 'ORD2' && a.answered === 200);
  expect(ord.slice(0, firstOk).some((a) => a.data.id === 'ORD3' || a.data.id === 'ORD4')).toBe(false);
  expect(ord.every((a) => a.eventId === a.id && a.signatureValid)).toBe(true);

  const party = await platform.ctx.db.party.findUniqueOrThrow({ where: { partyKey: 'DEEMS' } });
  const events = await platform.ctx.db.backendEvent.findMany({ where: { type: 'command.result', partyKey: 'DEEMS' }, orderBy: { seq: 'asc' } });
  // The backend has answered the last one; its row is marked DELIVERED just after.
  await eventually(async () => {
    const rows = await platform.ctx.db.outboxMessage.findMany({ where: { id: { in: events.map((e) => e.messageId!) } }, orderBy: { id: 'asc' } });
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.kind === 'WEBHOOK' && r.partyId === party.id && r.peerId === null && r.objectKey === 'events:DEEMS' && r.status === 'DELIVERED')).toBe(true);
    expect(rows.map((r) => r.attempts)).toEqual([1, 1, 3, 1, 1]);
  });
});
