/**
 * Events to an eMSP party's own backend: what CPO peers push about its drivers' sessions and CDRs
 * is written as an event in the same transaction and POSTed, HMAC-signed, to the party's webhook
 * by the outbox delivery engine (a WEBHOOK row on the party's lane), retried with backoff until
 * delivered.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createAppContext } from '../../src/app-context.js';
import { enqueueEmspEvent } from '../../src/backends/emsp-events.js';
import { DeliveryStore } from '../../src/delivery/delivery-store.js';
import { DeliveryMetrics } from '../../src/delivery/metrics.js';
import { PeerDelivery } from '../../src/delivery/peer-delivery.js';
import { aBusinessDetails, aCredentialsRole } from '../helpers/builders.js';
import { FAST_DELIVERY } from '../helpers/delivery.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { later } from '../helpers/locations.js';
import { type TestPlatform, request, startTestPlatform, tokenHeader } from '../helpers/platform.js';
import { type RegisteredPeer, aRegisteredPeer } from '../helpers/registered-peer.js';
import { aCdr, aSession } from '../helpers/sessions.js';

const SECRET = 'webhook-secret-0123456789';

interface Arrival {
  id: string;
  type: string;
  party: { country_code: string; party_id: string };
  occurred_at: string;
  data: any;
  eventIdHeader: string | undefined;
  signatureValid: boolean;
  answered: number;
}

/** A tiny eMSP backend: checks the signature of every POST and answers what the test scripts. */
async function startWebhook() {
  const arrivals: Arrival[] = [];
  const hook = { arrivals, answer: (_a: Arrival) => 200, url: '', close: async () => undefined as void };
  const app = express();
  app.post('/events', express.raw({ type: () => true }), (req, res) => {
    const raw = req.body as Buffer;
    const expected = `sha256=${crypto.createHmac('sha256', SECRET).update(raw).digest('hex')}`;
    const given = req.get('x-signature') ?? '';
    const signatureValid = given.length === expected.length && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected));
    const body = JSON.parse(raw.toString('utf8'));
    const arrival: Arrival = { ...body, eventIdHeader: req.get('x-event-id'), signatureValid, answered: 0 };
    arrival.answered = hook.answer(arrival);
    arrivals.push(arrival);
    res.status(arrival.answered).json({ ok: arrival.answered < 300 });
  });
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  hook.close = () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r())));
  return hook;
}

let platform: TestPlatform;
let cpo: RegisteredPeer;
let hook: Awaited<ReturnType<typeof startWebhook>>;

const routing = { 'OCPI-from-country-code': 'NL', 'OCPI-from-party-id': 'CPO', 'OCPI-to-country-code': 'DE' };
const putSession = (body: ReturnType<typeof aSession>, to = 'EMS') =>
  request(platform.url).put(`/ocpi/emsp/2.2.1/sessions/NL/CPO/${body.id}`).set('Authorization', tokenHeader(cpo.tokenC)).set(routing).set('OCPI-to-party-id', to).send(body);
const postCdr = (body: ReturnType<typeof aCdr>) =>
  request(platform.url).post('/ocpi/emsp/2.2.1/cdrs').set('Authorization', tokenHeader(cpo.tokenC)).set(routing).set('OCPI-to-party-id', 'EMS').send(body);
const arrived = (type: string, id: string) => hook.arrivals.filter((a) => a.type === type && (a.data.id === id || a.data.cdr?.id === id) && a.answered === 200);
const emx = { country_code: 'DE', party_id: 'EMX', uid: 'RFID009', type: 'RFID', contract_id: 'DE-EMX-C00009-1' };

beforeAll(async () => {
  hook = await startWebhook();
  platform = await startTestPlatform('emsp_events', { env: FAST_DELIVERY });
  await platform.admin().post('/parties', { country_code: 'DE', party_id: 'EMS', role: 'EMSP', business_details: aBusinessDetails() }).expect(201);
  await platform
    .admin()
    .post('/parties', { country_code: 'DE', party_id: 'EMX', role: 'EMSP', business_details: aBusinessDetails('No webhook') })
    .expect(201);
  await platform.admin().put('/parties/DE/EMS/backend', { adapter: 'webhook', url: hook.url, secret: SECRET }).expect(200);
  cpo = await aRegisteredPeer(platform, [aCredentialsRole({ role: 'CPO', country_code: 'NL', party_id: 'CPO' })]);
});

afterAll(async () => {
  await cpo?.fake.close();
  await platform?.stop();
  await hook?.close();
});

test('a new session pushed by a CPO reaches the webhook as session.started, signed with the shared secret', async () => {
  await putSession(aSession('E1')).expect(201);
  const [event] = await eventually(() => {
    const found = arrived('session.started', 'E1');
    expect(found).toHaveLength(1);
    return found;
  });
  expect(event).toMatchObject({ party: { country_code: 'DE', party_id: 'EMS' }, signatureValid: true, data: { id: 'E1', status: 'ACTIVE', cdr_token: { party_id: 'EMS' } } });
  expect(event.eventIdHeader).toBe(event.id);
  expect(new Date(event.occurred_at).toISOString()).toBe(event.occurred_at);
});

test('a newer version gives session.updated, COMPLETED gives session.ended, a repeated or older version gives nothing', async () => {
  await putSession(aSession('E2')).expect(201);
  const older = aSession('E2', { kwh: 1 });
  const newer = aSession('E2', { kwh: 5 });
  await putSession(newer).expect(200);
  const ended = aSession('E2', { kwh: 9, status: 'COMPLETED' });
  await putSession(ended).expect(200);
  await putSession(ended).expect(200);
  expect((await putSession(older).expect(200)).body.status_message).toMatch(/^Ignored/);
  const patched = await request(platform.url)
    .patch('/ocpi/emsp/2.2.1/sessions/NL/CPO/E2')
    .set('Authorization', tokenHeader(cpo.tokenC))
    .set(routing)
    .set('OCPI-to-party-id', 'EMS')
    .send({ total_cost: { excl_vat: 2, incl_vat: 2.42 }, last_updated: later() });
  expect(patched.body.status_code).toBe(1000);
  await eventually(() =>
    expect(hook.arrivals.filter((a) => a.data.id === 'E2').map((a) => a.type)).toEqual(['session.started', 'session.updated', 'session.ended', 'session.updated']),
  );
  const updates = arrived('session.updated', 'E2');
  expect(updates[0].data.kwh).toBe(5);
  expect(updates[1].data).toMatchObject({ status: 'COMPLETED', total_cost: { excl_vat: 2 } });
  expect(arrived('session.ended', 'E2')[0].data).toMatchObject({ status: 'COMPLETED', kwh: 9 });
});

test('a new CDR gives cdr.received with the CDR and its total_cost; a duplicate POST gives no second event', async () => {
  await postCdr(aCdr('CDRE1')).expect(201);
  await postCdr(aCdr('CDRE1')).expect(200);
  await eventually(() => expect(arrived('cdr.received', 'CDRE1')).toHaveLength(1));
  expect(arrived('cdr.received', 'CDRE1')[0].data).toMatchObject({ total_cost: { excl_vat: 2.75, incl_vat: 3.33 }, cdr: { id: 'CDRE1', total_energy: 11 } });
  await sleep(500);
  expect(await platform.ctx.db.backendEvent.count({ where: { type: 'cdr.received' } })).toBe(1);
});

test("a webhook answering 500 gets the event again with backoff, and it is delivered once, before the party's later events", async () => {
  let failures = 0;
  hook.answer = (a) => (a.data.id === 'E3' && failures++ === 0 ? 500 : 200);
  try {
    await putSession(aSession('E3')).expect(201);
    await putSession(aSession('E3B')).expect(201);
    await eventually(() => expect(arrived('session.started', 'E3B')).toHaveLength(1));
    const delivered = hook.arrivals.filter((a) => a.answered === 200).map((a) => a.data.id);
    expect(delivered.indexOf('E3')).toBeGreaterThanOrEqual(0);
    expect(delivered.indexOf('E3')).toBeLessThan(delivered.indexOf('E3B'));
    const attempts = hook.arrivals.filter((a) => a.data.id === 'E3');
    expect(attempts.map((a) => a.answered)).toEqual([500, 200]);
    expect(attempts[0].id).toBe(attempts[1].id);
    const view = await platform.admin().get('/parties/DE/EMS/events?status=DELIVERED').expect(200);
    expect(view.body.find((e: { id: string }) => e.id === attempts[0].id)).toMatchObject({
      type: 'session.started',
      status: 'DELIVERED',
      attempts: 2,
      next_attempt_at: null,
      data: { id: 'E3' },
    });
    await sleep(500);
    expect(hook.arrivals.filter((a) => a.data.id === 'E3')).toHaveLength(2);
  } finally {
    hook.answer = () => 200;
  }
});

test('an eMSP party without a webhook gets no event rows', async () => {
  await putSession(aSession('E4', { cdr_token: emx }), 'EMX').expect(201);
  await postCdr(aCdr('CDRE4', { cdr_token: emx })).expect(201);
  expect(await platform.ctx.db.backendEvent.count({ where: { partyKey: 'DEEMX' } })).toBe(0);
  expect((await platform.admin().get('/parties/DE/EMX/events').expect(200)).body).toEqual([]);
});

test('the events list is for eMSP parties only and filters by status', async () => {
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPZ', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  await platform.admin().get('/parties/NL/CPZ/events').expect(404);
  await platform.admin().get('/parties/DE/EMS/events?status=LOST').expect(400);
  await eventually(async () => expect((await platform.admin().get('/parties/DE/EMS/events?status=PENDING').expect(200)).body).toEqual([]));
});

test('two workers sweeping at once never send one event twice', async () => {
  const party = { countryCode: 'DE', partyId: 'EMS' };
  const ids: string[] = [];
  await platform.ctx.db.$transaction(async (tx) => {
    for (let i = 0; i < 40; i++) await enqueueEmspEvent(platform.ctx, tx, party, 'command.result', { id: `CMD${i}`, result: 'ACCEPTED' });
  });
  // Two more delivery engines over the same database next to the running one: three claimers of the party's lane.
  const lane = `party:${(await platform.ctx.db.party.findUniqueOrThrow({ where: { partyKey: 'DEEMS' } })).id}`;
  const other = [createAppContext(platform.ctx), createAppContext(platform.ctx)].map(
    (ctx) =>
      new PeerDelivery(
        ctx,
        ctx.client,
        new DeliveryStore(ctx.db, ctx.config.DATABASE_SCHEMA),
        { keyConcurrency: 4, leaseMs: 2000, batchSize: 100, retryWindowMs: 60_000, backoff: { baseMs: 100, maxMs: 400 } },
        new DeliveryMetrics(ctx.metrics),
      ),
  );
  await Promise.all(other.map((engine) => engine.run(lane)));
  for (let i = 0; i < 40; i++) ids.push(`CMD${i}`);
  await eventually(() => expect(hook.arrivals.filter((a) => a.type === 'command.result').length).toBeGreaterThanOrEqual(40));
  await sleep(300);
  const sent = hook.arrivals.filter((a) => a.type === 'command.result');
  expect(sent.map((a) => a.data.id).sort()).toEqual([...ids].sort());
  expect(new Set(sent.map((a) => a.id)).size).toBe(40);
});

test('an event still failing after the retry window is given up as DEAD', async () => {
  hook.answer = (a) => (a.data.id === 'E5' ? 503 : 200);
  try {
    await putSession(aSession('E5')).expect(201);
    await eventually(() => expect(hook.arrivals.filter((a) => a.data.id === 'E5').length).toBeGreaterThanOrEqual(1));
    const dead = await eventually(async () => {
      // As if it had been failing for longer than DELIVERY_RETRY_WINDOW_MINUTES (again after each attempt that set it).
      // The body is stored once per change (outbox_change); the message points at it.
      const changes = await platform.ctx.db.outboxChange.findMany({ where: { body: { path: ['data', 'id'], equals: 'E5' } }, select: { id: true } });
      await platform.ctx.db.outboxMessage.updateMany({
        where: { status: 'PENDING', kind: 'WEBHOOK', changeId: { in: changes.map((c) => c.id) } },
        data: { firstFailedAt: new Date(Date.now() - 7 * 3600_000) },
      });
      const res = await platform.admin().get('/parties/DE/EMS/events?status=DEAD').expect(200);
      expect(res.body).toHaveLength(1);
      return res.body[0];
    });
    expect(dead).toMatchObject({ type: 'session.started', data: { id: 'E5' }, last_error: 'retry window exceeded: webhook answered HTTP 503' });
  } finally {
    hook.answer = () => 200;
  }
});
