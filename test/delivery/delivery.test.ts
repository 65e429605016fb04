/**
 * The delivery engine against fake peers on 127.0.0.1: what arrives, in which order, how often,
 * and what happens when the peer is down, slow, throttling or refusing.
 */
import { aBusinessDetails } from '../helpers/builders.js';
import { FAST_DELIVERY, type ReceivingPeer, aLocationMessage, aReceivingPeer } from '../helpers/delivery.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { type TestPlatform, request, startTestPlatform } from '../helpers/platform.js';

let platform: TestPlatform;
let peer: ReceivingPeer;

beforeAll(async () => {
  platform = await startTestPlatform('delivery', { env: FAST_DELIVERY });
  await platform.admin().post('/parties', { country_code: 'NL', party_id: 'CPO', role: 'CPO', business_details: aBusinessDetails() }).expect(201);
  peer = await aReceivingPeer(platform);
});

afterAll(async () => {
  await peer?.fake.close();
  await platform?.stop();
});

beforeEach(() => {
  peer.arrivals.length = 0;
  peer.behaviour = () => 'ok';
});

const enqueue = (...messages: ReturnType<typeof aLocationMessage>[]) => platform.ctx.outbox.enqueue(platform.ctx.db, messages);
const statuses = async () => Object.fromEntries((await platform.ctx.db.outboxMessage.findMany({ where: { peerId: peer.peerId } })).map((r) => [String(r.id), r.status]));
const rowsOf = (n: number) => platform.ctx.db.outboxMessage.findMany({ where: { peerId: peer.peerId, objectKey: `locations:NL/CPO/OBJ${n}` }, orderBy: { id: 'asc' } });

test('a message reaches the advertised receiver endpoint with routing headers and is marked delivered', async () => {
  await enqueue(aLocationMessage(peer.peerId, 0, 1));
  await eventually(() => expect(peer.arrivals).toHaveLength(1));
  const a = peer.arrivals[0];
  expect(a).toMatchObject({ path: '/emsp/locations/NL/CPO/OBJ0', method: 'PATCH', version: 1 });
  expect(a.headers).toMatchObject({ 'ocpi-from-country-code': 'NL', 'ocpi-from-party-id': 'CPO', 'ocpi-to-country-code': 'DE', 'ocpi-to-party-id': 'EMS' });
  expect(a.headers['x-correlation-id']).toMatch(/^outbox-\d+$/);
  await eventually(async () => expect((await rowsOf(0)).map((r) => r.status)).toEqual(['DELIVERED']));
});

test('a peer that is down for a while gets everything when it comes back: in order per object, nothing twice', async () => {
  peer.behaviour = () => 'down';
  const sent: Array<[number, number]> = [];
  for (let v = 1; v <= 4; v++) for (let n = 1; n <= 5; n++) sent.push([n, v]);
  await enqueue(...sent.map(([n, v]) => aLocationMessage(peer.peerId, n, v)));
  await platform.whenIdle();
  expect(peer.arrivals).toHaveLength(0);
  peer.behaviour = () => 'ok';
  await eventually(() => expect(peer.arrivals).toHaveLength(20), 15000);
  for (let n = 1; n <= 5; n++) {
    expect(peer.arrivals.filter((a) => a.path.endsWith(`/OBJ${n}`)).map((a) => a.version)).toEqual([1, 2, 3, 4]);
  }
  await platform.whenIdle();
  expect(peer.arrivals).toHaveLength(20);
});

test('a 503 once is retried and the message arrives once', async () => {
  let calls = 0;
  peer.behaviour = () => (++calls === 1 ? { status: 503 } : 'ok');
  await enqueue(aLocationMessage(peer.peerId, 6, 1));
  await eventually(() => expect(peer.arrivals).toHaveLength(1));
  expect(calls).toBe(2);
  // The peer sees the message a moment before we record its answer.
  await eventually(async () => expect((await rowsOf(6))[0]).toMatchObject({ status: 'DELIVERED', attempts: 2 }));
});

test('a 429 with Retry-After is not retried before the time it asks for', async () => {
  let firstAt = 0;
  peer.behaviour = () => {
    if (firstAt) return 'ok';
    firstAt = Date.now();
    return { status: 429, headers: { 'Retry-After': '1' } };
  };
  await enqueue(aLocationMessage(peer.peerId, 7, 1));
  await eventually(() => expect(peer.arrivals).toHaveLength(1), 8000);
  expect(peer.arrivals[0].at - firstAt).toBeGreaterThanOrEqual(1000);
});

test('the idle signal resolves only once a due message was sent and its answer recorded, and ROLE api has none', async () => {
  peer.behaviour = () => ({ delayMs: 300 });
  const started = Date.now();
  await enqueue(aLocationMessage(peer.peerId, 17, 1));
  await platform.whenIdle();
  expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  expect(peer.arrivals.map((a) => a.path)).toEqual(['/emsp/locations/NL/CPO/OBJ17']);
  expect((await rowsOf(17)).map((r) => r.status)).toEqual(['DELIVERED']);
  peer.behaviour = () => 'ok';
  const api = await startTestPlatform('delivery_api', { env: { ROLE: 'api' } });
  try {
    await expect(api.whenIdle()).rejects.toThrow('no delivery worker runs in this process');
  } finally {
    await api.stop();
  }
});

test('a slow peer still gets its messages, in order', async () => {
  peer.behaviour = () => ({ delayMs: 300 });
  await enqueue(aLocationMessage(peer.peerId, 8, 1), aLocationMessage(peer.peerId, 8, 2));
  peer.behaviour = () => 'ok';
  await eventually(() => expect(peer.arrivals.map((a) => a.version)).toEqual([1, 2]), 8000);
});

test('an OCPI 2001 answer is dead-lettered with the peer message and not retried; an admin retry sends it again', async () => {
  let calls = 0;
  peer.behaviour = () => (++calls, { status: 200, body: { status_code: 2001, status_message: 'Missing field: evses', timestamp: new Date().toISOString() } });
  await enqueue(aLocationMessage(peer.peerId, 9, 1));
  await eventually(async () => expect((await rowsOf(9))[0].status).toBe('DEAD'));
  await platform.whenIdle();
  expect(calls).toBe(1);
  const list = await platform.admin().get(`/peers/${peer.peerId}/deliveries?status=DEAD`).expect(200);
  expect(list.body.items[0]).toMatchObject({ object_key: 'locations:NL/CPO/OBJ9', status: 'DEAD', last_error: expect.stringContaining('Missing field: evses') });
  expect(list.body.summary.DEAD).toBeGreaterThanOrEqual(1);

  peer.behaviour = () => 'ok';
  await platform.admin().post(`/deliveries/${list.body.items[0].id}/retry`).expect(200);
  await eventually(() => expect(peer.arrivals.map((a) => a.path)).toEqual(['/emsp/locations/NL/CPO/OBJ9']));
  await platform.admin().post(`/deliveries/${list.body.items[0].id}/retry`).expect(409);
});

test('a newer complete version supersedes older undelivered messages of the same object', async () => {
  await platform.admin().post(`/peers/${peer.peerId}/suspend`).expect(200);
  await enqueue(
    aLocationMessage(peer.peerId, 10, 1, { method: 'PUT', fullVersion: true }),
    aLocationMessage(peer.peerId, 10, 2),
    aLocationMessage(peer.peerId, 10, 3, { method: 'PUT', fullVersion: true }),
    aLocationMessage(peer.peerId, 10, 4),
  );
  await platform.whenIdle();
  expect(peer.arrivals).toHaveLength(0);
  await platform.admin().post(`/peers/${peer.peerId}/resume`).expect(200);
  await eventually(() =>
    expect(peer.arrivals.map((a) => [a.method, a.version])).toEqual([
      ['PUT', 3],
      ['PATCH', 4],
    ]),
  );
  await eventually(async () => expect((await rowsOf(10)).map((r) => r.status)).toEqual(['SUPERSEDED', 'SUPERSEDED', 'DELIVERED', 'DELIVERED']));
});

test('a version older than one the peer acknowledged is never sent', async () => {
  const newer = aLocationMessage(peer.peerId, 11, 2, { method: 'PUT', fullVersion: true });
  const older = { ...aLocationMessage(peer.peerId, 11, 1, { method: 'PUT', fullVersion: true }), lastUpdated: new Date(newer.lastUpdated!.getTime() - 5000) };
  await enqueue(newer);
  await eventually(() => expect(peer.arrivals).toHaveLength(1));
  await enqueue(older);
  await eventually(async () => expect((await rowsOf(11)).map((r) => r.status)).toEqual(['DELIVERED', 'SUPERSEDED']));
  expect(peer.arrivals.map((a) => a.version)).toEqual([2]);
});

test('concurrent updates of one object from many transactions: the peer ends with the newest', async () => {
  const base = Date.UTC(2030, 0, 1);
  const order = Array.from({ length: 30 }, (_, i) => i).sort(() => Math.random() - 0.5);
  await Promise.all(
    order.map((i) =>
      platform.ctx.db.$transaction(async (tx) => {
        await sleep(Math.random() * 20);
        await platform.ctx.outbox.enqueue(tx, [{ ...aLocationMessage(peer.peerId, 12, i, { method: 'PUT', fullVersion: true }), lastUpdated: new Date(base + i * 1000) }]);
      }),
    ),
  );
  await eventually(async () => expect((await rowsOf(12)).every((r) => r.status !== 'PENDING')).toBe(true), 10000);
  const versions = peer.arrivals.map((a) => a.version);
  expect(versions[versions.length - 1]).toBe(29);
  // Whatever arrived, arrived in increasing order: never an older version after a newer one.
  expect([...versions].sort((a, b) => a - b)).toEqual(versions);
});

test('past the retry window the object is marked for resync and delivery stops', async () => {
  peer.behaviour = () => ({ status: 500 });
  await enqueue(aLocationMessage(peer.peerId, 13, 1), aLocationMessage(peer.peerId, 13, 2));
  await eventually(async () => expect((await rowsOf(13))[0].attempts).toBeGreaterThanOrEqual(1));
  // Pretend the first failure was long ago.
  await platform.ctx.db.outboxMessage.updateMany({
    where: { peerId: peer.peerId, objectKey: 'locations:NL/CPO/OBJ13' },
    data: { firstFailedAt: new Date(Date.now() - 7 * 3600_000) },
  });
  await eventually(async () => expect((await rowsOf(13)).map((r) => r.status)).toEqual(['RESYNC', 'RESYNC']), 8000);

  peer.behaviour = () => 'ok';
  const res = await platform.admin().post(`/peers/${peer.peerId}/resync`, {}).expect(200);
  expect(res.body.requeued).toBe(1);
  await eventually(() => expect(peer.arrivals.map((a) => a.version)).toEqual([2]));
});

test('a callback whose deadline passes while the peer is down is given up', async () => {
  peer.behaviour = () => 'down';
  await enqueue(aLocationMessage(peer.peerId, 14, 1, { kind: 'CALLBACK', deadlineAt: new Date(Date.now() + 600) }));
  await eventually(async () => expect((await rowsOf(14))[0]).toMatchObject({ status: 'DEAD', lastError: expect.stringContaining('deadline') }), 8000);
});

test('a message for an endpoint the peer does not advertise is dead-lettered with the reason', async () => {
  await enqueue(aLocationMessage(peer.peerId, 15, 1, { module: 'tariffs', objectKey: 'tariffs:NL/CPO/T1' }));
  await eventually(async () => {
    const [row] = await platform.ctx.db.outboxMessage.findMany({ where: { peerId: peer.peerId, objectKey: 'tariffs:NL/CPO/T1' } });
    expect(row).toMatchObject({ status: 'DEAD', lastError: 'peer advertises no tariffs RECEIVER endpoint' });
  });
});

test('a pending delivery can be dropped', async () => {
  await platform.admin().post(`/peers/${peer.peerId}/suspend`).expect(200);
  await enqueue(aLocationMessage(peer.peerId, 16, 1));
  const [row] = await rowsOf(16);
  await platform.admin().delete(`/deliveries/${row.id}`).expect(204);
  await platform.admin().post(`/peers/${peer.peerId}/resume`).expect(200);
  await platform.whenIdle();
  expect(peer.arrivals).toHaveLength(0);
  await platform.admin().delete(`/deliveries/${row.id}`).expect(409);
  await platform.admin().delete('/deliveries/999999999').expect(404);
});

test('metrics count deliveries and the queue dashboard answers behind the admin key', async () => {
  const metrics = await request(platform.url).get('/metrics').expect(200);
  expect(metrics.text).toMatch(/ocpi_deliveries_total\{peer="[^"]+",module="locations",result="delivered"\} \d+/);
  expect(metrics.text).toContain('ocpi_delivery_latency_seconds_bucket');
  expect(metrics.text).toMatch(/ocpi_outbox_messages\{status="PENDING"\} \d+/);
  expect(metrics.text).toMatch(/http_requests_total\{method="POST",route="\/admin\/peers\/invitations",status="201"\}/);
  await request(platform.url).get('/admin/queues').expect(401);
  const basic = `Basic ${Buffer.from(`ops:test-admin-key-0123456789abcdef`).toString('base64')}`;
  const board = await request(platform.url).get('/admin/queues').set('Authorization', basic).expect(200);
  expect(board.text.toLowerCase()).toContain('<html');
});

test('housekeeping drops finished history past OUTBOX_HISTORY_HOURS by the hour, and keeps dead rows', async () => {
  const { OutboxHistory, hourOf } = await import('../../src/delivery/history.js');
  const history = new OutboxHistory(platform.ctx.db, platform.ctx.config.DATABASE_SCHEMA);
  // Everything so far moves into an hour 30 hours back (its partition created first), as if written then.
  const old = hourOf(new Date(Date.now() - 30 * 3_600_000));
  await history.ensure(old, 0);
  await platform.ctx.db.outboxMessage.updateMany({ where: { peerId: peer.peerId }, data: { bucket: old } });
  const dead = await platform.ctx.db.outboxMessage.count({ where: { peerId: peer.peerId, status: 'DEAD' } });
  const finished = await platform.ctx.db.outboxMessage.count({ where: { peerId: peer.peerId, status: { in: ['DELIVERED', 'SUPERSEDED', 'DROPPED'] } } });
  expect(finished).toBeGreaterThan(2);
  const { dropped } = await history.dropBefore(new Date(), 6);
  expect(dropped).toEqual(expect.arrayContaining([expect.stringMatching(/^outbox_message_p\d{10}$/)]));
  const left = await platform.ctx.db.outboxMessage.findMany({ where: { peerId: peer.peerId } });
  expect(left.every((r) => ['DEAD', 'RESYNC', 'PENDING'].includes(r.status))).toBe(true);
  expect(left.filter((r) => r.status === 'DEAD')).toHaveLength(dead);
  expect(left.every((r) => r.bucket > old)).toBe(true);
});

test('statuses of everything above are terminal: nothing is left pending', async () => {
  await eventually(async () => expect(Object.values(await statuses())).not.toContain('PENDING'), 8000);
});
